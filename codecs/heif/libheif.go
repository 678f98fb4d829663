package heif

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "unsafe" // go:linkname

	_ "github.com/gen2brain/heic" // the embedded heifWasm

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/internal/wasm"
)

// heifWasm is libheif 1.18 with libde265 1.0.15 built for WebAssembly, as
// github.com/gen2brain/heic embeds it. Its one entry point (lib/heif.c):
//
//	int decode(uint8_t *in, int in_size, int config_only, uint32_t *width,
//	    uint32_t *height, uint32_t *colorspace, uint32_t *chroma,
//	    uint32_t *is_premultiplied, uint8_t *out)
//
// decodes the primary image to its preferred colorspace and chroma
// (libheif's choice) and copies the planes, with libheif's row strides,
// one after the other into out. The Y'CbCr samples are as coded: neither
// the nclx matrix nor the range is applied; only the colour planes are
// copied (an alpha plane is not). 4:2:0 and 4:2:2 come back at 8 bits
// (libheif converts through 4:4:4), 4:4:4 and monochrome at their coded
// depth, in 16-bit words beyond 8 bits.
//
//go:linkname heifWasm github.com/gen2brain/heic.heifWasm
var heifWasm []byte

var libheif = wasm.NewModule("libheif", heifWasm)

// libheif's enums.
const (
	heifYCbCr = 0
	heifRGB   = 1
	heifMono  = 2

	chromaMono = 0
	chroma420  = 1
	chroma422  = 2
	chroma444  = 3
	chromaRGBA = 11
)

// canary is how many bytes past the output buffer are checked after a
// decode: a library that wrote more than this package computed is caught.
const canary = 4096

// heifStride is libheif 1.18's row stride for a plane w samples wide with
// n bytes per sample (HeifPixelImage::ImagePlane::alloc: width rounded up
// to even and to at least 64, rows aligned to 16 bytes).
func heifStride(w, n int) int {
	mw := (w + 1) &^ 1
	mw = max(mw, 64)
	return (mw*n + 15) &^ 15
}

// decodeItem decodes a file holding one HEVC image (made by standalone)
// in the instance (whose memory is limited to limit bytes), and returns its planes as coded, at 8 bits:
// *image.YCbCr or *image.Gray of size want. depth is the coded bit depth
// and full its range, which deeper samples are brought to 8 bits in.
func decodeItem(in *wasm.Instance, limit int64, file []byte, want image.Point, codedChroma, depth int, full bool) (image.Image, error) {
	inp, err := in.Malloc(len(file))
	if err != nil {
		return nil, err
	}
	defer in.Call("free", uint64(inp))
	if err := in.Write(inp, file); err != nil {
		return nil, err
	}
	hdr, err := in.Malloc(20)
	if err != nil {
		return nil, err
	}
	defer in.Call("free", uint64(hdr))
	args := func(config uint64, out uint32) []uint64 {
		return []uint64{uint64(inp), uint64(len(file)), config,
			uint64(hdr), uint64(hdr + 4), uint64(hdr + 8), uint64(hdr + 12), uint64(hdr + 16), uint64(out)}
	}
	ok, err := in.Call("decode", args(1, 0)...)
	if err != nil {
		return nil, err
	}
	if ok == 0 {
		return nil, errCorrupt("libheif refused the image")
	}
	var v [5]uint32
	for i := range v {
		if v[i], err = in.Uint32(hdr + uint32(4*i)); err != nil {
			return nil, err
		}
	}
	w, h, cs, chroma := int(v[0]), int(v[1]), int(v[2]), int(v[3])
	if w != want.X || h != want.Y {
		return nil, errCorrupt("libheif reports %d×%d, the container %d×%d", w, h, want.X, want.Y)
	}
	lay, err := heifLayout(w, h, cs, chroma, codedChroma, depth)
	if err != nil {
		return nil, err
	}
	out, err := in.Malloc(lay.size + canary)
	if err != nil {
		return nil, err
	}
	defer in.Call("free", uint64(out))
	guard := bytes.Repeat([]byte{0xA5}, canary)
	if err := in.Write(out+uint32(lay.size), guard); err != nil {
		return nil, err
	}
	ok, err = in.Call("decode", args(0, out)...)
	if err != nil {
		return nil, err
	}
	if ok == 0 {
		if in.LimitReached() {
			return nil, fmt.Errorf("%w: libheif ran out of memory", wasm.ErrMemoryLimit)
		}
		return nil, errCorrupt("libheif could not decode the image")
	}
	if err := in.View(out+uint32(lay.size), canary, func(b []byte) error {
		if !bytes.Equal(b, guard) {
			return errCorrupt("libheif wrote past its output (decoded size differs from the container's)")
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var img image.Image
	err = in.View(out, uint32(lay.size), func(b []byte) error {
		img = lay.image(b, w, h, depth, full)
		return nil
	})
	return img, err
}

// wasmError classifies an error of the WebAssembly host: the memory limit
// is ErrTooLarge, a trap ErrCorrupt.
func wasmError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wasm.ErrMemoryLimit):
		return fmt.Errorf("%w: %w", codecs.ErrTooLarge, err)
	case errors.Is(err, wasm.ErrTrap):
		return fmt.Errorf("%w: %w", codecs.ErrCorrupt, err)
	}
	return err
}

