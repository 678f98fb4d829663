package avif

import (
	"bytes"
	"context"
	"fmt"
	"image"

	gavif "github.com/gen2brain/avif"

	"github.com/blobimage/blobimage/codecs/internal/engine"
	"github.com/blobimage/blobimage/codecs/internal/rgba"
)

// encodeSystem encodes img with the system's libavif. The C code cannot be
// stopped: when ctx ends first, encodeSystem returns ctx's error while the
// encode finishes on its own, its output dropped, counted as abandoned,
// which keeps the automatic choice on wasm (whose memory is bounded) until
// it has ended (engine.Run).
func encodeSystem(ctx context.Context, img image.Image, p params) ([]byte, error) {
	src := premultiplied(img)
	out, err, stop := engine.Run(ctx, system, func() ([]byte, error) {
		var buf bytes.Buffer
		err := gavif.Encode(&buf, src, gavif.Options{Quality: p.quality, QualityAlpha: alphaQuality,
			Speed: p.speed, ChromaSubsampling: image.YCbCrSubsampleRatio420})
		return buf.Bytes(), err
	})
	if stop != nil {
		return nil, fmt.Errorf("avif: encode: %w", stop)
	}
	if err != nil {
		return nil, fmt.Errorf("avif: encode (system libavif): %w", err)
	}
	return out, nil
}

// premultiplied returns img as an *image.RGBA at the origin with rows of
// 4×width bytes, the layout gen2brain/avif copies into libavif as it is.
func premultiplied(img image.Image) *image.RGBA {
	b := img.Bounds()
	if m, ok := img.(*image.RGBA); ok && b.Min == (image.Point{}) && m.Stride == 4*b.Dx() {
		return m
	}
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	read := rgba.Rows(img, rgba.Premultiplied)
	for y := range b.Dy() {
		read(m.Pix[y*m.Stride:], b.Min.Y+y)
	}
	return m
}
