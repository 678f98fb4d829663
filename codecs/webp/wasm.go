package webp

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

// webpWasm is libwebp 1.4.0 built for WebAssembly, as gen2brain/webp
// embeds it (gzipped). Its C entry point, in the module's lib/webp.c, is
//
//	uint8_t *encode(uint8_t *rgba, int w, int h, size_t *size,
//	                int colorspace, int quality, int method, int lossless, int exact)
//
// which imports straight-alpha RGBA rows of 4×w bytes (colorspace 0) with
// WebPPictureImportRGBA and returns the file (its size at *size), or null.
//
//go:linkname webpWasm github.com/gen2brain/webp.webpWasm
var webpWasm []byte

var module = wasm.NewRunToEnd("libwebp", webpWasm)

// WasmMemory returns the linear memory the Wasm engine grants an encode of
// a w×h image, lossless or lossy, with or without alpha: the peak measured
// on noise (the worst case) per pixel, with headroom, plus a fixed part.
// Lossy opaque images peaked at 24 B/px from 1 to 12 MP at method 4, and
// at 35 B/px for 1 MP at method 6 and quality 100. Lossless ones, and lossy
// ones with alpha (whose alpha plane libwebp codes losslessly), peaked at
// 40 B/px at method 4 from 1 to 12 MP, and at method 6 and quality 100 at
// 58 B/px beyond 16 MiB for 1 MP and 33 MiB for as little as 200×150.
func WasmMemory(w, h int, lossless, alpha bool) int64 {
	px := int64(w) * int64(h)
	n := px*40 + 8<<20
	if lossless || alpha {
		n = px*72 + 40<<20
	}
	return min(n, maxMemory)
}

// maxMemory is the most linear memory a WebAssembly instance addresses.
const maxMemory = 4<<30 - 64<<10

// encodeWasm encodes img with libwebp's WebAssembly build under limit
// bytes of linear memory, and returns the file and the peak of linear
// memory.
func encodeWasm(ctx context.Context, img image.Image, p params, limit int64) (out []byte, peak int64, err error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	planes, yuv := lossyPlanes(img, p)
	err = module.Run(ctx, limit, func(in *wasm.Instance) error {
		var (
			pix        uint32
			colorspace uint64
			err        error
		)
		if yuv {
			pix, err = writePlanes(in, planes)
			colorspace = webpYUV420A
		} else {
			pix, err = writeRGBA(in, img)
		}
		if err != nil {
			return err
		}
		sizep, err := in.Malloc(4)
		if err != nil {
			return err
		}
		res, err := in.Call("encode", uint64(pix), uint64(w), uint64(h), uint64(sizep),
			colorspace, uint64(p.quality), uint64(p.method), boolArg(p.lossless), 0)
		peak = in.Peak()
		if err != nil {
			return err
		}
		if res == 0 {
			if in.LimitReached() {
				return fmt.Errorf("%w: libwebp ran out of its %d bytes", wasm.ErrMemoryLimit, limit)
			}
			return errors.New("libwebp failed to encode")
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
			return nil, peak, fmt.Errorf("webp: encode %d×%d: %w: %w", w, h, codecs.ErrTooLarge, err)
		}
		return nil, peak, fmt.Errorf("webp: encode %d×%d: %w", w, h, err)
	}
	return out, peak, nil
}

// webpYUV420A is libwebp's WEBP_YUV420A, the colorspace argument of the
// module's encode that makes it read planes instead of RGBA.
const webpYUV420A = 4

// writeRGBA copies img into the instance as the straight-alpha RGBA rows
// the module's encode reads (colorspace 0), and returns their address.
func writeRGBA(in *wasm.Instance, img image.Image) (uint32, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	pix, err := in.Malloc(4 * w * h)
	if err != nil {
		return 0, err
	}
	row := make([]byte, 4*w)
	read := rgba.Rows(img, rgba.Straight)
	for y := range h {
		read(row, b.Min.Y+y)
		if err := in.Write(pix+uint32(4*w*y), row); err != nil {
			return 0, err
		}
	}
	return pix, nil
}

// writePlanes copies m, 4:2:0 at the origin with packed planes (as
// vp8Planes makes it), into the instance as the module's encode reads
// colorspace webpYUV420A: Y, Cb, Cr and A one after the other, and
// returns their address.
func writePlanes(in *wasm.Instance, m *image.NYCbCrA) (uint32, error) {
	pix, err := in.Malloc(len(m.Y) + len(m.Cb) + len(m.Cr) + len(m.A))
	if err != nil {
		return 0, err
	}
	at := pix
	for _, p := range [][]byte{m.Y, m.Cb, m.Cr, m.A} {
		if err := in.Write(at, p); err != nil {
			return 0, err
		}
		at += uint32(len(p))
	}
	return pix, nil
}

func boolArg(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
