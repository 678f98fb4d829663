//go:build cgo && turbojpeg

package codecs

import (
	"bytes"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/blobimage/blobimage/codecs/turbojpeg"
)

// TestTo420 checks to420 against the definition (each 4:2:0 chroma sample
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
			out := to420(m).(*image.YCbCr)
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

// TestTurboDecode444 checks that a 4:4:4 JPEG decoded by libjpeg-turbo at
// 1/2 and 1/4 comes back 4:2:0, its chroma that of libjpeg-turbo's 4:4:4
// decode merged by to420 and its luma unchanged, as the pure-Go build's
// DecodeResize gives it; at full size and 1/8 it stays 4:4:4.
func TestTurboDecode444(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	m := image.NewYCbCr(image.Rect(0, 0, 203, 141), image.YCbCrSubsampleRatio444)
	for y := range 141 {
		for x := range 203 {
			i := m.YOffset(x, y)
			m.Y[i], m.Cb[i], m.Cr[i] = uint8(x+y), uint8(128+x/4-y/3), uint8(100+y/2+rng.IntN(3))
		}
	}
	var buf bytes.Buffer
	if err := turbojpeg.Encode(&buf, m, 90); err != nil {
		t.Fatal(err)
	}
	for _, denom := range []int{1, 2, 4, 8} {
		ref, err := turbojpeg.DecodeScaled(buf.Bytes(), denom)
		if err != nil {
			t.Fatal(err)
		}
		if r := ref.(*image.YCbCr).SubsampleRatio; r != image.YCbCrSubsampleRatio444 {
			t.Fatalf("libjpeg-turbo wrote or read %v, want 4:4:4", r)
		}
		got, err := turboDecode(bytes.NewReader(buf.Bytes()), denom)
		if err != nil {
			t.Fatal(err)
		}
		want := ref
		if denom == 2 || denom == 4 {
			want = to420(ref.(*image.YCbCr))
		}
		g, w := got.(*image.YCbCr), want.(*image.YCbCr)
		if g.SubsampleRatio != w.SubsampleRatio || g.Rect != w.Rect || !bytes.Equal(g.Y, w.Y) || !bytes.Equal(g.Cb, w.Cb) || !bytes.Equal(g.Cr, w.Cr) {
			t.Errorf("1/%d: %v %v, want %v %v and the same samples", denom, g.SubsampleRatio, g.Rect, w.SubsampleRatio, w.Rect)
		}
	}
}
