package jpeg

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// decTestPhoto returns a photo-like RGBA image: smooth gradients, a few
// edges and some noise, all deterministic in seed.
func decTestPhoto(w, h int, seed uint64, noise int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, 7))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r := 40 + 170*x/max(w, 1)
			g := 30 + 190*y/max(h, 1)
			b := 128 + int(100*float64((x*3+y*5)%97)/97) - 50
			if (x/23+y/17)%5 == 0 {
				r, b = b, r
			}
			if noise > 0 {
				r += rng.IntN(2*noise+1) - noise
				g += rng.IntN(2*noise+1) - noise
				b += rng.IntN(2*noise+1) - noise
			}
			i := m.PixOffset(x, y)
			m.Pix[i+0] = uint8(min(max(r, 0), 255))
			m.Pix[i+1] = uint8(min(max(g, 0), 255))
			m.Pix[i+2] = uint8(min(max(b, 0), 255))
			m.Pix[i+3] = 255
		}
	}
	return m
}

// decStdEncode encodes m with image/jpeg.
func decStdEncode(t testing.TB, m image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := stdjpeg.Encode(&buf, m, &stdjpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decGray returns m converted to gray.
func decGray(m image.Image) *image.Gray {
	b := m.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.Set(x, y, m.At(x, y))
		}
	}
	return g
}

// decDiff compares two decoded images of the same bounds and returns the
// largest and the mean absolute difference of any channel. YCbCr images of
// the same layout are compared plane by plane; others channel by channel
// of their natural pixel format (gray, RGBA, CMYK) or, failing that, of
// RGBA.
func decDiff(want, got image.Image) (maxd int, mean float64, err error) {
	if want.Bounds() != got.Bounds() {
		return 0, 0, fmt.Errorf("bounds %v, want %v", got.Bounds(), want.Bounds())
	}
	b := want.Bounds()
	var sum, n int
	acc := func(a, c uint8) {
		d := int(a) - int(c)
		if d < 0 {
			d = -d
		}
		maxd = max(maxd, d)
		sum += d
		n++
	}
	switch w := want.(type) {
	case *image.YCbCr:
		g, ok := got.(*image.YCbCr)
		if !ok || g.SubsampleRatio != w.SubsampleRatio {
			return 0, 0, fmt.Errorf("got %T, want %T %v", got, want, w.SubsampleRatio)
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				acc(w.Y[w.YOffset(x, y)], g.Y[g.YOffset(x, y)])
				acc(w.Cb[w.COffset(x, y)], g.Cb[g.COffset(x, y)])
				acc(w.Cr[w.COffset(x, y)], g.Cr[g.COffset(x, y)])
			}
		}
	case *image.Gray:
		g, ok := got.(*image.Gray)
		if !ok {
			return 0, 0, fmt.Errorf("got %T, want %T", got, want)
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				acc(w.GrayAt(x, y).Y, g.GrayAt(x, y).Y)
			}
		}
	case *image.CMYK:
		g, ok := got.(*image.CMYK)
		if !ok {
			return 0, 0, fmt.Errorf("got %T, want %T", got, want)
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				i, j := w.PixOffset(x, y), g.PixOffset(x, y)
				for c := 0; c < 4; c++ {
					acc(w.Pix[i+c], g.Pix[j+c])
				}
			}
		}
	default:
		if _, ok := got.(*image.RGBA); !ok {
			return 0, 0, fmt.Errorf("got %T, want RGBA", got)
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				p := color.RGBAModel.Convert(want.At(x, y)).(color.RGBA)
				q := color.RGBAModel.Convert(got.At(x, y)).(color.RGBA)
				acc(p.R, q.R)
				acc(p.G, q.G)
				acc(p.B, q.B)
				acc(p.A, q.A)
			}
		}
	}
	if n > 0 {
		mean = float64(sum) / float64(n)
	}
	return maxd, mean, nil
}

