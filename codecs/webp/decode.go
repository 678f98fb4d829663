package webp

import (
	"bufio"
	"fmt"
	"image"
	"io"

	xwebp "golang.org/x/image/webp"

	"github.com/blobimage/blobimage/codecs"
)

// match matches a RIFF container of form type WEBP whose first chunk is one
// a WebP file may start with: VP8 (lossy), VP8L (lossless) or VP8X
// (extended).
func match(head []byte) bool {
	if len(head) < 16 || string(head[0:4]) != "RIFF" || string(head[8:12]) != "WEBP" {
		return false
	}
	switch string(head[12:16]) {
	case "VP8 ", "VP8L", "VP8X":
		return true
	}
	return false
}

// animated reports whether head starts with a VP8X chunk whose animation
// flag is set.
func animated(head []byte) bool {
	const animationBit = 1 << 1
	return len(head) > 20 && string(head[12:16]) == "VP8X" && head[20]&animationBit != 0
}

// peek wraps r in a buffered reader and refuses animated WebP, which
// golang.org/x/image/webp cannot decode, as unsupported rather than
// corrupt.
func peek(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(21)
	if animated(head) {
		return nil, fmt.Errorf("%w: animated webp", codecs.ErrUnsupportedFormat)
	}
	return br, nil
}

// DecodeConfig reads the dimensions and colour model of a WebP: YCbCr for
// lossy, NYCbCrA for lossy with alpha, NRGBA for lossless. An animated WebP
// is refused with an error matching codecs.ErrUnsupportedFormat.
func DecodeConfig(r io.Reader) (image.Config, error) {
	br, err := peek(r)
	if err != nil {
		return image.Config{}, err
	}
	return xwebp.DecodeConfig(br)
}

// Decode decodes a still WebP with golang.org/x/image/webp. A lossy (VP8)
// image comes back as an *image.YCbCr, or an *image.NYCbCrA with alpha,
// whose samples have been brought from VP8's limited range to the full
// range Go's colour conversions assume (levels.go); a lossless (VP8L)
// image is an *image.NRGBA. An animated WebP is refused with an error
// matching codecs.ErrUnsupportedFormat.
func Decode(r io.Reader) (image.Image, error) {
	br, err := peek(r)
	if err != nil {
		return nil, err
	}
	m, err := xwebp.Decode(br)
	if err != nil {
		return nil, err
	}
	switch m := m.(type) {
	case *image.YCbCr:
		fullRange(m)
	case *image.NYCbCrA:
		fullRange(&m.YCbCr)
	}
	return m, nil
}
