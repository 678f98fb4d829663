package avif

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"

	"github.com/blobimage/blobimage/codecs"
)

// Encoder defaults.
const (
	// DefaultQuality is the quality of an encode whose
	// EncodeOptions.Quality is 0: imgproxy's default for AVIF.
	DefaultQuality = 63
	// DefaultSpeed is libaom's speed when EncodeOptions.Speed is 0. Not
	// imgproxy's 8: in the WebAssembly build speed 9 encodes a 1 MP photo
	// in 1.8–2.7 s where 8 takes 3.3–8.9 s, for files 0–5% larger at the
	// same PSNR (speed 10 is 9: libavif caps libaom's cpu-used at 9).
	DefaultSpeed = 9
	// alphaQuality codes alpha losslessly, as avifenc does by default.
	alphaQuality = 100
)

// params are libavif's settings for an encode.
type params struct {
	quality int // 1–100
	speed   int // 1–10
}

// settings maps codecs.EncodeOptions to libavif's settings: Quality and
// Speed are clamped to 1–100 and 1–10, 0 means the default.
func settings(o codecs.EncodeOptions) params {
	p := params{quality: DefaultQuality, speed: DefaultSpeed}
	if o.Quality != 0 {
		p.quality = min(max(o.Quality, 1), 100)
	}
	if o.Speed != 0 {
		p.speed = min(max(o.Speed, 1), 10)
	}
	return p
}

// Encode writes img as an AVIF (see EncodeContext).
func Encode(w io.Writer, img image.Image, o codecs.EncodeOptions) error {
	return EncodeContext(context.Background(), w, img, o)
}

// EncodeContext writes img to w as a still AVIF by the engine Engine
// reports, at o.Quality and o.Speed (0 for DefaultQuality and
// DefaultSpeed). The image is handed to libavif as premultiplied RGBA,
// converted row by row from any image.Image (YCbCr by Go's JFIF
// conversion). An encode that needs more memory than the Wasm engine
// grants it (WasmMemory) fails with an error matching codecs.ErrTooLarge.
// When ctx is done the encode stops and its error matches ctx.Err().
func EncodeContext(ctx context.Context, w io.Writer, img image.Image, o codecs.EncodeOptions) error {
	b := img.Bounds()
	if b.Empty() {
		return errors.New("avif: encode: empty image")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("avif: encode: %w", err)
	}
	p := settings(o)
	var out []byte
	var err error
	if encode := systemEncoder(); encode != nil {
		out, err = encode(ctx, img, p)
	} else {
		out, _, err = encodeWasm(ctx, img, p, WasmMemory(b.Dx(), b.Dy(), p.speed))
	}
	if err != nil {
		return err
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("avif: encode: write: %w", err)
	}
	return nil
}
