package variants

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
)

// imagingOrient is Orient as imaging does it, through NRGBA: the reference.
func imagingOrient(img image.Image, o int) image.Image {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	}
	return imaging.Rotate90(img)
}

// TestOrientDirect: for every orientation, the plane-by-plane result shows
// exactly imaging's pixels. Subsampled YCbCr is only turned plane by plane
// when its chroma grid maps onto itself (mirrored sides a multiple of the
// subsampling); otherwise Orient leaves it to imaging.
func TestOrientDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	fill := func(p []byte) {
		for i := range p {
			p[i] = uint8(rng.Uint32())
		}
	}
	for _, sz := range []image.Point{{1, 1}, {8, 4}, {40, 36}, {7, 5}, {33, 70}} {
		var srcs []image.Image
		g := image.NewGray(image.Rect(0, 0, sz.X, sz.Y))
		fill(g.Pix)
		n := image.NewNRGBA(image.Rect(0, 0, sz.X+2, sz.Y+1))
		fill(n.Pix)
		rgba := image.NewRGBA(image.Rect(0, 0, sz.X, sz.Y))
		for i := range rgba.Pix {
			rgba.Pix[i] = uint8(rng.Uint32()) & 0x7f // ≤ alpha below
			if i%4 == 3 {
				rgba.Pix[i] = 0x80 | uint8(rng.Uint32())
			}
		}
		srcs = append(srcs, g, n.SubImage(image.Rect(2, 1, sz.X+2, sz.Y+1)), rgba)
		for _, r := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
			image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
			m := image.NewYCbCr(image.Rect(0, 0, sz.X, sz.Y), r)
			fill(m.Y)
			fill(m.Cb)
			fill(m.Cr)
			srcs = append(srcs, m)
		}
		for _, src := range srcs {
			for o := 2; o <= 8; o++ {
				got, ok := orientDirect(src, o)
				wantOK := true
				if y, isY := src.(*image.YCbCr); isY {
					sub := map[image.YCbCrSubsampleRatio]image.Point{
						image.YCbCrSubsampleRatio422: {2, 1}, image.YCbCrSubsampleRatio420: {2, 2},
						image.YCbCrSubsampleRatio440: {1, 2}, image.YCbCrSubsampleRatio411: {4, 1},
						image.YCbCrSubsampleRatio410: {4, 2},
					}[y.SubsampleRatio]
					if sub == (image.Point{}) {
						sub = image.Pt(1, 1)
					}
					quarter := sub.X == 4 && o >= 5
					// Mirrored sides must hold whole chroma samples.
					mx := o == 2 || o == 3 || o == 7 || o == 8
					my := o == 3 || o == 4 || o == 6 || o == 7
					wantOK = !quarter && (!mx || sz.X%sub.X == 0) && (!my || sz.Y%sub.Y == 0)
				}
				if ok != wantOK {
					t.Fatalf("%T %v orientation %d: handled %v, want %v", src, sz, o, ok, wantOK)
				}
				if !ok {
					continue
				}
				want := imagingOrient(src, o)
				if got.Bounds() != want.Bounds() {
					t.Fatalf("%T %v orientation %d: bounds %v, want %v", src, sz, o, got.Bounds(), want.Bounds())
				}
				for y := range want.Bounds().Dy() {
					for x := range want.Bounds().Dx() {
						gc := color.NRGBAModel.Convert(got.At(x, y)).(color.NRGBA)
						wc := color.NRGBAModel.Convert(want.At(x, y)).(color.NRGBA)
						tol := 0
						if _, ok := src.(*image.RGBA); ok {
							tol = 1 // imaging un-premultiplies, rounding
						}
						if !within(gc, wc, tol) {
							t.Fatalf("%T %v orientation %d at (%d,%d): %v, want %v", src, sz, o, x, y, gc, wc)
						}
					}
				}
			}
		}
	}
}

// BenchmarkOrient: a 3 MP 4:2:0 phone photo stored sideways (orientation
// 6), turned by planes and by imaging.
func BenchmarkOrient(b *testing.B) {
	m := image.NewYCbCr(image.Rect(0, 0, 2048, 1536), image.YCbCrSubsampleRatio420)
	b.Run("planes", func(b *testing.B) {
		for b.Loop() {
			orientDirect(m, 6)
		}
	})
	b.Run("imaging", func(b *testing.B) {
		for b.Loop() {
			imaging.Rotate270(m)
		}
	})
}
