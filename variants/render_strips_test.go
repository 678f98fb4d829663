package variants_test

import (
	"context"
	"errors"
	"image"
	"image/draw"
	"slices"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// stripsOf hands src (an *image.YCbCr or *image.Gray at the origin) over in
// strips of the given heights (the last repeated), as a decoder would,
// each strip a copy that is wiped once emit returns, and counts the calls
// of Deliver and Whole.
type stripsOf struct {
	src              image.Image
	heights          []int
	deliver, whole   int
	refuse           bool  // Deliver reports that it cannot
	failAfter        int   // Deliver fails after this many strips (0: never)
	failWith         error // … with this error
	deliveredStrips  int
	wholeAfterStrips bool // Whole was called after some strips were emitted
}

func (s *stripsOf) strips() variants.Strips {
	return variants.Strips{
		Size: s.src.Bounds().Size(),
		Deliver: func(emit func(image.Image) error) (bool, error) {
			s.deliver++
			if s.refuse {
				return false, nil
			}
			b := s.src.Bounds()
			for y, k := 0, 0; y < b.Dy(); k++ {
				if s.failAfter > 0 && k == s.failAfter {
					return true, s.failWith
				}
				h := s.heights[min(k, len(s.heights)-1)]
				strip := copyRows(s.src, y, min(y+h, b.Dy()))
				if err := emit(strip); err != nil {
					return true, err
				}
				s.deliveredStrips++
				wipe(strip)
				y += h
			}
			return true, nil
		},
		Whole: func() (image.Image, error) {
			s.whole++
			s.wholeAfterStrips = s.deliveredStrips > 0
			return s.src, nil
		},
	}
}

// copyRows returns rows y0…y1−1 of m as an image of their own, bounds
// (0, y0)–(w, y1).
func copyRows(m image.Image, y0, y1 int) image.Image {
	r := image.Rect(0, y0, m.Bounds().Dx(), y1)
	switch m := m.(type) {
	case *image.YCbCr:
		out := image.NewYCbCr(r, m.SubsampleRatio)
		for y := y0; y < y1; y++ {
			for x := 0; x < r.Dx(); x++ {
				out.Y[out.YOffset(x, y)] = m.Y[m.YOffset(x, y)]
				out.Cb[out.COffset(x, y)] = m.Cb[m.COffset(x, y)]
				out.Cr[out.COffset(x, y)] = m.Cr[m.COffset(x, y)]
			}
		}
		return out
	case *image.Gray:
		out := image.NewGray(r)
		for y := y0; y < y1; y++ {
			copy(out.Pix[out.PixOffset(0, y):][:r.Dx()], m.Pix[m.PixOffset(0, y):][:r.Dx()])
		}
		return out
	}
	panic("copyRows: not a YCbCr or Gray image")
}

// wipe overwrites a strip, as a decoder reusing its memory would.
func wipe(m image.Image) {
	switch m := m.(type) {
	case *image.YCbCr:
		for _, p := range [][]byte{m.Y, m.Cb, m.Cr} {
			for i := range p {
				p[i] = 0x5a
			}
		}
	case *image.Gray:
		for i := range m.Pix {
			m.Pix[i] = 0x5a
		}
	}
}

// renderAll runs render and returns the images it emitted, by spec.
func renderAll(t *testing.T, n int, render func(emit func(int, image.Image) error) error) []image.Image {
	t.Helper()
	got := make([]image.Image, n)
	if err := render(func(i int, img image.Image) error { got[i] = img; return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

// samePixels reports whether a and b are the same type, size and pixels.
func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	switch a := a.(type) {
	case *image.YCbCr:
		b, ok := b.(*image.YCbCr)
		if !ok || a.SubsampleRatio != b.SubsampleRatio {
			return false
		}
		r := a.Bounds()
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if a.Y[a.YOffset(x, y)] != b.Y[b.YOffset(x, y)] ||
					a.Cb[a.COffset(x, y)] != b.Cb[b.COffset(x, y)] || a.Cr[a.COffset(x, y)] != b.Cr[b.COffset(x, y)] {
					return false
				}
			}
		}
		return true
	}
	return slices.Equal(pixels(a), pixels(b))
}

// TestRenderStrips: a source delivered in strips renders to RenderStored's
// images of the whole source, to the bit, for every orientation, 4:2:0,
// 4:4:4 and 4:2:2 YCbCr and grey sources, whole and reduced, strips of
// several heights; the source is then never decoded whole. Where no spec
// can take strips (two specs start from the source, or the only one does
// not start with a shrinking Fit or Resize) the whole picture is decoded
// and strips are never asked for.
func TestRenderStrips(t *testing.T) {
	displayed := gradients(333, 250, 17, 11)
	full := displayed.Bounds().Size()
	streamed := [][]variants.Spec{
		{spec("fit", variants.Fit{Width: 120, Height: 120}), spec("small", variants.Fit{Width: 40, Height: 40}),
			spec("fill", variants.Fill{Width: 20, Height: 30, Anchor: variants.TopLeft})},
		{spec("resize", variants.Resize{Width: 100}), spec("xs", variants.Resize{Width: 30}, variants.Grayscale{})},
		{spec("wide", variants.Fit{Width: 1000, Height: 90})},
	}
	whole := [][]variants.Spec{
		{spec("a", variants.Fit{Width: 120, Height: 120}), spec("b", variants.Fit{Width: 100, Height: 100})},
		{spec("fill", variants.Fill{Width: 50, Height: 50, Anchor: variants.Center})},
		{spec("same", variants.Fit{Width: 2000, Height: 2000})},
	}
	for o := 1; o <= 8; o++ {
		stored := testimage.Stored(displayed, o)
		sources := map[string]image.Image{
			"420":  testimage.YCbCr(stored, image.YCbCrSubsampleRatio420),
			"444":  testimage.YCbCr(stored, image.YCbCrSubsampleRatio444),
			"422":  testimage.YCbCr(stored, image.YCbCrSubsampleRatio422),
			"gray": grayOf(stored),
		}
		for name, src := range sources {
			for k, specs := range append(slices.Clone(streamed), whole...) {
				for _, heights := range [][]int{{16}, {2, 8, 6}} {
					want := renderAll(t, len(specs), func(emit func(int, image.Image) error) error {
						return variants.RenderStored(context.Background(), src, o, full, specs, 2, emit)
					})
					s := &stripsOf{src: src, heights: heights}
					got := renderAll(t, len(specs), func(emit func(int, image.Image) error) error {
						return variants.RenderStrips(context.Background(), s.strips(), o, full, specs, 2, emit)
					})
					for i := range specs {
						if !samePixels(got[i], want[i]) {
							t.Errorf("orientation %d, %s, set %d, strips %v: %s differs from RenderStored's", o, name, k, heights, specs[i].Name)
						}
					}
					if k < len(streamed) && (s.deliver != 1 || s.whole != 0) {
						t.Errorf("orientation %d, %s, set %d: Deliver called %d times, Whole %d; want strips only", o, name, k, s.deliver, s.whole)
					}
					if k >= len(streamed) && (s.deliver != 0 || s.whole != 1) {
						t.Errorf("orientation %d, %s, set %d: Deliver called %d times, Whole %d; want the whole picture only", o, name, k, s.deliver, s.whole)
					}
				}
			}
		}
	}
}

// TestRenderStripsFallback: a picture that cannot be delivered in strips,
// or whose strips the resampler does not take, is decoded whole and
// renders as RenderStored; an error of the delivery is returned, and
// nothing is emitted.
func TestRenderStripsFallback(t *testing.T) {
	src := testimage.YCbCr(testimage.Photo(200, 150), image.YCbCrSubsampleRatio420)
	full := src.Bounds().Size()
	specs := []variants.Spec{spec("fit", variants.Fit{Width: 80, Height: 80}), spec("xs", variants.Fit{Width: 20, Height: 20})}
	want := renderAll(t, len(specs), func(emit func(int, image.Image) error) error {
		return variants.RenderStored(context.Background(), src, 1, full, specs, 1, emit)
	})

	s := &stripsOf{src: src, heights: []int{16}, refuse: true}
	got := renderAll(t, len(specs), func(emit func(int, image.Image) error) error {
		return variants.RenderStrips(context.Background(), s.strips(), 1, full, specs, 1, emit)
	})
	if s.deliver != 1 || s.whole != 1 || !samePixels(got[0], want[0]) || !samePixels(got[1], want[1]) {
		t.Errorf("refused strips: Deliver %d, Whole %d, same pixels %v %v", s.deliver, s.whole, samePixels(got[0], want[0]), samePixels(got[1], want[1]))
	}

	// An NRGBA strip is a kind the resampler does not take: the delivery
	// stops at its first strip, and the whole picture is decoded.
	nrgba := testimage.Photo(200, 150)
	wantN := renderAll(t, len(specs), func(emit func(int, image.Image) error) error {
		return variants.RenderStored(context.Background(), nrgba, 1, full, specs, 1, emit)
	})
	var calls int
	odd := variants.Strips{Size: full,
		Deliver: func(emit func(image.Image) error) (bool, error) {
			calls++
			return true, emit(nrgba)
		},
		Whole: func() (image.Image, error) { return nrgba, nil },
	}
	gotN := renderAll(t, len(specs), func(emit func(int, image.Image) error) error {
		return variants.RenderStrips(context.Background(), odd, 1, full, specs, 1, emit)
	})
	if calls != 1 || !samePixels(gotN[0], wantN[0]) {
		t.Errorf("NRGBA strips: Deliver %d, same pixels %v", calls, samePixels(gotN[0], wantN[0]))
	}

	boom := errors.New("damaged at row 48")
	s = &stripsOf{src: src, heights: []int{16}, failAfter: 3, failWith: boom}
	emitted := 0
	err := variants.RenderStrips(context.Background(), s.strips(), 1, full, specs, 1, func(int, image.Image) error { emitted++; return nil })
	if !errors.Is(err, boom) || emitted != 0 || s.whole != 0 {
		t.Errorf("failing delivery: err %v, %d emitted, Whole %d; want %v, none, 0", err, emitted, s.whole, boom)
	}

	// A delivery that ends short is an error, not a picture.
	short := variants.Strips{Size: full,
		Deliver: func(emit func(image.Image) error) (bool, error) {
			return true, emit(copyRows(src, 0, 64))
		},
		Whole: func() (image.Image, error) { return src, nil },
	}
	if err := variants.RenderStrips(context.Background(), short, 1, full, specs, 1, func(int, image.Image) error { return nil }); err == nil {
		t.Error("a delivery of 64 of 150 rows rendered")
	}
}

// grayOf is img in grey.
func grayOf(img image.Image) *image.Gray {
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Rect, img, img.Bounds().Min, draw.Src)
	return g
}