// decCheckStd decodes data with both decoders at full size and fails unless
// they agree to within one level (tol levels for outputs converted from
// YCbCr, where ±1 in a sample can become ±3 in a channel).
func decCheckStd(t *testing.T, name string, data []byte) {
	decCheckStdTol(t, name, data, 1)
}

func decCheckStdTol(t *testing.T, name string, data []byte, tol int) {
	t.Helper()
	want, err := stdjpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: image/jpeg: %v", name, err)
	}
	got, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: Decode: %v", name, err)
	}
	maxd, mean, err := decDiff(want, got)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if maxd > tol {
		t.Errorf("%s: max difference %d (mean %.4f), want ≤ %d", name, maxd, mean, tol)
	}
	wc, err1 := stdjpeg.DecodeConfig(bytes.NewReader(data))
	gc, err2 := DecodeConfig(bytes.NewReader(data))
	if err1 != nil || err2 != nil || wc != gc {
		t.Errorf("%s: DecodeConfig = %v, %v; image/jpeg: %v, %v", name, gc, err2, wc, err1)
	}
}

func TestDecodeStdlibEncoded(t *testing.T) {
	sizes := [][2]int{{1, 1}, {1, 9}, {9, 1}, {7, 7}, {8, 8}, {15, 17}, {16, 16}, {17, 15}, {31, 33}, {64, 48}, {100, 75}, {257, 129}}
	for _, sz := range sizes {
		for _, q := range []int{1, 50, 90, 100} {
			for _, gray := range []bool{false, true} {
				var m image.Image = decTestPhoto(sz[0], sz[1], uint64(sz[0]*1000+sz[1]), 20)
				if gray {
					m = decGray(m)
				}
				name := fmt.Sprintf("%dx%d q%d gray=%v", sz[0], sz[1], q, gray)
				decCheckStd(t, name, decStdEncode(t, m, q))
			}
		}
	}
}

func TestDecodeScaledSize(t *testing.T) {
	for _, c := range []struct{ w, h, d, sw, sh int }{
		{1, 1, 8, 1, 1}, {8, 8, 8, 1, 1}, {9, 17, 8, 2, 3}, {100, 75, 2, 50, 38}, {100, 75, 4, 25, 19}, {0, 5, 2, 0, 3},
	} {
		if sw, sh := ScaledSize(c.w, c.h, c.d); sw != c.sw || sh != c.sh {
			t.Errorf("ScaledSize(%d, %d, %d) = %d, %d, want %d, %d", c.w, c.h, c.d, sw, sh, c.sw, c.sh)
		}
	}
	data := decStdEncode(t, decTestPhoto(10, 10, 1, 0), 75)
	for _, denom := range []int{0, 3, 16, -1} {
		if _, err := DecodeScaled(bytes.NewReader(data), denom); err == nil {
			t.Errorf("DecodeScaled(denom=%d) succeeded", denom)
		}
	}
}

