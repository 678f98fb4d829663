//go:build cgo && turbojpeg

package turbojpeg

// #include <turbojpeg.h>
import "C"

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
)

// maxSide is libjpeg's largest image side (JPEG_MAX_DIMENSION).
const maxSide = 65500

// Encode writes m to w as a baseline JPEG at quality (1 to 100; values out
// of range are clamped, as image/jpeg does), with libjpeg-turbo's accurate
// integer DCT and standard Huffman tables.
//
//   - An *image.YCbCr is compressed from its own planes with
//     tjCompressFromYUVPlanes, keeping its chroma subsampling (4:4:4, 4:2:2,
//     4:2:0, 4:4:0, 4:1:1). The planes are used in place; only a plane too
//     short for the padding TurboJPEG reads (the luma plane of an odd-sized
//     image.NewYCbCr image, for one) is copied with its edges repeated.
//     4:1:0, and sub-images not aligned to the chroma grid, go through RGBA.
//   - An *image.Gray is written as one-component grayscale with tjCompress2.
//   - An *image.RGBA, or an opaque *image.NRGBA, is compressed from its
//     pixels with tjCompress2 (TJPF_RGBX: alpha ignored) as 4:2:0.
//   - Any other image is first drawn into an *image.RGBA. Like image/jpeg
//     this composites translucent pixels over black.
//
// The compressed bytes are produced in C memory and written to w in one
// Write call, whose error is returned.
func Encode(w io.Writer, m image.Image, quality int) error {
	b := m.Bounds()
	if b.Empty() {
		return errors.New("turbojpeg: cannot encode an empty image")
	}
	if b.Dx() > maxSide || b.Dy() > maxSide || b.Dx() > MaxPixels/b.Dy() {
		return fmt.Errorf("%w: %d×%d", ErrTooLarge, b.Dx(), b.Dy())
	}
	quality = min(max(quality, 1), 100)
	h, err := newHandle(true)
	if err != nil {
		return err
	}
	defer h.destroy()
	write := func(p []byte) error {
		n, err := w.Write(p)
		if err == nil && n < len(p) {
			err = io.ErrShortWrite
		}
		return err
	}
	return encodeImage(h, m, quality, write)
}

func encodeImage(h *handle, m image.Image, quality int, write func([]byte) error) error {
	b := m.Bounds()
	w, ht := b.Dx(), b.Dy()
	switch m := m.(type) {
	case *image.YCbCr:
		if ss, ok := tjSubsamp(m.SubsampleRatio); ok {
			if y, cb, cr, ys, cs, ok := yuvPlanes(m, ss); ok {
				return h.compressPlanes(y, cb, cr, w, ys, cs, ht, ss, quality, write)
			}
			return h.compressRGBA(toRGBA(m), ss, quality, write)
		}
	case *image.Gray:
		if pix, ok := packed(m.Pix, m.PixOffset(b.Min.X, b.Min.Y), m.Stride, w, ht, 1); ok {
			return h.compress(pix, w, m.Stride, ht, C.TJPF_GRAY, C.TJSAMP_GRAY, quality, write)
		}
	case *image.RGBA:
		// Premultiplied: the colour channels as they are, i.e. over black.
		if pix, ok := packed(m.Pix, m.PixOffset(b.Min.X, b.Min.Y), m.Stride, w, ht, 4); ok {
			return h.compress(pix, w, m.Stride, ht, C.TJPF_RGBX, C.TJSAMP_420, quality, write)
		}
	case *image.NRGBA:
		if pix, ok := packed(m.Pix, m.PixOffset(b.Min.X, b.Min.Y), m.Stride, w, ht, 4); ok && m.Opaque() {
			return h.compress(pix, w, m.Stride, ht, C.TJPF_RGBX, C.TJSAMP_420, quality, write)
		}
	}
	return h.compressRGBA(toRGBA(m), C.TJSAMP_420, quality, write)
}

func (h *handle) compressRGBA(m *image.RGBA, ss C.int, quality int, write func([]byte) error) error {
	b := m.Bounds()
	return h.compress(m.Pix, b.Dx(), m.Stride, b.Dy(), C.TJPF_RGBX, ss, quality, write)
}

// toRGBA draws m into a new *image.RGBA.
func toRGBA(m image.Image) *image.RGBA {
	b := m.Bounds()
	c := image.NewRGBA(b)
	draw.Draw(c, b, m, b.Min, draw.Src)
	return c
}

// packed returns pix[off:] if it holds rows rows of width pixels of bpp
// bytes at stride: what TurboJPEG will read.
func packed(pix []byte, off, stride, width, rows, bpp int) ([]byte, bool) {
	if off < 0 || off >= len(pix) || stride < width*bpp {
		return nil, false
	}
	pix = pix[off:]
	return pix, len(pix) >= (rows-1)*stride+width*bpp
}

