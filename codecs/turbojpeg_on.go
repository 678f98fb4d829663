//go:build cgo && turbojpeg

package codecs

import (
	"bytes"
	"image"
	"io"

	jpegcodec "github.com/blobimage/blobimage/codecs/jpeg"
	"github.com/blobimage/blobimage/codecs/turbojpeg"
	"github.com/blobimage/blobimage/internal/boxavg"
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
//
// A progressive JPEG decoded at reduced scale is left to the pure-Go
// decoder (see turboDecode), and so is a baseline JPEG of pureGoStrips
// pixels or more decoded in strips (DecodeStrips, the variants' decode).
func accelerateJPEG(c *Codec) {
	c.Decode = func(r io.Reader) (image.Image, error) { return turboDecode(r, 1) }
	c.DecodeScaled = turboDecode
	// libjpeg-turbo decodes whole pictures; from pureGoStrips up, the
	// pure-Go decoder's strips are kept.
	c.StripsMinPixels = pureGoStrips
	c.Encode = func(w io.Writer, img image.Image, o EncodeOptions) error {
		src := jpegSource(img, o.Background)
		if m, ok := src.(*image.YCbCr); ok {
			src = boxavg.To420(m)
		}
		return turbojpeg.Encode(w, src, jpegQuality(o.Quality))
	}
}

// turboDecode decodes with libjpeg-turbo, falling back to the pure-Go
// decoder as accelerateJPEG describes, except for a progressive JPEG of
// pureGoProgressive pixels or more at reduced scale (denom > 1), which goes
// to the pure-Go decoder directly. Both keep a progressive image's
// coefficients until its last scan, but libjpeg-turbo keeps all 64 of every
// block, 128 bytes per block and component at any scale (48 MB for a 16 MP
// 4:2:0 photo), while the pure-Go decoder keeps only those its reduced
// inverse DCT reads (18 bytes per block at 1/4, 7 MB), which is also what
// Info.DecodeMemoryScaled charges. libjpeg-turbo decodes such a file in
// 55–70% of the time (16 MP, 1/2 to 1/8), but its extra memory is in use
// for the whole decode: with two workers it kept the keep benchmark's peak
// RSS at 1.2–1.3× the pure-Go build's. At full size both keep every
// coefficient, and libjpeg-turbo decodes.
func turboDecode(r io.Reader, denom int) (image.Image, error) {
	data, err := readAllOf(r)
	if err != nil {
		return nil, err
	}
	if denom > 1 {
		if _, progressive := jpegScans(data, 1); progressive {
			if cfg, err := turbojpeg.DecodeConfig(data); err == nil && cfg.Width*cfg.Height >= pureGoProgressive {
				return jpegcodec.DecodeScaled(bytes.NewReader(data), denom)
			}
		}
	}
	m, err := turbojpeg.DecodeScaledStrict(data, denom)
	if err != nil {
		if denom == 1 {
			return jpegcodec.DecodeScaled(bytes.NewReader(data), 1)
		}
		return jpegcodec.DecodeResize(bytes.NewReader(data), denom)
	}
	if y, ok := m.(*image.YCbCr); ok && (denom == 2 || denom == 4) && y.SubsampleRatio == image.YCbCrSubsampleRatio444 {
		return boxavg.To420(y), nil
	}
	return m, nil
}

// pureGoProgressive is the size from which turboDecode leaves a progressive
// JPEG at reduced scale to the pure-Go decoder: 1 MP, below which
// libjpeg-turbo's coefficients take at most 6 MB (4:4:4; 3 MB at 4:2:0)
// and its speed is worth more.
const pureGoProgressive = 1 << 20

// pureGoStrips is the size from which a baseline JPEG's variants are made
// from the pure-Go decoder's strips (DecodeStrips) in this build too: 16
// MP, from which the picture libjpeg-turbo would hold whole at 1/2 is 6
// MB of planes or more (18 for 4:4:4) for each write at once, while its
// speed no longer shows: a keep-mode put of the 22 MP canon5d3 photo took
// 126 against 129 ms and 100 against 98.5 in two sets of four runs (one
// worker), and the 2-worker peak RSS of the benchmark fell from 131–148
// MiB (median 135) to 117–130 (121.5) in six runs each, the pure-Go
// build's 107–137 (118). Below it libjpeg-turbo is 7–9 % faster (the 8
// and 14 MP photos) and decodes whole.
const pureGoStrips = 16 << 20

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