// decBoxDown returns the planes of a full-size decode box-averaged over
// denom×denom blocks, in the layout DecodeScaled returns, for comparing
// with it. YCbCr and gray images are reduced plane by plane including the
// MCU padding image/jpeg keeps beyond the bounds (which is what the reduced
// DCT averages too); other images channel by channel over the visible
// pixels.
func decBoxDown(m image.Image, denom int) image.Image {
	b := m.Bounds()
	sw, sh := ScaledSize(b.Dx(), b.Dy(), denom)
	box := func(pix []byte, stride, w, h, x0, y0, bpp, c int) byte {
		sum, n := 0, 0
		for y := y0; y < y0+denom && y < h; y++ {
			for x := x0; x < x0+denom && x < w; x++ {
				sum += int(pix[y*stride+x*bpp+c])
				n++
			}
		}
		return byte((sum + n/2) / n)
	}
	switch m := m.(type) {
	case *image.YCbCr:
		// The planes as allocated by image/jpeg: whole MCUs.
		yh := len(m.Y) / m.YStride
		ch := len(m.Cb) / m.CStride
		out := image.NewYCbCr(image.Rect(0, 0, sw, sh), m.SubsampleRatio)
		for y := 0; y < sh; y++ {
			for x := 0; x < sw; x++ {
				out.Y[out.YOffset(x, y)] = box(m.Y, m.YStride, m.YStride, yh, x*denom, y*denom, 1, 0)
			}
		}
		cw := m.CStride
		ox := out.Rect.Dx()
		for cy := 0; cy*out.CStride < len(out.Cb); cy++ {
			for cx := 0; cx < out.CStride && cx < ox; cx++ {
				if cx*denom >= cw || cy*denom >= ch {
					continue
				}
				out.Cb[cy*out.CStride+cx] = box(m.Cb, m.CStride, cw, ch, cx*denom, cy*denom, 1, 0)
				out.Cr[cy*out.CStride+cx] = box(m.Cr, m.CStride, cw, ch, cx*denom, cy*denom, 1, 0)
			}
		}
		return out
	case *image.Gray:
		h := len(m.Pix) / m.Stride
		out := image.NewGray(image.Rect(0, 0, sw, sh))
		for y := 0; y < sh; y++ {
			for x := 0; x < sw; x++ {
				out.Pix[y*out.Stride+x] = box(m.Pix, m.Stride, m.Stride, h, x*denom, y*denom, 1, 0)
			}
		}
		return out
	case *image.CMYK:
		out := image.NewCMYK(image.Rect(0, 0, sw, sh))
		for y := 0; y < sh; y++ {
			for x := 0; x < sw; x++ {
				for c := 0; c < 4; c++ {
					out.Pix[y*out.Stride+4*x+c] = box(m.Pix, m.Stride, b.Dx(), b.Dy(), x*denom, y*denom, 4, c)
				}
			}
		}
		return out
	}
	rgba := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			rgba.Set(x, y, m.At(x, y))
		}
	}
	out := image.NewRGBA(image.Rect(0, 0, sw, sh))
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			for c := 0; c < 4; c++ {
				out.Pix[y*out.Stride+4*x+c] = box(rgba.Pix, rgba.Stride, b.Dx(), b.Dy(), x*denom, y*denom, 4, c)
			}
		}
	}
	return out
}

// Bounds of DecodeScaled against a box-filtered full decode by image/jpeg,
// in levels: the mean absolute difference over all samples, and the
// largest. The reduced DCT differs from the box filter only through the
// high frequencies it leaves out (which alias into the box average), so
// noisy images differ more than smooth ones, and single samples next to
// sharp edges (black text on white) by up to about 90 at 1/2: the mean is
// the real check, the maximum only catches gross errors.
const (
	decScaledMeanBound = 2.0
	decScaledMaxBound  = 100
)

// decCheckScaled compares DecodeScaled at 2, 4 and 8 with a box-filtered
// full decode by image/jpeg.
func decCheckScaled(t *testing.T, name string, data []byte) {
	t.Helper()
	full, err := stdjpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: image/jpeg: %v", name, err)
	}
	for _, denom := range []int{2, 4, 8} {
		got, err := DecodeScaled(bytes.NewReader(data), denom)
		if err != nil {
			t.Fatalf("%s/%d: %v", name, denom, err)
		}
		sw, sh := ScaledSize(full.Bounds().Dx(), full.Bounds().Dy(), denom)
		if got.Bounds() != image.Rect(0, 0, sw, sh) {
			t.Fatalf("%s/%d: bounds %v, want %dx%d", name, denom, got.Bounds(), sw, sh)
		}
		maxd, mean, err := decDiff(decBoxDown(full, denom), got)
		if err != nil {
			t.Fatalf("%s/%d: %v", name, denom, err)
		}
		if testing.Verbose() {
			t.Logf("%s/%d: mean difference %.3f, max %d", name, denom, mean, maxd)
		}
		if mean > decScaledMeanBound || maxd > decScaledMaxBound {
			t.Errorf("%s/%d: mean difference %.3f (bound %.1f), max %d (bound %d)", name, denom, mean, decScaledMeanBound, maxd, decScaledMaxBound)
		}
	}
}

