package variants

import (
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"testing"
)

// naiveReduce is the definition of boxReduce, pixel by pixel through the
// image.Image interface: the alpha-weighted mean of each k×k block (fewer
// at the edges), in 16-bit premultiplied colour.
func naiveReduce(img image.Image, k int) *image.NRGBA {
	b := img.Bounds()
	W, H := (b.Dx()+k-1)/k, (b.Dy()+k-1)/k
	out := image.NewNRGBA(image.Rect(0, 0, W, H))
	for Y := range H {
		for X := range W {
			var r, g, bl, a, n float64
			for y := Y * k; y < min(Y*k+k, b.Dy()); y++ {
				for x := X * k; x < min(X*k+k, b.Dx()); x++ {
					c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
					w := float64(c.A)
					r += float64(c.R) * w
					g += float64(c.G) * w
					bl += float64(c.B) * w
					a += w
					n++
				}
			}
			if a == 0 {
				continue
			}
			out.SetNRGBA(X, Y, color.NRGBA{uint8(r/a + 0.5), uint8(g/a + 0.5), uint8(bl/a + 0.5), uint8(a/n + 0.5)})
		}
	}
	return out
}

func randomNRGBA(w, h int, rng *rand.Rand, alpha bool) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.Uint32())
		if i%4 == 3 && !alpha {
			m.Pix[i] = 255
		}
	}
	return m
}

func TestBoxReduce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := []image.Point{{1, 1}, {7, 5}, {16, 16}, {33, 17}, {64, 9}}
	for _, sz := range sizes {
		for _, k := range []int{2, 3, 4, 8} {
			nrgba := randomNRGBA(sz.X, sz.Y, rng, true)
			gray := image.NewGray(nrgba.Rect)
			for i := range gray.Pix {
				gray.Pix[i] = uint8(rng.Uint32())
			}
			srcs := map[string]image.Image{
				"nrgba": nrgba,
				"gray":  gray,
				// A sub-image at an odd origin takes the generic path.
				"rgba sub-image": func() image.Image {
					m := image.NewRGBA(image.Rect(0, 0, sz.X+3, sz.Y+2))
					draw.Draw(m, m.Rect, randomNRGBA(sz.X+3, sz.Y+2, rng, true), image.Point{}, draw.Src)
					return m.SubImage(image.Rect(3, 2, sz.X+3, sz.Y+2))
				}(),
				"cmyk": func() image.Image {
					m := image.NewCMYK(nrgba.Rect)
					for i := range m.Pix {
						m.Pix[i] = uint8(rng.Uint32())
					}
					return m
				}(),
			}
			for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
				image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
				m := image.NewYCbCr(image.Rect(0, 0, sz.X, sz.Y), ratio)
				for _, p := range [][]byte{m.Y, m.Cb, m.Cr} {
					for i := range p {
						p[i] = uint8(rng.Uint32())
					}
				}
				srcs["ycbcr "+ratio.String()] = m
			}
			for name, src := range srcs {
				got := boxReduce(src, k)
				want := naiveReduce(src, k)
				if got.Bounds() != want.Bounds() {
					t.Fatalf("%s %v by %d: bounds %v, want %v", name, sz, k, got.Bounds(), want.Bounds())
				}
				if y, ok := src.(*image.YCbCr); ok {
					// Planes are averaged one by one, before any
					// conversion to RGB.
					checkPlanes(t, name, y, got, k)
					continue
				}
				tol := 1
				b := want.Bounds()
				for y := b.Min.Y; y < b.Max.Y; y++ {
					for x := b.Min.X; x < b.Max.X; x++ {
						g := color.NRGBAModel.Convert(got.At(x, y)).(color.NRGBA)
						w := want.NRGBAAt(x, y)
						if _, ok := got.(*image.RGBA); ok {
							// Premultiplied 8-bit colour is all there is
							// to compare of a translucent pixel, and the
							// reference rounds twice on its way there.
							g, w, tol = premul(g), premul(w), 2
						}
						if !within(g, w, tol) {
							t.Fatalf("%s %v by %d at (%d,%d): %v, want %v", name, sz, k, x, y, g, w)
						}
					}
				}
			}
		}
	}
}

