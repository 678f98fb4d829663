package webp

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"

	"github.com/blobimage/blobimage/codecs"
)

// Encoder defaults, those of libwebp itself, cwebp and libvips (imgproxy
// differs only in quality, 79).
const (
	// DefaultQuality is the quality of an encode whose
	// EncodeOptions.Quality is 0.
	DefaultQuality = 75
	// DefaultMethod is libwebp's method, its effort from 0 (fastest) to 6
	// (slowest, smallest), when EncodeOptions.Speed is 0.
	DefaultMethod = 4
)

// MaxSide is the longest side a WebP can have.
const MaxSide = 16383

// params are libwebp's settings for an encode.
type params struct {
	quality  int // 1–100
	method   int // 0–6
	lossless bool
}

// settings maps codecs.EncodeOptions to libwebp's settings: Quality 1–100
// is libwebp's quality (for lossless, its effort), 0 DefaultQuality;
// Speed 1 (slowest) to 10 (fastest) maps linearly onto methods 6 to 0
// (Speed 4 is method 4), 0 DefaultMethod.
func settings(o codecs.EncodeOptions) params {
	p := params{quality: DefaultQuality, method: DefaultMethod, lossless: o.Lossless}
	if o.Quality != 0 {
		p.quality = min(max(o.Quality, 1), 100)
	}
	if o.Speed != 0 {
		s := min(max(o.Speed, 1), 10)
		p.method = (6*(10-s) + 4) / 9
	}
	return p
}

// Encode writes img as a WebP (see EncodeContext).
func Encode(w io.Writer, img image.Image, o codecs.EncodeOptions) error {
	return EncodeContext(context.Background(), w, img, o)
}

// EncodeContext writes img to w as a still WebP with libwebp, by the engine
// Engine reports: lossy at o.Quality (DefaultQuality for 0), or
// lossless when o.Lossless is set, at the method o.Speed maps to (see
// settings). Alpha is kept: a lossy WebP stores it losslessly in its ALPH
// chunk, as cwebp does; an opaque image gets none. Colour under fully
// transparent pixels is not kept (libwebp's exact mode is off), since
// premultiplied sources have none to keep.
//
// A lossy encode of an *image.YCbCr (4:2:0, or 4:4:4, 4:2:2 or 4:4:0
// averaged down to it) or an *image.Gray hands libwebp its planes,
// brought to VP8's limited range, which saves a conversion to RGB and
// back. Any other image, and every lossless encode, is handed over as
// straight-alpha RGBA, converted row by row (YCbCr by Go's JFIF
// conversion). A side longer than MaxSide is refused with an error matching codecs.ErrTooLarge, as is
// an encode that needs more memory than the Wasm engine grants it
// (WasmMemory). When ctx is done the encode stops and its error matches
// ctx.Err().
func EncodeContext(ctx context.Context, w io.Writer, img image.Image, o codecs.EncodeOptions) error {
	b := img.Bounds()
	if b.Empty() {
		return errors.New("webp: encode: empty image")
	}
	if b.Dx() > MaxSide || b.Dy() > MaxSide {
		return fmt.Errorf("webp: encode %d×%d: %w: WebP allows at most %d pixels a side", b.Dx(), b.Dy(), codecs.ErrTooLarge, MaxSide)
	}
	out, err := encodeStill(ctx, img, o)
	if err != nil {
		return err
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("webp: encode: write: %w", err)
	}
	return nil
}

// encodeStill encodes img, non-empty and within MaxSide, as a still WebP
// by the engine Engine reports, and returns the file.
func encodeStill(ctx context.Context, img image.Image, o codecs.EncodeOptions) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("webp: encode: %w", err)
	}
	p := settings(o)
	if Engine() == EngineSystem {
		return encodeSystem(ctx, img, p)
	}
	b := img.Bounds()
	out, _, err := encodeWasm(ctx, img, p, WasmMemory(b.Dx(), b.Dy(), o.Lossless, !codecs.Opaque(img)))
	return out, err
}
