package blobimage

import (
	"context"
	"errors"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"
)

// Errors of the Store's own methods (Image, Put, URL, Regenerate, Process,
// Reconcile) carry their gocloud code as those of the wrapped bucket do,
// so gcerrors.Code works on every error blobimage returns: NotFound for a
// missing key, FailedPrecondition for an unmanaged object, and so on (see
// ErrorCode). gocloud makes its coded errors in an internal package; the
// one public way to get one is the way every driver's errors get theirs:
// the portable blob type wrapping an error a driver returned. coder is a
// bucket over a driver that does nothing but return the error it is
// handed, so an error passed through it comes back carrying the code
// ErrorCode gives it.

// codedError keeps blobimage's own message while wrapping the coded
// error, so errors.Is, errors.As and gcerrors.Code all see through it.
type codedError struct {
	msg string
	err error
}

func (e *codedError) Error() string { return e.msg }
func (e *codedError) Unwrap() error { return e.err }

// withCode returns err so that gcerrors.Code(err) is ErrorCode(err), with
// err's message.
func withCode(err error) error {
	if err == nil {
		return nil
	}
	code := ErrorCode(err)
	if code == gcerrors.Unknown || gcerrors.Code(err) == code {
		return err
	}
	_, coded := coder.Attributes(context.WithValue(context.Background(), causeKey{}, err), "")
	if coded == nil || gcerrors.Code(coded) != code {
		return err
	}
	return &codedError{msg: err.Error(), err: coded}
}

var coder = blob.NewBucket(errorDriver{})

type causeKey struct{}

// errorDriver is the driver behind coder. Only Attributes and ErrorCode
// are ever called.
type errorDriver struct{ driver.Bucket }

func (errorDriver) Attributes(ctx context.Context, _ string) (*driver.Attributes, error) {
	err, _ := ctx.Value(causeKey{}).(error)
	if err == nil {
		err = errors.New("blobimage: no error to code")
	}
	return nil, err
}

func (errorDriver) ErrorCode(err error) gcerrors.ErrorCode { return ErrorCode(err) }

// innerError is an error of the inner bucket, told in a few words: "not
// found" for a missing object (a backend's own words may name server
// paths), else the backend's message without gocloud's "blob (key …)
// (code=…)" prefix, since blobimage's message names the key already. The
// error itself is kept, for errors.Is and gcerrors.Code.
type innerError struct{ err error }

func (e innerError) Error() string {
	if gcerrors.Code(e.err) == gcerrors.NotFound {
		return "not found"
	}
	msg := e.err.Error()
	if i := strings.Index(msg, "): "); strings.HasPrefix(msg, "blob (") && i >= 0 {
		msg = msg[i+3:]
	}
	return msg
}

func (e innerError) Unwrap() error { return e.err }
