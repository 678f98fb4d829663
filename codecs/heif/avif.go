package heif

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "unsafe" // go:linkname

	_ "github.com/gen2brain/avif" // the embedded decodeWasm

	"github.com/blobimage/blobimage/codecs/internal/wasm"
)

// decodeWasm is libavif 1.1 with libaom's AV1 decoder built for
// WebAssembly, as github.com/gen2brain/avif embeds it. Its entry point
// (lib/decode.c):
//
//	int decode(uint8_t *in, int in_size, int config_only, int decode_all,
//	    uint32_t *width, uint32_t *height, uint32_t *depth, uint32_t *count,
//	    uint8_t *delay, uint8_t *out)
//
// decodes the primary image (the first frame of a sequence) and converts
// it to RGBA with libavif's own colour conversion (nclx matrix and range
// applied, alpha premultiplied), 8 bits per sample, or 16 (native byte
// order) for deeper images, rows packed. It applies none of the
// container's transforms (irot, imir, clap).
//
//go:linkname avifWasm github.com/gen2brain/avif.decodeWasm
var avifWasm []byte

var libavif = wasm.NewModule("libavif", avifWasm)

// decodeAVIF decodes the primary AV1 image of f (checked as m) with
// libavif in WebAssembly, within limit bytes, applies its transforms and
// returns it as *image.RGBA (alpha premultiplied, opaque when the file
// has no alpha).
func decodeAVIF(ctx context.Context, f *File, m *Image, limit int64) (image.Image, int64, error) {
	var img *image.RGBA
	var peak int64
	err := libavif.Run(ctx, limit, func(in *wasm.Instance) error {
		inp, err := in.Malloc(len(f.data))
		if err != nil {
			return err
		}
		if err := in.Write(inp, f.data); err != nil {
			return err
		}
		hdr, err := in.Malloc(16 + 8)
		if err != nil {
			return err
		}
		args := func(config uint64, out uint32) []uint64 {
			return []uint64{uint64(inp), uint64(len(f.data)), config, 0,
				uint64(hdr), uint64(hdr + 4), uint64(hdr + 8), uint64(hdr + 12), uint64(hdr + 16), uint64(out)}
		}
		ok, err := in.Call("decode", args(1, 0)...)
		if err != nil {
			return err
		}
		if ok == 0 {
			return errCorrupt("libavif refused the file")
		}
		var v [3]uint32
		for i := range v {
			if v[i], err = in.Uint32(hdr + uint32(4*i)); err != nil {
				return err
			}
		}
		w, h, depth := int(v[0]), int(v[1]), int(v[2])
		if w != int(m.Declared.Width) || h != int(m.Declared.Height) {
			return errCorrupt("libavif reports %d×%d, the container %d×%d", w, h, m.Declared.Width, m.Declared.Height)
		}
		bps := 1
		if depth > 8 {
			bps = 2
		}
		size := 4 * bps * w * h
		out, err := in.Malloc(size + canary)
		if err != nil {
			return err
		}
		guard := bytes.Repeat([]byte{0xA5}, canary)
		if err := in.Write(out+uint32(size), guard); err != nil {
			return err
		}
		ok, err = in.Call("decode", args(0, out)...)
		if err != nil {
			return err
		}
		if ok == 0 {
			if in.LimitReached() {
				return fmt.Errorf("%w: libavif ran out of its %d bytes", wasm.ErrMemoryLimit, limit)
			}
			return errCorrupt("libavif could not decode the image")
		}
		if err := in.View(out+uint32(size), canary, func(b []byte) error {
			if !bytes.Equal(b, guard) {
				return errCorrupt("libavif wrote past its output")
			}
			return nil
		}); err != nil {
			return err
		}
		img = image.NewRGBA(image.Rect(0, 0, w, h))
		err = in.View(out, uint32(size), func(b []byte) error {
			if bps == 1 {
				copy(img.Pix, b)
				return nil
			}
			for i := range img.Pix {
				v := uint32(b[2*i]) | uint32(b[2*i+1])<<8
				img.Pix[i] = uint8((v*255 + 32767) / 65535)
			}
			return nil
		})
		peak = in.Peak()
		return err
	})
	if err != nil {
		return nil, 0, wasmError(err)
	}
	return transform(img, m.Transforms), peak, nil
}
