package jpeg

import (
	"bytes"
	"fmt"
	"image"
	"testing"
)

// TestDecodeResize checks DecodeResize against DecodeScaled: for a 4:4:4
// sequential JPEG at 1/2 and 1/4, the same luma to the bit, 4:2:0 chroma
// that is DecodeScaled's chroma at twice the denominator, to the bit, and
// close to the 2×2 means of DecodeScaled's chroma at the same one (the
// DCT-domain reduction keeps only the lower frequencies, so on this test
// photo's sharp edges a sample may be a few levels off, on average under
// one, as for scaled decodes against a box-reduced full one); for
// every other case (other scales, 4:2:0, progressive, RGB, gray) the same
// image.
func TestDecodeResize(t *testing.T) {
	src := decTestPhoto(203, 141, 3, 6)
	rgb := func(o twOptions) twOptions { o.adobe = 0; return o }
	for _, v := range []struct {
		name  string
		data  []byte
		halve bool
	}{
		{"444", twEncode(twPlanes(src, 3, false, false), 203, 141, twOptions{comps: decYCbCrComps(0x11, 0x11), jfif: true, adobe: -1}), true},
		{"444-restart", twEncode(twPlanes(src, 3, false, false), 203, 141, twOptions{comps: decYCbCrComps(0x11, 0x11), restart: 5, jfif: true, adobe: -1}), true},
		{"420", twEncode(twPlanes(src, 3, false, false), 203, 141, twOptions{comps: decYCbCrComps(0x22, 0x11), jfif: true, adobe: -1}), false},
		{"444-progressive", twEncode(twPlanes(src, 3, false, false), 203, 141, twOptions{comps: decYCbCrComps(0x11, 0x11), sof: decSOF2, jfif: true, adobe: -1}), false},
		{"rgb", twEncode(twPlanes(src, 3, false, false), 203, 141, rgb(twOptions{comps: decYCbCrComps(0x11, 0x11)})), false},
		{"gray", decStdEncode(t, decGray(src), 90), false},
	} {
		for _, denom := range []int{1, 2, 4, 8} {
			name := fmt.Sprintf("%s/%d", v.name, denom)
			want, err := DecodeScaled(bytes.NewReader(v.data), denom)
			if err != nil {
				t.Fatalf("%s: DecodeScaled: %v", name, err)
			}
			got, err := DecodeResize(bytes.NewReader(v.data), denom)
			if err != nil {
				t.Fatalf("%s: DecodeResize: %v", name, err)
			}
			if got.Bounds() != want.Bounds() {
				t.Fatalf("%s: bounds %v, want %v", name, got.Bounds(), want.Bounds())
			}
			if !v.halve || denom == 1 || denom == 8 {
				if maxd, _, err := decDiff(want, got); err != nil || maxd != 0 {
					t.Errorf("%s: differs from DecodeScaled (max %d, %v)", name, maxd, err)
				}
				continue
			}
			g, ok := got.(*image.YCbCr)
			w := want.(*image.YCbCr)
			if !ok || g.SubsampleRatio != image.YCbCrSubsampleRatio420 || w.SubsampleRatio != image.YCbCrSubsampleRatio444 {
				t.Fatalf("%s: %T, want 4:2:0 from 4:4:4", name, got)
			}
			b := w.Rect
			for y := 0; y < b.Dy(); y++ {
				if !bytes.Equal(g.Y[y*g.YStride:][:b.Dx()], w.Y[y*w.YStride:][:b.Dx()]) {
					t.Fatalf("%s: luma row %d differs", name, y)
				}
			}
			half, err := DecodeScaled(bytes.NewReader(v.data), 2*denom)
			if err != nil {
				t.Fatal(err)
			}
			h := half.(*image.YCbCr)
			cw, ch := (b.Dx()+1)/2, (b.Dy()+1)/2
			for y := 0; y < ch; y++ {
				if !bytes.Equal(g.Cb[y*g.CStride:][:cw], h.Cb[y*h.CStride:][:cw]) || !bytes.Equal(g.Cr[y*g.CStride:][:cw], h.Cr[y*h.CStride:][:cw]) {
					t.Fatalf("%s: chroma row %d is not DecodeScaled's at 1/%d", name, y, 2*denom)
				}
			}
			worst, sum, n := 0, 0, 0
			for _, pl := range [][2][]byte{{g.Cb, w.Cb}, {g.Cr, w.Cr}} {
				for y := 0; y < (b.Dy()+1)/2; y++ {
					for x := 0; x < (b.Dx()+1)/2; x++ {
						x1, y1 := min(2*x+1, b.Dx()-1), min(2*y+1, b.Dy()-1)
						s := int(pl[1][2*y*w.CStride+2*x]) + int(pl[1][2*y*w.CStride+x1]) +
							int(pl[1][y1*w.CStride+2*x]) + int(pl[1][y1*w.CStride+x1])
						d := int(pl[0][y*g.CStride+x]) - (s+2)/4
						worst = max(worst, d, -d)
						sum += max(d, -d)
						n++
					}
				}
			}
			if mean := float64(sum) / float64(n); mean > 1 || worst > 16 {
				t.Errorf("%s: chroma %.3f levels on average (max %d) from the 2×2 means of DecodeScaled's", name, mean, worst)
			} else {
				t.Logf("%s: chroma %.3f levels on average (max %d) from the 2×2 means", name, mean, worst)
			}
		}
	}
}
