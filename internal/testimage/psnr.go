package testimage

import (
	"image"
	"image/draw"
	"math"
	"testing"
)

// NRGBA returns img converted to an *image.NRGBA at the origin, through
// Go's colour models.
func NRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	m := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, img, b.Min, draw.Src)
	return m
}

// RGBA returns img converted to an *image.RGBA at the origin: 8-bit
// premultiplied colours, as they show over black, whatever a transparent
// pixel's colour was.
func RGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, img, b.Min, draw.Src)
	return m
}

// PSNR returns the peak signal-to-noise ratio in dB of b against a, +Inf
// when they are the same, over the R, G and B samples of RGBA (8-bit,
// premultiplied: a transparent pixel's colour does not count), and over A
// too when alpha is set. Images of different sizes fail the test; their
// origins may differ.
func PSNR(tb testing.TB, a, b image.Image, alpha bool) float64 {
	tb.Helper()
	x, y := RGBA(a), RGBA(b)
	if x.Rect != y.Rect {
		tb.Fatalf("PSNR: sizes %v and %v differ", a.Bounds(), b.Bounds())
	}
	var se float64
	var n int
	for i := range x.Pix {
		if i%4 == 3 && !alpha {
			continue
		}
		d := float64(x.Pix[i]) - float64(y.Pix[i])
		se += d * d
		n++
	}
	return db(se, n)
}

// PSNR16 returns the PSNR in dB of b's colour and of b's alpha against
// a's, +Inf where they are the same, over the 16-bit premultiplied samples
// of color.Color's RGBA method scaled to 0–255 without rounding: for
// images of more than 8 bits a sample, and for differences finer than an
// 8-bit level. The colour is R, G and B together (a transparent pixel's
// does not count). Images of different sizes fail the test; their origins
// may differ.
func PSNR16(tb testing.TB, a, b image.Image) (colour, alpha float64) {
	tb.Helper()
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Size() != bb.Size() {
		tb.Fatalf("PSNR16: sizes %v and %v differ", ab, bb)
	}
	var se, sa float64
	var n int
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			r1, g1, b1, a1 := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, a2 := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			for _, d := range [3]float64{float64(r1) - float64(r2), float64(g1) - float64(g2), float64(b1) - float64(b2)} {
				d /= 257
				se += d * d
			}
			d := (float64(a1) - float64(a2)) / 257
			sa += d * d
			n++
		}
	}
	return db(se, 3*n), db(sa, n)
}

// db is the PSNR of n samples whose squared errors sum to se, on the 0–255
// scale.
func db(se float64, n int) float64 {
	if n == 0 || se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}
