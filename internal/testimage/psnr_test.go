package testimage_test

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
)

// near reports whether got is want within 1e-9 dB.
func near(got, want float64) bool { return math.Abs(got-want) < 1e-9 }

// TestPSNRValues: PSNR is 10·log10(255²/MSE) over the samples it counts,
// +Inf for the same pixels, whatever the origins.
func TestPSNRValues(t *testing.T) {
	a := testimage.Photo(40, 30)
	if p := testimage.PSNR(t, a, a, true); !math.IsInf(p, 1) {
		t.Errorf("same image: %v dB, want +Inf", p)
	}
	// The same pixels at another origin.
	shifted := image.NewNRGBA(image.Rect(0, 0, 50, 40))
	for y := range 30 {
		for x := range 40 {
			shifted.SetNRGBA(x+7, y+5, a.NRGBAAt(x, y))
		}
	}
	sub := shifted.SubImage(image.Rect(7, 5, 47, 35))
	if p := testimage.PSNR(t, a, sub, true); !math.IsInf(p, 1) {
		t.Errorf("same pixels at (7,5): %v dB, want +Inf", p)
	}
	if c, al := testimage.PSNR16(t, sub, a); !math.IsInf(c, 1) || !math.IsInf(al, 1) {
		t.Errorf("PSNR16 of the same pixels at (7,5): %v, %v dB, want +Inf", c, al)
	}

	// One red sample 10 levels off.
	b := image.NewNRGBA(a.Rect)
	copy(b.Pix, a.Pix)
	i := b.PixOffset(3, 4)
	b.Pix[i] += 10
	n := 40 * 30
	if p, want := testimage.PSNR(t, a, b, false), 10*math.Log10(255*255/(100/float64(3*n))); !near(p, want) {
		t.Errorf("RGB: %v dB, want %v", p, want)
	}
	if p, want := testimage.PSNR(t, a, b, true), 10*math.Log10(255*255/(100/float64(4*n))); !near(p, want) {
		t.Errorf("RGBA: %v dB, want %v", p, want)
	}
	if c, al := testimage.PSNR16(t, a, b); !near(c, 10*math.Log10(255*255/(100/float64(3*n)))) || !math.IsInf(al, 1) {
		t.Errorf("PSNR16: %v, %v dB, want %v, +Inf", c, al, 10*math.Log10(255*255/(100/float64(3*n))))
	}
}

// TestPSNRAlpha: the colour of a transparent pixel does not count; alpha
// counts with colour in PSNR only when asked, and apart in PSNR16.
func TestPSNRAlpha(t *testing.T) {
	a := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	b := image.NewNRGBA(a.Rect)
	// Transparent pixels of different colours.
	a.SetNRGBA(1, 1, color.NRGBA{255, 0, 0, 0})
	b.SetNRGBA(1, 1, color.NRGBA{0, 0, 255, 0})
	if p := testimage.PSNR(t, a, b, true); !math.IsInf(p, 1) {
		t.Errorf("transparent pixels of different colours: %v dB, want +Inf", p)
	}
	// A black pixel's alpha 51 levels off: its premultiplied colour stays 0.
	a.SetNRGBA(2, 2, color.NRGBA{0, 0, 0, 255})
	b.SetNRGBA(2, 2, color.NRGBA{0, 0, 0, 204})
	if p := testimage.PSNR(t, a, b, false); !math.IsInf(p, 1) {
		t.Errorf("alpha not asked for: %v dB, want +Inf", p)
	}
	if p, want := testimage.PSNR(t, a, b, true), 10*math.Log10(255*255/(51*51/float64(4*64))); !near(p, want) {
		t.Errorf("with alpha: %v dB, want %v", p, want)
	}
	if c, al := testimage.PSNR16(t, a, b); !math.IsInf(c, 1) || !near(al, 10*math.Log10(255*255/(51*51/64.0))) {
		t.Errorf("PSNR16: %v, %v dB, want +Inf, %v", c, al, 10*math.Log10(255*255/(51*51/64.0)))
	}
}

// TestPSNR16Precision: a difference finer than an 8-bit level is lost to
// PSNR's 8-bit samples and measured by PSNR16, in 8-bit levels.
func TestPSNR16Precision(t *testing.T) {
	a := image.NewNRGBA64(image.Rect(0, 0, 4, 4))
	b := image.NewNRGBA64(a.Rect)
	for y := range 4 {
		for x := range 4 {
			a.SetNRGBA64(x, y, color.NRGBA64{0x1200, 0x3400, 0x5600, 0xffff})
			b.SetNRGBA64(x, y, color.NRGBA64{0x1200 + 0x80, 0x3400, 0x5600, 0xffff})
		}
	}
	if p := testimage.PSNR(t, a, b, true); !math.IsInf(p, 1) {
		t.Errorf("PSNR of half a level: %v dB, want +Inf (8-bit samples)", p)
	}
	d := 128.0 / 257
	if c, al := testimage.PSNR16(t, a, b); !near(c, 10*math.Log10(255*255/(d*d/3))) || !math.IsInf(al, 1) {
		t.Errorf("PSNR16 of half a level: %v, %v dB, want %v, +Inf", c, al, 10*math.Log10(255*255/(d*d/3)))
	}
}

// TestPSNRSizes: images of different sizes fail the test.
func TestPSNRSizes(t *testing.T) {
	a, b := testimage.Photo(40, 30), testimage.Photo(30, 40)
	r := &recorder{TB: t}
	testimage.PSNR(r, a, b, false)
	if r.failed == "" {
		t.Error("PSNR of 40×30 against 30×40 did not fail")
	}
	r = &recorder{TB: t}
	testimage.PSNR16(r, a, b)
	if r.failed == "" {
		t.Error("PSNR16 of 40×30 against 30×40 did not fail")
	}
}

// TestConversions: NRGBA and RGBA move the image to the origin, RGBA with
// premultiplied colour.
func TestConversions(t *testing.T) {
	src := image.NewNRGBA(image.Rect(10, 20, 12, 21))
	src.SetNRGBA(10, 20, color.NRGBA{200, 100, 50, 128})
	src.SetNRGBA(11, 20, color.NRGBA{1, 2, 3, 255})
	n := testimage.NRGBA(src)
	if n.Rect != image.Rect(0, 0, 2, 1) || n.NRGBAAt(0, 0) != (color.NRGBA{200, 100, 50, 128}) || n.NRGBAAt(1, 0) != (color.NRGBA{1, 2, 3, 255}) {
		t.Errorf("NRGBA: %v %v %v", n.Rect, n.NRGBAAt(0, 0), n.NRGBAAt(1, 0))
	}
	r := testimage.RGBA(src)
	if r.Rect != image.Rect(0, 0, 2, 1) || r.RGBAAt(0, 0) != (color.RGBA{100, 50, 25, 128}) || r.RGBAAt(1, 0) != (color.RGBA{1, 2, 3, 255}) {
		t.Errorf("RGBA: %v %v %v", r.Rect, r.RGBAAt(0, 0), r.RGBAAt(1, 0))
	}
}
