package jpeg

import (
	"image"
	"image/color"
)

// output assembles the decoded planes into the returned image.
func (d *decoder) output() (image.Image, error) {
	if d.ncomp == 4 && !d.adobe {
		return nil, UnsupportedError("unknown color model: 4-component JPEG doesn't have Adobe APP14 metadata")
	}
	d.allocPlanes()
	w, h := ScaledSize(d.width, d.height, d.denom)
	rect := image.Rect(0, 0, w, h)
	c := &d.comp
	switch d.ncomp {
	case 1:
		return &image.Gray{Pix: c[0].plane, Stride: c[0].stride, Rect: rect}, nil
	case 3:
		if d.isRGB() {
			return d.toRGBA(rect, decRGB), nil
		}
		if r, ok := d.subsampleRatio(); ok {
			return &image.YCbCr{
				Y: c[0].plane, Cb: c[1].plane, Cr: c[2].plane,
				YStride: c[0].stride, CStride: c[1].stride,
				SubsampleRatio: r, Rect: rect,
			}, nil
		}
		return d.toRGBA(rect, decYCbCr), nil
	}
	t := decInvertedCMYK
	if d.adobeTransform != 0 {
		t = decYCCK
	}
	m := d.toRGBA(rect, t)
	return &image.CMYK{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}, nil
}

// subsampleRatio returns the image.YCbCr layout of a three-component
// frame, if it has one: Y at the largest sampling factors, Cb and Cr alike
// and dividing them in one of the ratios image.YCbCr knows.
func (d *decoder) subsampleRatio() (image.YCbCrSubsampleRatio, bool) {
	y, cb, cr := &d.comp[0], &d.comp[1], &d.comp[2]
	// The factors at output scale: a chroma block may cover twice the
	// pixels (see DecodeResize).
	yh, yv, ch, cv := y.h*y.k, y.v*y.k, cb.h*cb.k, cb.v*cb.k
	if y.h != d.hmax || y.v != d.vmax || cb.h != cr.h || cb.v != cr.v || cb.k != cr.k ||
		yh%ch != 0 || yv%cv != 0 {
		return 0, false
	}
	switch yh/ch<<4 | yv/cv {
	case 0x11:
		return image.YCbCrSubsampleRatio444, true
	case 0x12:
		return image.YCbCrSubsampleRatio440, true
	case 0x21:
		return image.YCbCrSubsampleRatio422, true
	case 0x22:
		return image.YCbCrSubsampleRatio420, true
	case 0x41:
		return image.YCbCrSubsampleRatio411, true
	case 0x42:
		return image.YCbCrSubsampleRatio410, true
	}
	return 0, false
}

// decTransform is a colour conversion of toRGBA.
type decTransform int

const (
	decRGB          decTransform = iota // R, G, B samples to RGBA
	decYCbCr                            // Y, Cb, Cr to RGBA
	decInvertedCMYK                     // Adobe's inverted C, M, Y, K to CMYK
	decYCCK                             // Adobe's Y, Cb, Cr, inverted K to CMYK
)

// toRGBA interleaves the component planes into 4 bytes per pixel, with
// the given colour conversion. Components sampled below the maximum are
// upsampled by repetition, as image/jpeg does.
func (d *decoder) toRGBA(rect image.Rectangle, t decTransform) *image.RGBA {
	m := image.NewRGBA(rect)
	w, h := rect.Dx(), rect.Dy()
	// cols[i][x] is the sample of component i for output column x.
	var cols [4][]int32
	for i := 0; i < d.ncomp; i++ {
		c := &d.comp[i]
		cols[i] = make([]int32, w)
		for x := range cols[i] {
			cols[i][x] = int32(x * c.h * c.k / (d.hmax * d.k))
		}
	}
	var rows [4][]byte
	for y := 0; y < h; y++ {
		for i := 0; i < d.ncomp; i++ {
			c := &d.comp[i]
			sy := y * c.v * c.k / (d.vmax * d.k)
			rows[i] = c.plane[sy*c.stride : sy*c.stride+c.stride]
		}
		out := m.Pix[y*m.Stride : y*m.Stride+4*w]
		switch t {
		case decRGB:
			for x := 0; x < w; x++ {
				p := out[4*x : 4*x+4 : 4*x+4]
				p[0] = rows[0][cols[0][x]]
				p[1] = rows[1][cols[1][x]]
				p[2] = rows[2][cols[2][x]]
				p[3] = 255
			}
		case decYCbCr:
			for x := 0; x < w; x++ {
				p := out[4*x : 4*x+4 : 4*x+4]
				p[0], p[1], p[2] = color.YCbCrToRGB(rows[0][cols[0][x]], rows[1][cols[1][x]], rows[2][cols[2][x]])
				p[3] = 255
			}
		case decInvertedCMYK:
			for x := 0; x < w; x++ {
				p := out[4*x : 4*x+4 : 4*x+4]
				p[0] = 255 - rows[0][cols[0][x]]
				p[1] = 255 - rows[1][cols[1][x]]
				p[2] = 255 - rows[2][cols[2][x]]
				p[3] = 255 - rows[3][cols[3][x]]
			}
		case decYCCK:
			// Converting YCbCr gives R, G, B of the inverted CMY, which
			// are therefore C, M, Y; K is stored inverted.
			for x := 0; x < w; x++ {
				p := out[4*x : 4*x+4 : 4*x+4]
				p[0], p[1], p[2] = color.YCbCrToRGB(rows[0][cols[0][x]], rows[1][cols[1][x]], rows[2][cols[2][x]])
				p[3] = 255 - rows[3][cols[3][x]]
			}
		}
	}
	return m
}
