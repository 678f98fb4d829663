package testimage_test

import (
	"bytes"
	"image"
	"math"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
)

// TestPhoto: the photo is opaque, the same at every call, and varied both
// over the picture and from one pixel to the next, as a photograph is.
func TestPhoto(t *testing.T) {
	m := testimage.Photo(160, 120)
	if m.Rect != image.Rect(0, 0, 160, 120) {
		t.Fatalf("bounds %v", m.Rect)
	}
	if again := testimage.Photo(160, 120); !bytes.Equal(again.Pix, m.Pix) {
		t.Error("two calls gave different pixels")
	}
	var sum, sq, step float64
	n := 0
	for y := range 120 {
		for x := range 160 {
			c := m.NRGBAAt(x, y)
			if c.A != 255 {
				t.Fatalf("alpha %d at (%d,%d)", c.A, x, y)
			}
			v := float64(c.G)
			sum += v
			sq += v * v
			if x > 0 {
				step += math.Abs(v - float64(m.NRGBAAt(x-1, y).G))
			}
			n++
		}
	}
	mean := sum / float64(n)
	sd := math.Sqrt(sq/float64(n) - mean*mean)
	meanStep := step / float64(119*160)
	t.Logf("green: mean %.1f, sd %.1f, mean step between neighbours %.2f", mean, sd, meanStep)
	if sd < 20 {
		t.Errorf("green varies by sd %.1f over the picture, want ≥ 20", sd)
	}
	if meanStep < 1 || meanStep > 20 {
		t.Errorf("mean step between neighbours %.2f, want texture and noise (1–20), not flat or random", meanStep)
	}
}

// TestWithAlpha: alpha ramps from 0 at the left to 255 at the right, the
// top-left corner is transparent, colours are kept and the source is not
// changed.
func TestWithAlpha(t *testing.T) {
	src := testimage.Photo(80, 40)
	before := append([]byte(nil), src.Pix...)
	m := testimage.WithAlpha(src)
	if !bytes.Equal(src.Pix, before) {
		t.Error("WithAlpha changed its source")
	}
	for y := range 40 {
		for x := range 80 {
			c, s := m.NRGBAAt(x, y), src.NRGBAAt(x, y)
			if c.R != s.R || c.G != s.G || c.B != s.B {
				t.Fatalf("colour at (%d,%d) changed: %v, was %v", x, y, c, s)
			}
			want := uint8(255 * x / 79)
			if x < 10 && y < 5 {
				want = 0
			}
			if c.A != want {
				t.Fatalf("alpha at (%d,%d) = %d, want %d", x, y, c.A, want)
			}
		}
	}
}