// heifOut is the layout of libheif's output buffer.
type heifOut struct {
	cs, chroma int
	bps        int // bytes per sample
	ys, cs2    int // row strides of luma (or RGBA, or grey) and chroma
	cw, ch     int // chroma plane size
	size       int
}

func heifLayout(w, h, cs, chroma, codedChroma, depth int) (heifOut, error) {
	l := heifOut{cs: cs, chroma: chroma, bps: 1}
	switch cs {
	case heifYCbCr:
		switch chroma {
		case chroma420:
			l.cw, l.ch = (w+1)/2, (h+1)/2
		case chroma422:
			l.cw, l.ch = (w+1)/2, h
		case chroma444:
			l.cw, l.ch = w, h
		case chromaMono:
		default:
			return l, errUnsupported("libheif chroma %d", chroma)
		}
		// Only a picture that needed no conversion keeps its depth.
		if depth > 8 && chroma == codedChroma && chroma != chroma420 && chroma != chroma422 {
			l.bps = 2
		}
		l.ys = heifStride(w, l.bps)
		l.size = l.ys * h
		if l.cw > 0 {
			l.cs2 = heifStride(l.cw, l.bps)
			l.size += 2 * l.cs2 * l.ch
		}
	case heifMono:
		if depth > 8 {
			l.bps = 2
		}
		l.ys = heifStride(w, l.bps)
		l.size = l.ys * h
	case heifRGB:
		if chroma != chromaRGBA {
			return l, errUnsupported("libheif RGB chroma %d", chroma)
		}
		l.ys = heifStride(w, 4)
		l.size = l.ys * h
	default:
		return l, errUnsupported("libheif colorspace %d", cs)
	}
	return l, nil
}

// image copies the output planes out of b into a Go image with tight
// rows, bringing deeper samples to 8 bits.
func (l heifOut) image(b []byte, w, h, depth int, full bool) image.Image {
	var t []uint8
	if l.bps == 2 {
		t = to8(depth, full)
	}
	row := func(dst, src []byte) {
		if l.bps == 1 {
			copy(dst, src)
			return
		}
		mask := len(t) - 1
		for i := range dst {
			dst[i] = t[(int(src[2*i])|int(src[2*i+1])<<8)&mask]
		}
	}
	rect := image.Rect(0, 0, w, h)
	switch {
	case l.cs == heifRGB:
		pix := make([]byte, 4*w*h)
		for y := range h {
			copy(pix[4*w*y:4*w*(y+1)], b[y*l.ys:])
		}
		return &image.NRGBA{Pix: pix, Stride: 4 * w, Rect: rect}
	case l.cs == heifMono || l.chroma == chromaMono:
		g := image.NewGray(rect)
		for y := range h {
			row(g.Pix[y*w:(y+1)*w], b[y*l.ys:])
		}
		return g
	}
	ratio := map[int]image.YCbCrSubsampleRatio{chroma420: image.YCbCrSubsampleRatio420,
		chroma422: image.YCbCrSubsampleRatio422, chroma444: image.YCbCrSubsampleRatio444}[l.chroma]
	img := image.NewYCbCr(rect, ratio)
	for y := range h {
		row(img.Y[y*img.YStride:y*img.YStride+w], b[y*l.ys:])
	}
	cb := l.ys * h
	cr := cb + l.cs2*l.ch
	for y := range l.ch {
		row(img.Cb[y*img.CStride:y*img.CStride+l.cw], b[cb+y*l.cs2:])
		row(img.Cr[y*img.CStride:y*img.CStride+l.cw], b[cr+y*l.cs2:])
	}
	return img
}