// yuvPlanes returns m's planes as TurboJPEG reads them for subsampling ss:
// plane i is tjPlaneWidth(i)×tjPlaneHeight(i) samples at its stride, so the
// luma plane of a 4:2:x image of odd size includes one padding column or
// row. Planes that hold that in place are returned as they are; others are
// copied with their last column and row repeated. ok is false if m's origin
// is not on the chroma grid (its chroma samples would then straddle
// TurboJPEG's).
func yuvPlanes(m *image.YCbCr, ss C.int) (y, cb, cr []byte, ystride, cstride int, ok bool) {
	b := m.Bounds()
	w, ht := b.Dx(), b.Dy()
	// Luma samples per chroma sample, across and down.
	hf, vf := 1, 1
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		hf = 2
	case image.YCbCrSubsampleRatio420:
		hf, vf = 2, 2
	case image.YCbCrSubsampleRatio440:
		vf = 2
	case image.YCbCrSubsampleRatio411:
		hf = 4
	}
	if b.Min.X%hf != 0 || b.Min.Y%vf != 0 {
		return nil, nil, nil, 0, 0, false
	}
	yo, co := m.YOffset(b.Min.X, b.Min.Y), m.COffset(b.Min.X, b.Min.Y)
	ypw, yph := planeWidth(0, w, ss), planeHeight(0, ht, ss)
	cpw, cph := planeWidth(1, w, ss), planeHeight(1, ht, ss)
	// The samples m actually has: all of the image's luma, and its chroma
	// rounded up, as image.YCbCr defines it.
	cw, ch := (w+hf-1)/hf, (ht+vf-1)/vf
	y, ystride = plane(m.Y, yo, m.YStride, w, ht, ypw, yph)
	cb, cstride = plane(m.Cb, co, m.CStride, cw, ch, cpw, cph)
	cr, cstride2 := plane(m.Cr, co, m.CStride, cw, ch, cpw, cph)
	if y == nil || cb == nil || cr == nil {
		return nil, nil, nil, 0, 0, false
	}
	if cstride != cstride2 {
		// One chroma plane copied, the other not: copy both so that
		// they share a stride.
		cb, cstride = pad(m.Cb[co:], m.CStride, cw, ch, cpw, cph), cpw
		cr = pad(m.Cr[co:], m.CStride, cw, ch, cpw, cph)
	}
	return y, cb, cr, ystride, cstride, true
}

// plane returns p[off:] with stride when it holds pw×ph samples, else a
// padded copy of its w×h samples (nil if it does not even hold those).
func plane(p []byte, off, stride, w, h, pw, ph int) ([]byte, int) {
	if off < 0 || off > len(p) || stride < w {
		return nil, 0
	}
	p = p[off:]
	if stride >= pw && len(p) >= (ph-1)*stride+pw {
		return p, stride
	}
	if len(p) < (h-1)*stride+w {
		return nil, 0
	}
	return pad(p, stride, w, h, pw, ph), pw
}

// pad copies the w×h samples of p (at stride) into a new pw×ph plane,
// repeating the last column and row.
func pad(p []byte, stride, w, h, pw, ph int) []byte {
	out := make([]byte, pw*ph)
	for r := range ph {
		src := p[min(r, h-1)*stride:][:w]
		dst := out[r*pw : (r+1)*pw]
		copy(dst, src)
		for i := w; i < pw; i++ {
			dst[i] = src[w-1]
		}
	}
	return out
}

// encodeYCCK writes m as a YCCK JPEG as Adobe applications do, storing
// 255 - each channel. Go cannot write CMYK JPEGs; the tests use this to
// make some.
func encodeYCCK(w io.Writer, m *image.CMYK, quality int) error {
	b := m.Bounds()
	inv := make([]byte, 4*b.Dx()*b.Dy())
	for y := range b.Dy() {
		row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:4*b.Dx()]
		for i, v := range row {
			inv[4*b.Dx()*y+i] = ^v
		}
	}
	h, err := newHandle(true)
	if err != nil {
		return err
	}
	defer h.destroy()
	return h.compress(inv, b.Dx(), 4*b.Dx(), b.Dy(), C.TJPF_CMYK, C.TJSAMP_444, quality, func(p []byte) error {
		_, err := w.Write(p)
		return err
	})
}

// encodeProgressive writes m as a progressive 4:2:0 JPEG. The pure-Go
// encoders write baseline only; the tests use this to make some.
func encodeProgressive(w io.Writer, m *image.RGBA, quality int) error {
	h, err := newHandle(true)
	if err != nil {
		return err
	}
	defer h.destroy()
	h.progressive = true
	return h.compressRGBA(m, C.TJSAMP_420, quality, func(p []byte) error {
		_, err := w.Write(p)
		return err
	})
}
