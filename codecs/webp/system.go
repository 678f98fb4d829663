package webp

import (
	"bytes"
	"context"
	"fmt"
	"image"

	gwebp "github.com/gen2brain/webp"

	"github.com/blobimage/blobimage/codecs/internal/engine"
	"github.com/blobimage/blobimage/codecs/internal/rgba"
)

// encodeSystem encodes img with the system's libwebp. The C code cannot be
// stopped: when ctx ends first, encodeSystem returns ctx's error while the
// encode finishes on its own, its output dropped, counted as abandoned,
// which keeps the automatic choice on wasm (whose memory is bounded) until
// it has ended (engine.Run).
func encodeSystem(ctx context.Context, img image.Image, p params) ([]byte, error) {
	var src image.Image
	if planes, ok := lossyPlanes(img, p); ok {
		src = planes // gen2brain/webp hands a 4:2:0 NYCbCrA's planes over as they are
	} else {
		src = straight(img)
	}
	out, err, stop := engine.Run(ctx, system, func() ([]byte, error) {
		var buf bytes.Buffer
		err := gwebp.Encode(&buf, src, gwebp.Options{Quality: p.quality, Method: p.method, Lossless: p.lossless})
		return buf.Bytes(), err
	})
	if stop != nil {
		return nil, fmt.Errorf("webp: encode: %w", stop)
	}
	if err != nil {
		return nil, fmt.Errorf("webp: encode (system libwebp): %w", err)
	}
	return out, nil
}

// straight returns img as straight-alpha RGBA that gen2brain/webp hands
// to WebPPictureImportRGBA as it is: img itself when it is an
// *image.NRGBA, or an *image.RGBA that is opaque (premultiplied and
// straight alpha are then the same), else an *image.NRGBA converted from
// it. (Any other type gen2brain converts itself, but it passes a
// translucent *image.RGBA's premultiplied pixels as if they were
// straight, and YCbCr planes as if they were VP8's limited range.)
func straight(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.NRGBA:
		return m
	case *image.RGBA:
		if m.Opaque() {
			return m
		}
	}
	b := img.Bounds()
	m := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	read := rgba.Rows(img, rgba.Straight)
	for y := range b.Dy() {
		read(m.Pix[y*m.Stride:], b.Min.Y+y)
	}
	return m
}
