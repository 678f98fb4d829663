package rgba_test

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"testing"

	"github.com/blobimage/blobimage/codecs/internal/rgba"
)

// images returns one image of each kind, with every alpha from 0 to 255
// and random colour, some with bounds away from the origin.
func images() map[string]image.Image {
	rng := rand.New(rand.NewPCG(1, 2))
	r := image.Rect(3, -2, 67, 38)
	nrgba := image.NewNRGBA(r)
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(rng.Uint32())
	}
	rgbaImg := image.NewRGBA(r)
	draw.Draw(rgbaImg, r, nrgba, r.Min, draw.Src)
	ycc := image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
	nycc := image.NewNYCbCrA(r, image.YCbCrSubsampleRatio422)
	for _, b := range [][]byte{ycc.Y, ycc.Cb, ycc.Cr, nycc.Y, nycc.Cb, nycc.Cr, nycc.A} {
		for i := range b {
			b[i] = uint8(rng.Uint32())
		}
	}
	gray := image.NewGray(r)
	for i := range gray.Pix {
		gray.Pix[i] = uint8(rng.Uint32())
	}
	pal := image.NewPaletted(r, color.Palette{color.NRGBA{200, 10, 30, 255}, color.NRGBA{0, 90, 255, 77}, color.Transparent})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(rng.IntN(3))
	}
	cmyk := image.NewCMYK(r)
	for i := range cmyk.Pix {
		cmyk.Pix[i] = uint8(rng.Uint32())
	}
	nrgba64 := image.NewNRGBA64(r)
	draw.Draw(nrgba64, r, nrgba, r.Min, draw.Src)
	return map[string]image.Image{
		"NRGBA": nrgba, "RGBA": rgbaImg, "YCbCr": ycc, "NYCbCrA": nycc, "Gray": gray,
		"Paletted": pal, "CMYK": cmyk, "NRGBA64": nrgba64,
		"NRGBA sub": nrgba.SubImage(image.Rect(10, 1, 50, 30)),
		"YCbCr sub": ycc.SubImage(image.Rect(5, 3, 41, 29)),
	}
}

// TestRowsMatchGo: the rows are what Go's colour models make of the image,
// straight (as image.NRGBA) or premultiplied (as image.RGBA).
func TestRowsMatchGo(t *testing.T) {
	for name, img := range images() {
		b := img.Bounds()
		want := map[rgba.Alpha][]byte{}
		n := image.NewNRGBA(b)
		draw.Draw(n, b, img, b.Min, draw.Src)
		want[rgba.Straight] = n.Pix
		p := image.NewRGBA(b)
		draw.Draw(p, b, img, b.Min, draw.Src)
		want[rgba.Premultiplied] = p.Pix
		for _, a := range []rgba.Alpha{rgba.Straight, rgba.Premultiplied} {
			read := rgba.Rows(img, a)
			got := make([]byte, 4*b.Dx()*b.Dy())
			for y := b.Min.Y; y < b.Max.Y; y++ {
				read(got[4*b.Dx()*(y-b.Min.Y):], y)
			}
			if !bytes.Equal(got, want[a]) {
				i := firstDiff(got, want[a])
				t.Errorf("%s, alpha %d: byte %d (pixel %d) is %d, Go makes %d", name, a, i, i/4, got[i], want[a][i])
			}
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return len(a)
}
