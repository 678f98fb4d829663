//go:build cgo && turbojpeg

package codecs

import (
	"bytes"
	"image"
	"io"

	jpegcodec "github.com/blobimage/blobimage/codecs/jpeg"
	"github.com/blobimage/blobimage/codecs/turbojpeg"
)

// TurboJPEG reports whether JPEG is decoded and encoded by libjpeg-turbo
// (the build tag turbojpeg, with cgo). It is true in this build.
const TurboJPEG = true

// accelerateJPEG makes libjpeg-turbo decode (at full or reduced scale) and
// encode JPEG. It is an accelerator, not a second judge: a file it warns
// about or refuses (damaged or truncated data, an unusual subsampling) is
// decoded again by the pure-Go decoder, whose verdict and image stand, so a
// file is accepted or refused alike in both builds. DecodeConfig stays the
// pure-Go one for the same reason.
func accelerateJPEG(c *Codec) {
	c.Decode = func(r io.Reader) (image.Image, error) { return turboDecode(r, 1) }
	c.DecodeScaled = turboDecode
	c.Encode = func(w io.Writer, img image.Image, o EncodeOptions) error {
		return turbojpeg.Encode(w, jpegSource(img, o.Background), jpegQuality(o.Quality))
	}
}

func turboDecode(r io.Reader, denom int) (image.Image, error) {
	data, err := readAllOf(r)
	if err != nil {
		return nil, err
	}
	if m, err := turbojpeg.DecodeScaledStrict(data, denom); err == nil {
		return m, nil
	}
	return jpegcodec.DecodeScaled(bytes.NewReader(data), denom)
}

// readAllOf returns what is left of r. A *ctxReader (Decode's) hands over
// its slice without a copy, once its context has been checked.
func readAllOf(r io.Reader) ([]byte, error) {
	if cr, ok := r.(*ctxReader); ok {
		var probe [0]byte
		if _, err := cr.Read(probe[:]); err != nil && err != io.EOF {
			return nil, err
		}
		return cr.data[cr.off:], nil
	}
	return io.ReadAll(r)
}
