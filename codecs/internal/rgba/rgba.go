// Package rgba lays any image.Image out as the 8-bit RGBA rows that C image
// libraries import (libwebp's WebPPictureImportRGBA, libavif's avifRGBImage):
// four bytes a pixel, R, G, B, A, with straight or premultiplied alpha, one
// row at a time so that a caller can copy rows straight into a library's
// memory without holding a second whole image.
package rgba

import (
	"image"
	"image/color"
)

// Alpha is how colour samples relate to alpha.
type Alpha int

const (
	// Straight colour is independent of alpha (image.NRGBA's).
	Straight Alpha = iota
	// Premultiplied colour has been multiplied by alpha (image.RGBA's).
	Premultiplied
)

// Rows returns a function that writes row y of img (Min.Y ≤ y < Max.Y of
// its bounds) into dst, which holds at least 4×width bytes. Conversions
// round as Go's colour models do; the common types (NRGBA, RGBA, YCbCr,
// NYCbCrA, Gray, Paletted) are read directly, any other through At.
func Rows(img image.Image, a Alpha) func(dst []byte, y int) {
	b := img.Bounds()
	x0, w := b.Min.X, b.Dx()
	switch m := img.(type) {
	case *image.NRGBA:
		if a == Straight {
			return func(dst []byte, y int) { copy(dst, m.Pix[m.PixOffset(x0, y):][:4*w]) }
		}
		return func(dst []byte, y int) { premultiply(dst, m.Pix[m.PixOffset(x0, y):][:4*w]) }
	case *image.RGBA:
		if a == Premultiplied {
			return func(dst []byte, y int) { copy(dst, m.Pix[m.PixOffset(x0, y):][:4*w]) }
		}
		return func(dst []byte, y int) { unpremultiply(dst, m.Pix[m.PixOffset(x0, y):][:4*w]) }
	case *image.YCbCr:
		return func(dst []byte, y int) { ycbcrRow(dst, m, nil, x0, w, y, a) }
	case *image.NYCbCrA:
		return func(dst []byte, y int) { ycbcrRow(dst, &m.YCbCr, m, x0, w, y, a) }
	case *image.Gray:
		return func(dst []byte, y int) {
			for i, v := range m.Pix[m.PixOffset(x0, y):][:w] {
				d := dst[4*i : 4*i+4 : 4*i+4]
				d[0], d[1], d[2], d[3] = v, v, v, 0xff
			}
		}
	case *image.Paletted:
		lut := palette(m.Palette, a)
		return func(dst []byte, y int) {
			for i, idx := range m.Pix[m.PixOffset(x0, y):][:w] {
				copy(dst[4*i:4*i+4], lut[idx][:])
			}
		}
	}
	return func(dst []byte, y int) {
		for i := range w {
			r, g, bl, al := img.At(x0+i, y).RGBA()
			pixel(dst[4*i:4*i+4:4*i+4], r, g, bl, al, a)
		}
	}
}

// pixel writes the premultiplied 16-bit colour r, g, b, al as 8-bit RGBA
// with alpha a.
func pixel(d []byte, r, g, b, al uint32, a Alpha) {
	if a == Straight && al != 0xffff {
		if al == 0 {
			d[0], d[1], d[2], d[3] = 0, 0, 0, 0
			return
		}
		// As color.NRGBAModel.
		r, g, b = min(r*0xffff/al, 0xffff), min(g*0xffff/al, 0xffff), min(b*0xffff/al, 0xffff)
	}
	d[0], d[1], d[2], d[3] = uint8(r>>8), uint8(g>>8), uint8(b>>8), uint8(al>>8)
}

// premultiply writes the straight-alpha RGBA pixels of src premultiplied
// into dst, as color.NRGBA's RGBA method does.
func premultiply(dst, src []byte) {
	for i := 0; i+3 < len(src); i += 4 {
		s, d := src[i:i+4:i+4], dst[i:i+4:i+4]
		al := uint32(s[3])
		if al == 0xff {
			copy(d, s)
			continue
		}
		a16 := al * 0x101
		d[0] = uint8(uint32(s[0]) * 0x101 * a16 / 0xffff >> 8)
		d[1] = uint8(uint32(s[1]) * 0x101 * a16 / 0xffff >> 8)
		d[2] = uint8(uint32(s[2]) * 0x101 * a16 / 0xffff >> 8)
		d[3] = s[3]
	}
}

// unpremultiply writes the premultiplied RGBA pixels of src with straight
// alpha into dst, as color.NRGBAModel converts.
func unpremultiply(dst, src []byte) {
	for i := 0; i+3 < len(src); i += 4 {
		s, d := src[i:i+4:i+4], dst[i:i+4:i+4]
		switch s[3] {
		case 0xff:
			copy(d, s)
		case 0:
			d[0], d[1], d[2], d[3] = 0, 0, 0, 0
		default:
			pixel(d, uint32(s[0])*0x101, uint32(s[1])*0x101, uint32(s[2])*0x101, uint32(s[3])*0x101, Straight)
		}
	}
}

// ycbcrRow converts row y of m (with the alpha of am, when not nil) to
// RGBA by Go's JFIF conversion; with alpha, through color.NYCbCrA's
// 16-bit premultiplied values, as Go's colour models convert.
func ycbcrRow(dst []byte, m *image.YCbCr, am *image.NYCbCrA, x0, w, y int, a Alpha) {
	yi := m.YOffset(x0, y)
	if am == nil {
		for i := range w {
			ci := m.COffset(x0+i, y)
			r, g, b := color.YCbCrToRGB(m.Y[yi+i], m.Cb[ci], m.Cr[ci])
			d := dst[4*i : 4*i+4 : 4*i+4]
			d[0], d[1], d[2], d[3] = r, g, b, 0xff
		}
		return
	}
	ai := am.AOffset(x0, y)
	for i := range w {
		ci := m.COffset(x0+i, y)
		c := color.NYCbCrA{YCbCr: color.YCbCr{Y: m.Y[yi+i], Cb: m.Cb[ci], Cr: m.Cr[ci]}, A: am.A[ai+i]}
		r, g, b, al := c.RGBA()
		pixel(dst[4*i:4*i+4:4*i+4], r, g, b, al, a)
	}
}

// palette converts p to RGBA entries with alpha a; indices past its end
// (on which image.Paletted's At panics) are transparent black.
func palette(p color.Palette, a Alpha) *[256][4]byte {
	var lut [256][4]byte
	for i, c := range p {
		if i >= len(lut) {
			break
		}
		r, g, b, al := c.RGBA()
		pixel(lut[i][:], r, g, b, al, a)
	}
	return &lut
}
