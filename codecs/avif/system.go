package avif

import (
	"bytes"
	"context"
	"fmt"
	"image"

	gavif "github.com/gen2brain/avif"

	"github.com/blobimage/blobimage/codecs/internal/rgba"
)

// encodeSystem encodes img with the system's libavif. The C code cannot be
// stopped: the call runs in its own goroutine, and when ctx ends first,
// encodeSystem returns ctx's error while the goroutine finishes on its
// own, its output dropped, counted in abandoned, which keeps the automatic
// choice on wasm (whose memory is bounded) until it has ended.
func encodeSystem(ctx context.Context, img image.Image, p params) ([]byte, error) {
	src := premultiplied(img)
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if v := recover(); v != nil {
				r = result{err: fmt.Errorf("panic: %v", v)}
			}
			done <- r
		}()
		var buf bytes.Buffer
		r.err = gavif.Encode(&buf, src, gavif.Options{Quality: p.quality, QualityAlpha: alphaQuality,
			Speed: p.speed, ChromaSubsampling: image.YCbCrSubsampleRatio420})
		r.out = buf.Bytes()
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("avif: encode (system libavif): %w", r.err)
		}
		return r.out, nil
	case <-ctx.Done():
		abandoned.Add(1)
		go func() {
			<-done
			abandoned.Add(-1)
		}()
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
