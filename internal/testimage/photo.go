package testimage

import (
	"image"
	"math"
	"math/rand/v2"
)

// Photo returns a w×h opaque image with what makes photographs hard to
// compress: smooth gradients, textures of several frequencies, a
// soft-edged disc and a little noise, all deterministic (the same for the
// same size).
func Photo(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			r := 120 + 90*math.Sin(fx*5+fy*2) + 12*math.Sin(float64(x)/3.1)*math.Cos(float64(y)/4.3)
			g := 110 + 80*math.Cos(fx*3-fy*4) + 10*math.Sin(float64(x+y)/7)
			b := 100 + 70*math.Sin(fx*fy*9) + 25*math.Cos(float64(x-2*y)/19)
			// A soft disc, darker and warmer.
			if d := math.Hypot(fx-0.6, fy-0.4); d < 0.25 {
				k := math.Min(1, (0.25-d)*20)
				r, g, b = r*(1-k)+200*k, g*(1-k)+90*k, b*(1-k)+40*k
			}
			n := float64(rng.IntN(9)) - 4
			i := m.PixOffset(x, y)
			m.Pix[i+0] = clamp(r + n)
			m.Pix[i+1] = clamp(g + n)
			m.Pix[i+2] = clamp(b + n)
			m.Pix[i+3] = 0xff
		}
	}
	return m
}

// WithAlpha returns a copy of img with an alpha ramp from transparent
// (left) to opaque (right) and a fully transparent top-left corner (an
// eighth of each side); the colours are kept.
func WithAlpha(img *image.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(img.Rect)
	copy(m.Pix, img.Pix)
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := range h {
		for x := range w {
			a := uint8(255 * x / max(w-1, 1))
			if x < w/8 && y < h/8 {
				a = 0
			}
			m.Pix[m.PixOffset(x, y)+3] = a
		}
	}
	return m
}

// clamp rounds v to the nearest 8-bit sample.
func clamp(v float64) uint8 { return uint8(math.Round(math.Min(math.Max(v, 0), 255))) }
