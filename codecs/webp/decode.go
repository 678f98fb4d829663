package webp

import (
	"bufio"
	"image"
	"io"

	xwebp "golang.org/x/image/webp"
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

// DecodeConfig reads the dimensions and colour model of a WebP: YCbCr for
// lossy, NYCbCrA for lossy with alpha, NRGBA for lossless. For an animated
// WebP it is the canvas size (the VP8X chunk's) and NRGBA, once every
// chunk has been checked as libwebp's demuxer checks them (anim.go): a
// broken container is refused whichever frame is broken, while a file
// that ends early is accepted when it holds its first frame whole.
func DecodeConfig(r io.Reader) (image.Config, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(21); animated(head) {
		return config(br)
	}
	return xwebp.DecodeConfig(br)
}

// Decode decodes a WebP with golang.org/x/image/webp. A lossy (VP8)
// image comes back as an *image.YCbCr, or an *image.NYCbCrA with alpha,
// whose samples have been brought from VP8's limited range to the full
// range Go's colour conversions assume (levels.go); a lossless (VP8L)
// image is an *image.NRGBA. An animated WebP gives its first frame on its
// canvas, an *image.NRGBA transparent outside the frame, as libwebp's
// WebPAnimDecoder makes it (animdecode.go); later frames are not read.
func Decode(r io.Reader) (image.Image, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(21); animated(head) {
		return decodeFirst(br)
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
