package codecs

import (
	"errors"
	"fmt"
)

// Errors returned by Sniff, Probe and Decode. Test for them with errors.Is;
// the returned errors wrap them with the detail (which format, which limit).
var (
	// ErrNotImage means the bytes are not an image in any format Sniff
	// recognises.
	ErrNotImage = errors.New("not an image")
	// ErrUnsupportedFormat means the bytes are an image in a format that is
	// recognised but not accepted (TIFF, BMP, HEIF, AVIF, SVG, ...), or not
	// writable when asked to encode.
	ErrUnsupportedFormat = errors.New("unsupported image format")
	// ErrTooLarge means the image exceeds one of the Limits. The error is a
	// *LimitError naming the limit.
	ErrTooLarge = errors.New("image too large")
	// ErrCorrupt means the image is malformed: a header or body the decoder
	// rejects, zero width or height, or a decoder that panicked.
	ErrCorrupt = errors.New("corrupt image")
)

// LimitError reports an image that exceeds one of the Limits. It matches
// ErrTooLarge with errors.Is.
type LimitError struct {
	// Limit is the name of the limit as it appears in the config file,
	// e.g. "max_pixels".
	Limit string
	// Value is what the image has; Max is what the limit allows.
	Value, Max int64
	// Width and Height are the image's dimensions from its header, when
	// known (zero otherwise, e.g. for "max_bytes").
	Width, Height int
}

// Error describes the limit in words, e.g. "image too large: 60000×60000 =
// 3600000000 pixels exceeds max_pixels 50000000".
func (e *LimitError) Error() string {
	dims := e.Width > 0 && e.Height > 0
	switch {
	case e.Limit == "max_bytes":
		return fmt.Sprintf("%s: %d bytes exceeds max_bytes %d", ErrTooLarge, e.Value, e.Max)
	case e.Limit == "max_pixels" && dims:
		return fmt.Sprintf("%s: %d×%d = %d pixels exceeds max_pixels %d", ErrTooLarge, e.Width, e.Height, e.Value, e.Max)
	case e.Limit == "max_side" && dims:
		return fmt.Sprintf("%s: %d×%d: side %d exceeds max_side %d", ErrTooLarge, e.Width, e.Height, e.Value, e.Max)
	}
	return fmt.Sprintf("%s: %d exceeds %s %d", ErrTooLarge, e.Value, e.Limit, e.Max)
}

// Is reports whether target is ErrTooLarge.
func (e *LimitError) Is(target error) bool { return target == ErrTooLarge }
