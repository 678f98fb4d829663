package blobimage

import (
	"context"
	"errors"
	"io/fs"
	"syscall"

	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/codecs"
)

// Errors a write, Copy, Delete or Image call may return, to test with
// errors.Is. Every error blobimage returns, through the wrapped
// *blob.Bucket or from the Store's own methods, carries the gcerrors code
// ErrorCode gives it, so gcerrors.Code works on it (see coded.go).
var (
	// ErrNotImage: a key matching an image rule was written with bytes
	// that are not an image.
	ErrNotImage = codecs.ErrNotImage
	// ErrUnsupportedFormat: the bytes are an image in a format the rule does
	// not accept (TIFF, BMP, HEIC, SVG, or one left out of the rule's
	// formats).
	ErrUnsupportedFormat = codecs.ErrUnsupportedFormat
	// ErrTooLarge: the upload exceeds a limit (bytes, pixels, longest side);
	// the error names the limit.
	ErrTooLarge = codecs.ErrTooLarge
	// ErrCorrupt: the image is malformed or its decoder failed.
	ErrCorrupt = codecs.ErrCorrupt
	// ErrReservedKey: the key lies in the variant key space (or names the
	// manifest metadata key), which only blobimage writes.
	ErrReservedKey = errors.New("reserved key")
	// ErrUnmanaged: Image was asked about an object that has no manifest: a
	// key matching no image rule, or an original written past the wrapper.
	ErrUnmanaged = errors.New("not a blobimage original")
	// ErrNoVariant: the ImageFile has no variant of that name.
	ErrNoVariant = errors.New("no such variant")
	// ErrNoURL: the bucket cannot sign URLs and no public URL is
	// configured.
	ErrNoURL = errors.New("no URL: the bucket cannot sign URLs and no public_url is configured")
	// ErrWidthNotAllowed: a rendition width the key's rule does not allow
	// (or any width, when it allows none). See Store.Rendition.
	ErrWidthNotAllowed = errors.New("width not allowed")
	// ErrInvalidTransform: a transform outside the limits, or one that
	// does not make sense (fill without a height). See Store.Transform.
	ErrInvalidTransform = errors.New("invalid transform")
)

// ErrorCode returns the gcerrors code of an error returned by blobimage or
// by the wrapped bucket: InvalidArgument for refused uploads and invalid
// or reserved keys (and a file system's "name too long"),
// ResourceExhausted for uploads over a limit, NotFound for missing objects
// and variants, FailedPrecondition for unmanaged objects, for an
// IfNotExist write to an existing key and for a key that collides with a
// folder of the same name (fileblob), Unimplemented when no URL can be
// made (ErrNoURL, ErrCannotSign).
func ErrorCode(err error) gcerrors.ErrorCode {
	switch {
	case err == nil:
		return gcerrors.OK
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrBusy):
		return gcerrors.ResourceExhausted
	case errors.Is(err, ErrNotImage), errors.Is(err, ErrUnsupportedFormat),
		errors.Is(err, ErrCorrupt), errors.Is(err, ErrReservedKey), errors.Is(err, ErrInvalidKey),
		errors.Is(err, errBadResume), errors.Is(err, ErrWidthNotAllowed), errors.Is(err, ErrInvalidTransform),
		errors.Is(err, ErrNoRule), errors.Is(err, ErrNotStaged):
		return gcerrors.InvalidArgument
	case errors.Is(err, syscall.ENAMETOOLONG):
		// A backend on a file system (fileblob) refusing a key.
		return gcerrors.InvalidArgument
	case errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.EISDIR), errors.Is(err, fs.ErrExist):
		// fileblob: a key beside a folder of the same name ("a", then
		// "a/b.jpg", or the other way round).
		return gcerrors.FailedPrecondition
	case errors.Is(err, ErrNoVariant):
		return gcerrors.NotFound
	case errors.Is(err, ErrUnmanaged), errors.Is(err, errExists):
		return gcerrors.FailedPrecondition
	case errors.Is(err, ErrNoURL), errors.Is(err, ErrCannotSign):
		return gcerrors.Unimplemented
	case errors.Is(err, context.Canceled):
		return gcerrors.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return gcerrors.DeadlineExceeded
	}
	return gcerrors.Code(err)
}