func TestDecodeScaledStdlibEncoded(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {7, 9}, {16, 16}, {33, 17}, {120, 90}, {257, 129}} {
		for _, gray := range []bool{false, true} {
			var m image.Image = decTestPhoto(sz[0], sz[1], 3, 6)
			if gray {
				m = decGray(m)
			}
			decCheckScaled(t, fmt.Sprintf("%dx%d gray=%v", sz[0], sz[1], gray), decStdEncode(t, m, 90))
		}
	}
}

func TestDecodeErrorTypes(t *testing.T) {
	var fe FormatError = "x"
	var ue UnsupportedError = "y"
	if fe.Error() == "" || ue.Error() == "" {
		t.Fatal("empty error text")
	}
	_, err := Decode(bytes.NewReader([]byte("not a jpeg")))
	if !errors.As(err, &fe) {
		t.Errorf("Decode(garbage) = %v, want FormatError", err)
	}
	_, err = Decode(bytes.NewReader(nil))
	if err != io.ErrUnexpectedEOF {
		t.Errorf("Decode(empty) = %v, want io.ErrUnexpectedEOF", err)
	}
}

// decCheckScaledPlanes compares the component planes of DecodeScaled at 2,
// 4 and 8 with the box-filtered planes of the full-size decode, over the
// blocks that cover each component. It checks the reduced decodes of
// images whose output mixes planes of different sampling (RGBA, CMYK),
// where the full-size planes have been checked against image/jpeg.
func decCheckScaledPlanes(t *testing.T, name string, data []byte) {
	t.Helper()
	full, err := decodePlanes(bytes.NewReader(data), 1)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, denom := range []int{2, 4, 8} {
		d, err := decodePlanes(bytes.NewReader(data), denom)
		if err != nil {
			t.Fatalf("%s/%d: %v", name, denom, err)
		}
		var sum, n, maxd int
		for i := 0; i < d.ncomp; i++ {
			c, f := &d.comp[i], &full.comp[i]
			for y := 0; y < c.bh*d.k; y++ {
				for x := 0; x < c.bw*d.k; x++ {
					s := 0
					for yy := 0; yy < denom; yy++ {
						for xx := 0; xx < denom; xx++ {
							s += int(f.plane[(y*denom+yy)*f.stride+x*denom+xx])
						}
					}
					diff := int(c.plane[y*c.stride+x]) - (s+denom*denom/2)/(denom*denom)
					diff = max(diff, -diff)
					maxd = max(maxd, diff)
					sum += diff
					n++
				}
			}
		}
		if n == 0 {
			continue
		}
		meanBound := decScaledMeanBound
		if n < 256 {
			meanBound *= 2 // a few blocks: the mean is noisy
		}
		if mean := float64(sum) / float64(n); mean > meanBound || maxd > decScaledMaxBound {
			t.Errorf("%s/%d planes: mean difference %.3f (bound %.1f), max %d (bound %d)", name, denom, mean, meanBound, maxd, decScaledMaxBound)
		}
	}
}

// TestDecodeShortReads decodes through readers that return one byte, or
// half of what is asked, at a time: an 0xFF at the end of a short read
// is not the end of the data.
func TestDecodeShortReads(t *testing.T) {
	src := decTestPhoto(75, 53, 8, 6)
	files := map[string][]byte{"image/jpeg": decStdEncode(t, src, 90)}
	for _, v := range decVariants() {
		files[v.name] = twEncode(twPlanes(src, len(v.o.comps), v.rgb, v.o.adobe > 0), 75, 53, v.o)
	}
	readers := map[string]func(io.Reader) io.Reader{"one byte": iotest.OneByteReader, "half": iotest.HalfReader}
	for name, data := range files {
		want, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for rname, r := range readers {
			got, err := Decode(r(bytes.NewReader(data)))
			if err != nil {
				t.Errorf("%s/%s: %v", name, rname, err)
				continue
			}
			if maxd, _, err := decDiff(want, got); err != nil || maxd != 0 {
				t.Errorf("%s/%s: differs by %d %v", name, rname, maxd, err)
			}
		}
	}
}
