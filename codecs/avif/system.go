package avif

import (
	"bytes"
	"context"
	"fmt"
	"image"

	gavif "github.com/gen2brain/avif"

	"github.com/blobimage/blobimage/codecs/internal/rgba"
)

// encodeSystem encodes img with the system's libavif. The library cannot
// be interrupted: when ctx is done first, encodeSystem returns and the
// encode finishes in the background, its output dropped.
func encodeSystem(ctx context.Context, img image.Image, p params) ([]byte, error) {
	src := premultiplied(img)
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		var buf bytes.Buffer
		err := gavif.Encode(&buf, src, gavif.Options{Quality: p.quality, QualityAlpha: alphaQuality,
			Speed: p.speed, ChromaSubsampling: image.YCbCrSubsampleRatio420})
		done <- result{buf.Bytes(), err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("avif: encode (system libavif): %w", r.err)
		}
		return r.out, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("avif: encode: %w", ctx.Err())
	}
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
