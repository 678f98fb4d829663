package webp

import (
	"image"

	"github.com/blobimage/blobimage/internal/boxavg"
)

// vp8Planes returns img as the planes a lossy WebP codes, when img holds
// them already up to a change of range: limited-range BT.601 Y'CbCr 4:2:0
// (see levels.go), with an opaque alpha plane. It takes an *image.YCbCr
// whose chroma is 4:2:0 or can be made so (boxavg.To420: 4:4:4, 4:2:2,
// 4:4:0 at the origin), its bounds at even coordinates, and an
// *image.Gray (chroma 128). Any other image reports false and is handed
// to libwebp as RGBA.
//
// This is the picture libwebp would code from the same image given as
// RGB, less two conversions: Go's Y'CbCr to RGB, and libwebp's RGB back
// to Y'CbCr with its own chroma averaging. The luma is the source's
// exactly (as far as the range allows); the chroma is the source's
// 4:2:0 chroma rather than one recomputed from RGB samples that Go's
// conversion made by repeating each chroma sample.
func vp8Planes(img image.Image) (*image.NYCbCrA, bool) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	cw, ch := (w+1)/2, (h+1)/2
	var out *image.NYCbCrA
	switch m := img.(type) {
	case *image.YCbCr:
		m = boxavg.To420(m)
		if m.SubsampleRatio != image.YCbCrSubsampleRatio420 || b.Min.X%2 != 0 || b.Min.Y%2 != 0 {
			return nil, false
		}
		out = image.NewNYCbCrA(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
		for y := range h {
			remap(out.Y[y*w:][:w], m.Y[m.YOffset(b.Min.X, b.Min.Y+y):][:w], &limitedLuma)
		}
		for y := range ch {
			off := m.COffset(b.Min.X, b.Min.Y+2*y)
			remap(out.Cb[y*cw:][:cw], m.Cb[off:][:cw], &limitedChroma)
			remap(out.Cr[y*cw:][:cw], m.Cr[off:][:cw], &limitedChroma)
		}
	case *image.Gray:
		out = image.NewNYCbCrA(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
		for y := range h {
			remap(out.Y[y*w:][:w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w], &limitedLuma)
		}
		fill(out.Cb, 128)
		fill(out.Cr, 128)
	default:
		return nil, false
	}
	fill(out.A, 255)
	return out, true
}

// lossyPlanes is vp8Planes for a lossy encode; a lossless one codes RGB
// and is never given planes.
func lossyPlanes(img image.Image, p params) (*image.NYCbCrA, bool) {
	if p.lossless {
		return nil, false
	}
	return vp8Planes(img)
}

// remap sets dst[i] to table[src[i]]; dst may be src (in place).
func remap(dst, src []byte, table *[256]uint8) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = table[v]
	}
}

func fill(p []byte, v byte) {
	for i := range p {
		p[i] = v
	}
}
