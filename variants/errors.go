package variants

import (
	"errors"
	"strings"
)

// FieldError is a problem with one field of a Spec or a Config. Path names
// the field as written in a config file, e.g. "rules[0].variants[2].width"
// or, for a Spec on its own, "width" (a spec that cannot be written in the
// flat config form names its processors: "processors[1].width").
type FieldError struct {
	Path string
	Err  error
}

// Error returns "path: problem".
func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

// Unwrap returns the underlying problem.
func (e *FieldError) Unwrap() error { return e.Err }

// fieldErr returns a *FieldError for path with the message msg.
func fieldErr(path, msg string) error {
	return &FieldError{Path: path, Err: errors.New(msg)}
}

// joinPath appends the path elem to prefix: "a" + "b" is "a.b", "a" +
// "[1].b" is "a[1].b".
func joinPath(prefix, elem string) string {
	switch {
	case prefix == "":
		return elem
	case elem == "":
		return prefix
	case strings.HasPrefix(elem, "["):
		return prefix + elem
	}
	return prefix + "." + elem
}

// withPath puts prefix in front of err's path, making err a *FieldError if
// it is not one.
func withPath(prefix string, err error) error {
	if err == nil {
		return nil
	}
	if fe, ok := err.(*FieldError); ok {
		return &FieldError{Path: joinPath(prefix, fe.Path), Err: fe.Err}
	}
	return &FieldError{Path: prefix, Err: err}
}