// TestBoxReduceNoBleed: transparent pixels' colour does not reach the
// average.
func TestBoxReduceNoBleed(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for y := range 4 {
		for x := range 4 {
			c := color.NRGBA{0, 0, 255, 255}
			if x%2 == 0 {
				c = color.NRGBA{255, 0, 0, 0} // invisible red
			}
			m.SetNRGBA(x, y, c)
		}
	}
	got := boxReduce(m, 2).(*image.NRGBA)
	if c := got.NRGBAAt(1, 1); c != (color.NRGBA{0, 0, 255, 128}) {
		t.Errorf("got %v, want half-transparent blue", c)
	}
}

// checkPlanes checks that got is src's planes box-reduced by k, exactly.
func checkPlanes(t *testing.T, name string, src *image.YCbCr, got image.Image, k int) {
	t.Helper()
	g, ok := got.(*image.YCbCr)
	if !ok || g.SubsampleRatio != src.SubsampleRatio {
		t.Fatalf("%s: got %T, want *image.YCbCr %v", name, got, src.SubsampleRatio)
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	cw, ch := chromaSize(w, h, src.SubsampleRatio)
	for _, p := range []struct {
		name            string
		src, got        []byte
		stride, gstride int
		w, h            int
	}{
		{"Y", src.Y, g.Y, src.YStride, g.YStride, w, h},
		{"Cb", src.Cb, g.Cb, src.CStride, g.CStride, cw, ch},
		{"Cr", src.Cr, g.Cr, src.CStride, g.CStride, cw, ch},
	} {
		W, H := (p.w+k-1)/k, (p.h+k-1)/k
		if need := (H-1)*p.gstride + W; len(p.got) < need {
			t.Fatalf("%s: plane %s holds %d samples, want ≥ %d", name, p.name, len(p.got), need)
		}
		for Y := range H {
			for X := range W {
				sum, n := 0, 0
				for y := Y * k; y < min(Y*k+k, p.h); y++ {
					for x := X * k; x < min(X*k+k, p.w); x++ {
						sum += int(p.src[y*p.stride+x])
						n++
					}
				}
				if want := uint8((sum + n/2) / n); p.got[Y*p.gstride+X] != want {
					t.Fatalf("%s: plane %s (%d,%d): %d, want %d", name, p.name, X, Y, p.got[Y*p.gstride+X], want)
				}
			}
		}
	}
}

func premul(c color.NRGBA) color.NRGBA {
	r := color.RGBAModel.Convert(c).(color.RGBA)
	return color.NRGBA(r)
}

func within(a, b color.NRGBA, tol int) bool {
	d := func(x, y uint8) bool { v := int(x) - int(y); return v <= tol && -v <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && d(a.A, b.A)
}

// BenchmarkBoxReduce: a 22 MP 4:2:0 decode halved, as for a recompressed
// original's 1000 px variant.
// BenchmarkBoxReduce3 is a 22 MP 4:2:0 picture reduced by 3, as a fill
// of 400×400 from 12 MP is (reduceFactor): the per-plane block sums.
func BenchmarkBoxReduce3(b *testing.B) {
	m := image.NewYCbCr(image.Rect(0, 0, 5760, 3840), image.YCbCrSubsampleRatio420)
	b.SetBytes(int64(len(m.Y) + 2*len(m.Cb)))
	for b.Loop() {
		boxReduce(m, 3)
	}
}

func BenchmarkBoxReduce(b *testing.B) {
	m := image.NewYCbCr(image.Rect(0, 0, 5760, 3840), image.YCbCrSubsampleRatio420)
	b.SetBytes(int64(len(m.Y) + 2*len(m.Cb)))
	for b.Loop() {
		boxReduce(m, 2)
	}
}

// BenchmarkBoxReduceRGBA: a 15 MP RGBA PNG halved.
func BenchmarkBoxReduceRGBA(b *testing.B) {
	m := image.NewRGBA(image.Rect(0, 0, 4800, 3200))
	b.SetBytes(int64(len(m.Pix)))
	for b.Loop() {
		boxReduce(m, 2)
	}
}
