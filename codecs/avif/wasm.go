package avif

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "unsafe" // go:linkname

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/internal/rgba"
	"github.com/blobimage/blobimage/codecs/internal/wasm"
)

// avifWasm is libavif 1.1.1 with libaom 3.10.0 and libyuv built for
// WebAssembly, as gen2brain/avif embeds it (gzipped). Its C entry point,
// in the module's lib/encode.c, is
//
//	uint8_t *encode(uint8_t *rgba, int w, int h, size_t *size,
//	                int quality, int quality_alpha, int speed, int chroma)
//
// which takes premultiplied RGBA rows of 4×w bytes (and frees them),
// codes them as 8 bits of avifPixelFormat chroma (libavif 1.1.1's enum:
// 1 4:4:4, 2 4:2:2, 3 4:2:0, 4 4:0:0) with encoder->quality, ->qualityAlpha
// and ->speed, and returns the file (its size at *size), or null.
//
//go:linkname avifWasm github.com/gen2brain/avif.encodeWasm
var avifWasm []byte

var module = wasm.NewRunToEnd("libavif", avifWasm)

// pixelFormatYUV420 is libavif's AVIF_PIXEL_FORMAT_YUV420.
const pixelFormatYUV420 = 3

// WasmMemory returns the linear memory the Wasm engine grants an encode of
// a w×h image at speed: the peak measured per pixel, with headroom, plus a
// fixed part. The peaks: 31 B/px at speeds 6 to 10 for a 2.25 MP picture
// (33 B/px for 3 MP of noise with alpha, 47 B/px for 1 MP of noise at
// speed 6), 47 B/px at speed 4; small pictures need 4 to 16 MiB whatever
// their size.
func WasmMemory(w, h, speed int) int64 {
	perPixel := int64(48)
	if speed <= 5 {
		perPixel = 64
	}
	return min(int64(w)*int64(h)*perPixel+16<<20, maxMemory)
}

// maxMemory is the most linear memory a WebAssembly instance addresses.
const maxMemory = 4<<30 - 64<<10

// encodeWasm encodes img with the WebAssembly build under limit bytes of
// linear memory, and returns the file and the peak of linear memory.
func encodeWasm(ctx context.Context, img image.Image, p params, limit int64) (out []byte, peak int64, err error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	err = module.Run(ctx, limit, func(in *wasm.Instance) error {
		pix, err := in.Malloc(4 * w * h)
		if err != nil {
			return err
		}
		row := make([]byte, 4*w)
		read := rgba.Rows(img, rgba.Premultiplied)
		for y := range h {
			read(row, b.Min.Y+y)
			if err := in.Write(pix+uint32(4*w*y), row); err != nil {
				return err
			}
		}
		sizep, err := in.Malloc(4)
		if err != nil {
			return err
		}
		res, err := in.Call("encode", uint64(pix), uint64(w), uint64(h), uint64(sizep),
			uint64(p.quality), alphaQuality, uint64(p.speed), pixelFormatYUV420)
		peak = in.Peak()
		if err != nil {
			return err
		}
		if res == 0 {
			if in.LimitReached() {
				return fmt.Errorf("%w: libavif ran out of its %d bytes", wasm.ErrMemoryLimit, limit)
			}
			return errors.New("libavif failed to encode")
		}
		n, err := in.Uint32(sizep)
		if err != nil {
			return err
		}
		out, err = in.Bytes(uint32(res), n)
		return err
	})
	if err != nil {
		if errors.Is(err, wasm.ErrMemoryLimit) {
			return nil, peak, fmt.Errorf("avif: encode %d×%d: %w: %w", w, h, codecs.ErrTooLarge, err)
		}
		return nil, peak, fmt.Errorf("avif: encode %d×%d: %w", w, h, err)
	}
	return out, peak, nil
}
