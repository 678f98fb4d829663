package boxavg

import (
	"image"
	"math/rand/v2"
	"testing"
)

// TestTo420 checks To420 against the definition (each 4:2:0 chroma sample
// the rounded mean of the source samples it merges, the last column and
// row standing in for a missing half) for 4:4:4, 4:2:2 and 4:4:0 images of
// odd and even sizes, and that the luma is the source's.
func TestTo420(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, r := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio440} {
		for _, sz := range []image.Point{{1, 1}, {2, 2}, {3, 5}, {64, 33}, {65, 32}, {97, 71}} {
			m := image.NewYCbCr(image.Rect(0, 0, sz.X, sz.Y), r)
			for _, p := range [][]byte{m.Y, m.Cb, m.Cr} {
				for i := range p {
					p[i] = uint8(rng.Uint32())
				}
			}
			out := To420(m)
			if out.SubsampleRatio != image.YCbCrSubsampleRatio420 {
				t.Fatalf("%v %v: ratio %v", r, sz, out.SubsampleRatio)
			}
			for y := range sz.Y {
				for x := range sz.X {
					if out.Y[out.YOffset(x, y)] != m.Y[m.YOffset(x, y)] {
						t.Fatalf("%v %v: luma (%d,%d) differs", r, sz, x, y)
					}
				}
			}
			sx, sy := 2, 2
			switch r {
			case image.YCbCrSubsampleRatio422:
				sx = 1
			case image.YCbCrSubsampleRatio440:
				sy = 1
			}
			sw := (sz.X + 2 - sx) / (3 - sx)
			sh := (sz.Y + 2 - sy) / (3 - sy)
			for _, pl := range [][2][]byte{{out.Cb, m.Cb}, {out.Cr, m.Cr}} {
				for y := range (sz.Y + 1) / 2 {
					for x := range (sz.X + 1) / 2 {
						y0, y1 := y*sy, min(y*sy+sy-1, sh-1)
						x0, x1 := x*sx, min(x*sx+sx-1, sw-1)
						src := pl[1]
						s := int(src[y0*m.CStride+x0]) + int(src[y0*m.CStride+x1]) + int(src[y1*m.CStride+x0]) + int(src[y1*m.CStride+x1])
						if got, want := pl[0][y*out.CStride+x], uint8((s+2)/4); got != want {
							t.Fatalf("%v %v: chroma (%d,%d) = %d, want %d", r, sz, x, y, got, want)
						}
					}
				}
			}
		}
	}
}
