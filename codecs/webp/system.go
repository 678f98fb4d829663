package webp

import (
	"bytes"
	"context"
	"fmt"
	"image"

	gwebp "github.com/gen2brain/webp"

	"github.com/blobimage/blobimage/codecs/internal/rgba"
)

// encodeSystem encodes img with the system's libwebp. The C code cannot be
// stopped: the call runs in its own goroutine, and when ctx ends first,
// encodeSystem returns ctx's error while the goroutine finishes on its
// own, its output dropped, counted in abandoned, which keeps the automatic
// choice on wasm (whose memory is bounded) until it has ended.
func encodeSystem(ctx context.Context, img image.Image, p params) ([]byte, error) {
	src := straight(img)
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
		r.err = gwebp.Encode(&buf, src, gwebp.Options{Quality: p.quality, Method: p.method, Lossless: p.lossless})
		r.out = buf.Bytes()
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("webp: encode (system libwebp): %w", r.err)
		}
		return r.out, nil
	case <-ctx.Done():
		abandoned.Add(1)
		go func() {
			<-done
			abandoned.Add(-1)
		}()
		return nil, fmt.Errorf("webp: encode: %w", ctx.Err())
	}
}

// straight returns img as an *image.NRGBA, the straight-alpha RGBA that
// gen2brain/webp hands to WebPPictureImportRGBA as it is (any other type
// it converts itself, but it passes *image.RGBA's premultiplied pixels as
// if they were straight, and YCbCr planes as if they were VP8's limited
// range).
func straight(img image.Image) *image.NRGBA {
	if m, ok := img.(*image.NRGBA); ok {
		return m
	}
	b := img.Bounds()
	m := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	read := rgba.Rows(img, rgba.Straight)
	for y := range b.Dy() {
		read(m.Pix[y*m.Stride:], b.Min.Y+y)
	}
	return m
}
