package variants

import (
	"image"
	"image/color"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
)

func TestSmartGrid(t *testing.T) {
	for _, tc := range []struct{ start, size, n int }{
		{0, 7, 7}, {-3, 100, 100}, {0, 4000, 512}, {5, 300, 512}, {0, 1, 2}, {10, 16384, 512},
	} {
		g := smartGrid(tc.start, tc.size, tc.n, 0x9e3779b9)
		for i, x := range g {
			// Sample i lies in stratum i: [i·size/n, (i+1)·size/n).
			lo, hi := tc.start+i*tc.size/tc.n, tc.start+((i+1)*tc.size+tc.n-1)/tc.n
			if x < lo || x >= max(hi, lo+1) || x >= tc.start+tc.size {
				t.Errorf("%+v: sample %d at %d, outside [%d, %d)", tc, i, x, lo, hi)
			}
			if tc.n == tc.size && x != tc.start+i {
				t.Errorf("%+v: sample %d at %d, want every pixel", tc, i, x)
			}
		}
	}
}

func TestSmartBest(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p       []int64
		m       int
		start   int
		centred bool
	}{
		{"flat profile keeps the centre", []int64{0, 0, 0, 0, 0, 0}, 2, 2, true},
		{"window as long as the profile", []int64{9, 0, 0}, 3, 0, true},
		{"detail at the start", []int64{5, 5, 0, 0, 0, 0, 0, 0}, 4, 0, false},
		{"detail at the end", []int64{0, 0, 0, 0, 0, 0, 5, 5}, 4, 4, false},
		// A small subject is centred in the window, not pushed to an edge.
		{"subject centred", []int64{0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0}, 5, 6, false},
		// Within 1/32 of the best, the centre wins.
		{"nearly uniform", []int64{100, 100, 100, 100, 100, 100, 103}, 3, 2, true},
		{"noticeably off-centre", []int64{100, 100, 100, 100, 100, 100, 200}, 3, 4, false},
	} {
		start, centred := smartBest(tc.p, tc.m)
		if centred != tc.centred || (!centred && start != tc.start) {
			t.Errorf("%s: smartBest = %d, %v; want %d, %v", tc.name, start, centred, tc.start, tc.centred)
		}
	}
}

// On a subsampled YCbCr source (a JPEG decode) the smart window starts on
// a chroma sample, so that the resampler keeps to its planar path.
func TestSmartWindowChromaAligned(t *testing.T) {
	moved := 0
	for _, sz := range []image.Point{{1001, 667}, {1334, 1000}, {2001, 1500}, {667, 1001}, {333, 250}} {
		long := max(sz.X, sz.Y)
		scene := image.NewNRGBA(image.Rect(0, 0, sz.X, sz.Y))
		for y := range sz.Y {
			for x := range sz.X {
				c := color.NRGBA{140, 140, 140, 255}
				// A checker in the first sixth of the longer side.
				along := x
				if sz.Y > sz.X {
					along = y
				}
				if along < long/6 {
					if (x/3+y/3)%2 == 0 {
						c = color.NRGBA{0, 0, 0, 255}
					} else {
						c = color.NRGBA{255, 255, 255, 255}
					}
				}
				scene.SetNRGBA(x, y, c)
			}
		}
		for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio411} {
			src := testimage.YCbCr(scene, ratio)
			fx, fy := lzChromaFactors(ratio)
			for _, f := range []Fill{{Width: 400, Height: 400}, {Width: 311, Height: 97}, {Width: 90, Height: 300}, {Width: 1200, Height: 630}} {
				cw, ch := f.ResampleSize(sz.X, sz.Y)
				x0, y0 := smartWindow(src, cw, ch, f.Width, f.Height)
				cx, cy := anchorOffset(cw, ch, f.Width, f.Height, Center)
				if x0 == cx && y0 == cy {
					continue // the centre, as Center places it
				}
				moved++
				r := fillWindow(src.Bounds(), cw, ch, x0, y0, f.Width, f.Height)
				if x0 < 0 || y0 < 0 || x0+f.Width > cw || y0+f.Height > ch {
					t.Errorf("%v %v %+v: window (%d,%d) outside the %dx%d cover", ratio, sz, f, x0, y0, cw, ch)
				}
				if r.Min.X%fx != 0 || r.Min.Y%fy != 0 {
					t.Errorf("%v %v %+v: window starts at %v in the source, not on a chroma sample", ratio, sz, f, r.Min)
				}
			}
		}
	}
	if moved < 40 {
		t.Errorf("only %d windows moved from the centre", moved)
	}
}
