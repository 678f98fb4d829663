package webp

import (
	"bufio"
	"bytes"
	"image"
	"image/color"
	"io"
	"sync/atomic"

	xwebp "golang.org/x/image/webp"

	"github.com/blobimage/blobimage/codecs/internal/engine"
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

// Decode decodes a WebP. A lossy (VP8) image comes back as an
// *image.YCbCr, or an *image.NYCbCrA with alpha, whose samples have been
// brought from VP8's limited range to the full range Go's colour
// conversions assume (levels.go); a lossless (VP8L) image is an
// *image.NRGBA. An animated WebP gives its first frame on its canvas, an
// *image.NRGBA transparent outside the frame, as libwebp's
// WebPAnimDecoder makes it (animdecode.go); later frames are not read.
//
// A lossy still without alpha, the WebP of photographs, is decoded by the
// system's libwebp when it loads (unix; see DecodeEngine), straight into
// the planes of the image.YCbCr: about three times as fast as
// golang.org/x/image/webp, which decodes everything else, and every file
// libwebp does not decode, so that nothing x/image accepts is refused. On
// the files encoders make the two give the same samples to the bit; on
// some unusual streams (found by fuzzing) x/image is a few levels off
// libwebp, the reference decoder.
func Decode(r io.Reader) (image.Image, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(21); animated(head) {
		return decodeFirst(br)
	}
	if head, _ := br.Peek(21); lossyOpaque(head) && DecodeEngine() == EngineSystem {
		data, err := io.ReadAll(br)
		if err != nil {
			return nil, err
		}
		if cfg, err := xwebp.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.ColorModel == color.YCbCrModel {
			if m, ok := decodeLossySystem(data, cfg.Width, cfg.Height); ok {
				fullRange(m)
				return m, nil
			}
		}
		br = bufio.NewReader(bytes.NewReader(data))
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

// lossyOpaque reports whether head, of a still WebP, may be a lossy
// picture without alpha: a simple lossy file (a VP8 chunk first), or an
// extended one whose VP8X chunk does not set the alpha flag. Decode reads
// only those whole for libwebp.
func lossyOpaque(head []byte) bool {
	const alphaBit = 1 << 4
	switch {
	case len(head) < 21:
		return false
	case string(head[12:16]) == "VP8 ":
		return true
	case string(head[12:16]) == "VP8X":
		return head[20]&alphaBit == 0
	}
	return false
}

// DecodeEngine reports what decodes a lossy still WebP without alpha under
// the current setting of EngineEnv: EngineSystem, the system's libwebp,
// when it loads (version 1.0 or later) and EngineEnv does not say "wasm";
// else "go", golang.org/x/image/webp, which decodes every other WebP in
// any case. ("wasm" keeps decoding in Go: libwebp's WebAssembly build
// would be slower than it.)
func DecodeEngine() string {
	if decoder.Choose() == engine.System {
		return EngineSystem
	}
	return "go"
}

// decoder is the system's libwebp as a decoder, checked once by
// probeDecoder. (Its calls are never abandoned, so Choose's automatic
// choice is the system library wherever it works.)
var decoder = engine.New(probeDecoder)

// systemDecodes counts the decodes libwebp made, for tests.
var systemDecodes atomic.Int64
