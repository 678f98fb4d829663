//go:build cgo && turbojpeg

package turbojpeg

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	stdjpeg "image/jpeg"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testPhoto returns a deterministic photo-like w×h picture: smooth colour
// gradients, a few hard-edged shapes and mild noise.
func testPhoto(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 7))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	col := make([][3]float64, w)
	row := make([][3]float64, h)
	var ph [6]float64
	for i := range ph {
		ph[i] = rng.Float64() * 6
	}
	for x := range col {
		f := float64(x) / float64(w)
		col[x] = [3]float64{60 * math.Sin(5*f+ph[0]), 50 * math.Sin(3*f+ph[1]), 40 * math.Sin(7*f+ph[2])}
	}
	for y := range row {
		f := float64(y) / float64(h)
		row[y] = [3]float64{50 * math.Sin(4*f+ph[3]), 60 * math.Sin(6*f+ph[4]), 50 * math.Sin(2*f+ph[5])}
	}
	type rect struct {
		r image.Rectangle
		c [3]float64
	}
	var rects []rect
	for range 12 {
		x0, y0 := rng.IntN(w), rng.IntN(h)
		rects = append(rects, rect{
			image.Rect(x0, y0, x0+1+rng.IntN(w/3+1), y0+1+rng.IntN(h/3+1)),
			[3]float64{rng.Float64()*120 - 60, rng.Float64()*120 - 60, rng.Float64()*120 - 60},
		})
	}
	for y := range h {
		p := m.Pix[y*m.Stride:]
		for x := range w {
			var v [3]float64
			for c := range 3 {
				v[c] = 128 + col[x][c] + row[y][c]
			}
			for _, r := range rects {
				if (image.Point{x, y}).In(r.r) {
					for c := range 3 {
						v[c] += r.c[c]
					}
				}
			}
			n := float64(rng.IntN(9) - 4)
			for c := range 3 {
				p[4*x+c] = uint8(min(max(v[c]+n, 0), 255))
			}
			p[4*x+3] = 255
		}
	}
	return m
}

func stdEncode(t testing.TB, m image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := stdjpeg.Encode(&buf, m, &stdjpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func stdDecode(t testing.TB, data []byte) image.Image {
	t.Helper()
	m, err := stdjpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func encode(t testing.TB, m image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, m, q); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// toRGBA draws m into an RGBA image at the origin.
func rgba(m image.Image) *image.RGBA {
	b := m.Bounds()
	c := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(c, c.Bounds(), m, b.Min, draw.Src)
	return c
}

// rgbDiff returns the largest and the mean absolute difference of the RGB
// channels of a and b, which must have the same size.
func rgbDiff(t testing.TB, a, b image.Image) (maxd int, mean float64) {
	t.Helper()
	ra, rb := rgba(a), rgba(b)
	if ra.Rect != rb.Rect {
		t.Fatalf("sizes differ: %v, %v", a.Bounds(), b.Bounds())
	}
	var sum int64
	for y := range ra.Rect.Dy() {
		pa, pb := ra.Pix[y*ra.Stride:], rb.Pix[y*rb.Stride:]
		for i := range 4 * ra.Rect.Dx() {
			if i%4 == 3 {
				continue
			}
			d := int(pa[i]) - int(pb[i])
			if d < 0 {
				d = -d
			}
			sum += int64(d)
			maxd = max(maxd, d)
		}
	}
	return maxd, float64(sum) / float64(3*ra.Rect.Dx()*ra.Rect.Dy())
}

// psnr is the peak signal-to-noise ratio of b against a over RGB, in dB.
func psnr(t testing.TB, a, b image.Image) float64 {
	t.Helper()
	ra, rb := rgba(a), rgba(b)
	var se float64
	for y := range ra.Rect.Dy() {
		pa, pb := ra.Pix[y*ra.Stride:], rb.Pix[y*rb.Stride:]
		for i := range 4 * ra.Rect.Dx() {
			if i%4 != 3 {
				d := float64(pa[i]) - float64(pb[i])
				se += d * d
			}
		}
	}
	mse := se / float64(3*ra.Rect.Dx()*ra.Rect.Dy())
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// sampleDiff compares two images of the same type sample by sample: the
// Y, Cb and Cr of YCbCr images (no chroma upsampling involved), gray
// levels, or CMYK channels.
func sampleDiff(t testing.TB, a, b image.Image) (maxd int, mean float64) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds differ: %v, %v", a.Bounds(), b.Bounds())
	}
	var sum, n int64
	add := func(u, v uint8) {
		d := int(u) - int(v)
		if d < 0 {
			d = -d
		}
		sum += int64(d)
		n++
		maxd = max(maxd, d)
	}
	r := a.Bounds()
	switch a := a.(type) {
	case *image.YCbCr:
		b, ok := b.(*image.YCbCr)
		if !ok || a.SubsampleRatio != b.SubsampleRatio {
			t.Fatalf("got %T %v, want *image.YCbCr %v", b, subsample(b), a.SubsampleRatio)
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				ca, cb := a.YCbCrAt(x, y), b.YCbCrAt(x, y)
				add(ca.Y, cb.Y)
				add(ca.Cb, cb.Cb)
				add(ca.Cr, cb.Cr)
			}
		}
	case *image.Gray:
		b, ok := b.(*image.Gray)
		if !ok {
			t.Fatalf("got %T, want *image.Gray", b)
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				add(a.GrayAt(x, y).Y, b.GrayAt(x, y).Y)
			}
		}
	case *image.CMYK:
		b, ok := b.(*image.CMYK)
		if !ok {
			t.Fatalf("got %T, want *image.CMYK", b)
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				ca, cb := a.CMYKAt(x, y), b.CMYKAt(x, y)
				add(ca.C, cb.C)
				add(ca.M, cb.M)
				add(ca.Y, cb.Y)
				add(ca.K, cb.K)
			}
		}
	default:
		t.Fatalf("sampleDiff: unexpected %T", a)
	}
	return maxd, float64(sum) / float64(n)
}

func subsample(m image.Image) any {
	if y, ok := m.(*image.YCbCr); ok {
		return y.SubsampleRatio
	}
	return ""
}

// toYCbCr converts m to a new *image.YCbCr of ratio r with Go's equations
// (chroma from the top-left pixel of each block, as image.YCbCr defines).
func toYCbCr(m image.Image, r image.YCbCrSubsampleRatio) *image.YCbCr {
	b := m.Bounds()
	out := image.NewYCbCr(b, r)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.YCbCrModel.Convert(m.At(x, y)).(color.YCbCr)
			out.Y[out.YOffset(x, y)] = c.Y
			ci := out.COffset(x, y)
			out.Cb[ci], out.Cr[ci] = c.Cb, c.Cr
		}
	}
	return out
}

func toGray(m image.Image) *image.Gray {
	g := image.NewGray(m.Bounds())
	draw.Draw(g, g.Rect, m, m.Bounds().Min, draw.Src)
	return g
}

// TestRoundTripStd decodes image/jpeg's JPEGs (4:2:0 colour and gray) at
// full size and compares with image/jpeg's decode, sample by sample.
func TestRoundTripStd(t *testing.T) {
	for _, size := range []image.Point{{333, 257}, {64, 64}, {1, 1}, {17, 9}} {
		photo := testPhoto(size.X, size.Y, 1)
		for _, tc := range []struct {
			name string
			m    image.Image
		}{{"420", photo}, {"gray", toGray(photo)}} {
			t.Run(fmt.Sprintf("%s/%dx%d", tc.name, size.X, size.Y), func(t *testing.T) {
				data := stdEncode(t, tc.m, 85)
				want := stdDecode(t, data)
				cfg, err := DecodeConfig(data)
				if err != nil {
					t.Fatal(err)
				}
				wantCfg, _ := stdjpeg.DecodeConfig(bytes.NewReader(data))
				if cfg != wantCfg {
					t.Errorf("DecodeConfig = %+v, image/jpeg %+v", cfg, wantCfg)
				}
				got, err := DecodeScaled(data, 1)
				if err != nil {
					t.Fatal(err)
				}
				maxd, mean := sampleDiff(t, want, got)
				if maxd > 2 {
					t.Errorf("samples differ by up to %d (mean %.3f), want ≤ 2", maxd, mean)
				}
			})
		}
	}
}

// TestSubsamplings encodes Y'CbCr images of every subsampling TurboJPEG
// has from their planes, and decodes the result with image/jpeg and with
// DecodeScaled: same subsampling, same samples within 2, and close to the
// source.
func TestSubsamplings(t *testing.T) {
	photo := testPhoto(203, 131, 2)
	for _, r := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411,
	} {
		t.Run(r.String(), func(t *testing.T) {
			src := toYCbCr(photo, r)
			data := encode(t, src, 95)
			want := stdDecode(t, data)
			if got := subsample(want); got != r {
				t.Fatalf("image/jpeg decodes %v, want %v", got, r)
			}
			if p := psnr(t, src, want); p < 38 {
				t.Errorf("PSNR %.1f dB at q95, want ≥ 38", p)
			}
			got, err := DecodeScaled(data, 1)
			if err != nil {
				t.Fatal(err)
			}
			if maxd, mean := sampleDiff(t, want, got); maxd > 2 {
				t.Errorf("samples differ from image/jpeg by up to %d (mean %.3f), want ≤ 2", maxd, mean)
			}
			for _, d := range []int{2, 4, 8} {
				m, err := DecodeScaled(data, d)
				if err != nil {
					t.Fatal(err)
				}
				if subsample(m) != r {
					t.Errorf("1/%d: got %T %v", d, m, subsample(m))
				}
				if want := image.Rect(0, 0, (203+d-1)/d, (131+d-1)/d); m.Bounds() != want {
					t.Errorf("1/%d: bounds %v, want %v", d, m.Bounds(), want)
				}
			}
		})
	}
}

// boxDown averages d×d blocks of m (partial blocks at the right and bottom
// edges), to bounds ⌈w/d⌉×⌈h/d⌉.
func boxDown(m image.Image, d int) *image.RGBA {
	src := rgba(m)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	out := image.NewRGBA(image.Rect(0, 0, (w+d-1)/d, (h+d-1)/d))
	for oy := range out.Rect.Dy() {
		for ox := range out.Rect.Dx() {
			var s [4]int
			n := 0
			for y := oy * d; y < min(oy*d+d, h); y++ {
				for x := ox * d; x < min(ox*d+d, w); x++ {
					p := src.Pix[y*src.Stride+4*x:]
					for c := range 4 {
						s[c] += int(p[c])
					}
					n++
				}
			}
			for c := range 4 {
				out.Pix[oy*out.Stride+4*ox+c] = uint8((s[c] + n/2) / n)
			}
		}
	}
	return out
}

// boxPlane averages d×d blocks of the w×h samples of p (at stride),
// partial blocks at the right and bottom edges included.
func boxPlane(p []byte, stride, w, h, d int) (out []byte, ow, oh int) {
	ow, oh = (w+d-1)/d, (h+d-1)/d
	out = make([]byte, ow*oh)
	for oy := range oh {
		for ox := range ow {
			s, n := 0, 0
			for y := oy * d; y < min(oy*d+d, h); y++ {
				for x := ox * d; x < min(ox*d+d, w); x++ {
					s += int(p[y*stride+x])
					n++
				}
			}
			out[oy*ow+ox] = uint8((s + n/2) / n)
		}
	}
	return out, ow, oh
}

// planeError is the mean absolute difference between image/jpeg's full
// decode want, box-averaged plane by plane (Y, Cb, Cr on their own grids,
// or gray), and got, decoded at 1/d.
func planeError(t *testing.T, want, got image.Image, d int) float64 {
	t.Helper()
	type pl struct {
		p            []byte
		stride, w, h int
	}
	planes := func(m image.Image) []pl {
		switch m := m.(type) {
		case *image.Gray:
			return []pl{{m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy()}}
		case *image.YCbCr:
			w, h := m.Rect.Dx(), m.Rect.Dy()
			cw, ch := w, h
			switch m.SubsampleRatio {
			case image.YCbCrSubsampleRatio420:
				cw, ch = (w+1)/2, (h+1)/2
			case image.YCbCrSubsampleRatio422:
				cw = (w + 1) / 2
			}
			return []pl{{m.Y, m.YStride, w, h}, {m.Cb, m.CStride, cw, ch}, {m.Cr, m.CStride, cw, ch}}
		}
		t.Fatalf("planeError: %T", m)
		return nil
	}
	wp, gp := planes(want), planes(got)
	var sum, n int
	for i := range wp {
		box, ow, oh := boxPlane(wp[i].p, wp[i].stride, wp[i].w, wp[i].h, d)
		if ow != gp[i].w || oh != gp[i].h {
			t.Fatalf("plane %d: %d×%d, box-averaged %d×%d", i, gp[i].w, gp[i].h, ow, oh)
		}
		for y := range oh {
			for x := range ow {
				e := int(box[y*ow+x]) - int(gp[i].p[y*gp[i].stride+x])
				sum += max(e, -e)
				n++
			}
		}
	}
	return float64(sum) / float64(n)
}

// TestScaled checks DecodeScaled at 1/2, 1/4 and 1/8: exact bounds, and
// the error against image/jpeg's full decode box-averaged d×d:
//   - plane by plane (Y, Cb, Cr each on its own grid, or gray): mean
//     |error| at most 0.5 levels;
//   - in RGB: mean |error| at most 2.5 levels at 1/2 and 1/4, 5 at 1/8
//     (chroma is 4:2:0: one sample per 2×2 output pixels, against per-pixel
//     averages of the box filter, which show at the hard colour edges of the
//     test picture).
//
// Images smaller than a block are checked for bounds only: there the IDCT's
// averages include the encoder's padding.
func TestScaled(t *testing.T) {
	for _, size := range []image.Point{{640, 480}, {333, 257}, {7, 5}, {1, 1}, {9, 17}} {
		photo := testPhoto(size.X, size.Y, 3)
		for _, tc := range []struct {
			name string
			m    image.Image
		}{{"420", photo}, {"gray", toGray(photo)}} {
			data := stdEncode(t, tc.m, 90)
			full := stdDecode(t, data)
			for _, d := range []int{2, 4, 8} {
				t.Run(fmt.Sprintf("%s/%dx%d/%d", tc.name, size.X, size.Y, d), func(t *testing.T) {
					m, err := DecodeScaled(data, d)
					if err != nil {
						t.Fatal(err)
					}
					want := image.Rect(0, 0, (size.X+d-1)/d, (size.Y+d-1)/d)
					if m.Bounds() != want {
						t.Fatalf("bounds %v, want %v", m.Bounds(), want)
					}
					if fmt.Sprintf("%T", m) != fmt.Sprintf("%T", full) {
						t.Errorf("got %T, image/jpeg %T", m, full)
					}
					if size.X < 64 {
						return
					}
					pe := planeError(t, full, m, d)
					_, mean := rgbDiff(t, boxDown(full, d), m)
					t.Logf("mean |error|: planes %.2f, RGB %.2f", pe, mean)
					if pe > 0.5 {
						t.Errorf("planes: mean error %.2f, want ≤ 0.5", pe)
					}
					if bound := map[int]float64{2: 2.5, 4: 2.5, 8: 5}[d]; mean > bound {
						t.Errorf("RGB: mean error %.2f, want ≤ %.1f", mean, bound)
					}
				})
			}
		}
	}
}

// TestCMYK decodes YCCK JPEGs (written by TurboJPEG with Adobe's inverted
// values, since Go cannot write CMYK) and compares with image/jpeg.
func TestCMYK(t *testing.T) {
	photo := testPhoto(99, 67, 4)
	cmyk := image.NewCMYK(photo.Rect)
	draw.Draw(cmyk, cmyk.Rect, photo, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := encodeYCCK(&buf, cmyk, 95); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	want := stdDecode(t, data)
	cfg, err := DecodeConfig(data)
	if err != nil || cfg.ColorModel != color.CMYKModel || cfg.Width != 99 || cfg.Height != 67 {
		t.Errorf("DecodeConfig = %+v, %v", cfg, err)
	}
	got, err := DecodeScaled(data, 1)
	if err != nil {
		t.Fatal(err)
	}
	if maxd, mean := sampleDiff(t, want, got); maxd > 3 || mean > 0.5 {
		t.Errorf("CMYK differs from image/jpeg by up to %d (mean %.3f)", maxd, mean)
	}
	if maxd, mean := sampleDiff(t, cmyk, got); mean > 2 {
		t.Errorf("CMYK differs from the source by up to %d (mean %.3f)", maxd, mean)
	}
	m, err := DecodeScaled(data, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*image.CMYK); !ok || m.Bounds() != image.Rect(0, 0, 25, 17) {
		t.Errorf("1/4: %T %v", m, m.Bounds())
	}
}

// TestEncode encodes every kind of image at q90 and decodes with image/jpeg.
func TestEncode(t *testing.T) {
	photo := testPhoto(321, 203, 5)
	gray := toGray(photo)
	nrgba := image.NewNRGBA(photo.Rect)
	draw.Draw(nrgba, nrgba.Rect, photo, image.Point{}, draw.Src)
	translucent := image.NewNRGBA(photo.Rect)
	draw.Draw(translucent, translucent.Rect, photo, image.Point{}, draw.Src)
	for i := 3; i < len(translucent.Pix)/2; i += 4 {
		translucent.Pix[i] = 100 // top half at alpha 100
	}
	cmyk := image.NewCMYK(photo.Rect)
	draw.Draw(cmyk, cmyk.Rect, photo, image.Point{}, draw.Src)
	ycc := toYCbCr(photo, image.YCbCrSubsampleRatio420)
	stdYCC := stdDecode(t, stdEncode(t, photo, 100)).(*image.YCbCr) // MCU-padded planes
	rgbaSub := photo.SubImage(image.Rect(11, 7, 300, 190))
	yccSubAligned := ycc.SubImage(image.Rect(10, 6, 301, 191))
	yccSubOdd := ycc.SubImage(image.Rect(11, 7, 300, 190))

	for _, tc := range []struct {
		name  string
		m     image.Image
		ratio any // want image/jpeg to decode this subsampling ("" for gray)
		floor float64
	}{
		{"RGBA", photo, image.YCbCrSubsampleRatio420, 34},
		{"RGBA-sub", rgbaSub, image.YCbCrSubsampleRatio420, 34},
		{"NRGBA", nrgba, image.YCbCrSubsampleRatio420, 34},
		{"NRGBA-translucent", translucent, image.YCbCrSubsampleRatio420, 34},
		{"Gray", gray, "", 38},
		{"Gray-sub", gray.SubImage(image.Rect(3, 3, 50, 40)), "", 38},
		{"CMYK", cmyk, image.YCbCrSubsampleRatio420, 34},
		{"YCbCr420", ycc, image.YCbCrSubsampleRatio420, 34},
		{"YCbCr420-std", stdYCC, image.YCbCrSubsampleRatio420, 34},
		{"YCbCr420-sub", yccSubAligned, image.YCbCrSubsampleRatio420, 34},
		{"YCbCr420-oddsub", yccSubOdd, image.YCbCrSubsampleRatio420, 34},
		{"YCbCr410", toYCbCr(photo, image.YCbCrSubsampleRatio410), image.YCbCrSubsampleRatio420, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := encode(t, tc.m, 90)
			got := stdDecode(t, data)
			if got.Bounds().Size() != tc.m.Bounds().Size() {
				t.Fatalf("size %v, want %v", got.Bounds().Size(), tc.m.Bounds().Size())
			}
			if subsample(got) != tc.ratio {
				t.Errorf("decodes as %T %v, want %v", got, subsample(got), tc.ratio)
			}
			if p := psnr(t, tc.m, got); p < tc.floor {
				t.Errorf("PSNR %.1f dB, want ≥ %.0f", p, tc.floor)
			} else {
				t.Logf("PSNR %.1f dB, %d bytes", p, len(data))
			}
		})
	}

	// Against image/jpeg's own q90 encode of the same picture.
	ours, theirs := psnr(t, photo, stdDecode(t, encode(t, photo, 90))), psnr(t, photo, stdDecode(t, stdEncode(t, photo, 90)))
	t.Logf("q90 PSNR: turbojpeg %.2f dB, image/jpeg %.2f dB", ours, theirs)
	if ours < theirs-0.5 {
		t.Errorf("q90 PSNR %.2f dB, image/jpeg %.2f", ours, theirs)
	}
	// Quality out of range is clamped.
	if lo, q1 := encode(t, photo, -5), encode(t, photo, 1); !bytes.Equal(lo, q1) {
		t.Error("quality -5 differs from 1")
	}
	if hi, q100 := encode(t, photo, 500), encode(t, photo, 100); !bytes.Equal(hi, q100) {
		t.Error("quality 500 differs from 100")
	}
}

type errWriter struct{ err error }

func (w errWriter) Write(p []byte) (int, error) { return 0, w.err }

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestEncodeErrors(t *testing.T) {
	boom := errors.New("boom")
	photo := testPhoto(40, 30, 6)
	for _, m := range []image.Image{photo, toGray(photo), toYCbCr(photo, image.YCbCrSubsampleRatio444)} {
		if err := Encode(errWriter{boom}, m, 90); !errors.Is(err, boom) {
			t.Errorf("%T: write error: got %v", m, err)
		}
		if err := Encode(shortWriter{}, m, 90); !errors.Is(err, io.ErrShortWrite) {
			t.Errorf("%T: short write: got %v", m, err)
		}
	}
	if err := Encode(io.Discard, image.NewRGBA(image.Rect(0, 0, 0, 10)), 90); err == nil {
		t.Error("empty image: no error")
	}
	if err := Encode(io.Discard, image.NewGray(image.Rect(0, 0, 70000, 1)), 90); !errors.Is(err, ErrTooLarge) {
		t.Errorf("70000×1: got %v, want ErrTooLarge", err)
	}
	// Calls after failures still work.
	if _, err := DecodeScaled(encode(t, photo, 80), 1); err != nil {
		t.Error(err)
	}
}

func TestDecodeErrors(t *testing.T) {
	data := stdEncode(t, testPhoto(16, 16, 8), 80)
	for _, d := range []int{0, 3, 16, -1} {
		if _, err := DecodeScaled(data, d); err == nil {
			t.Errorf("denom %d: no error", d)
		}
	}
	for _, bad := range [][]byte{nil, {}, []byte("not a jpeg at all"), {0xff, 0xd8}, {0xff, 0xd8, 0xff, 0xd9}} {
		if _, err := DecodeConfig(bad); err == nil {
			t.Errorf("DecodeConfig(%q): no error", bad)
		}
		if _, err := DecodeScaled(bad, 1); err == nil {
			t.Errorf("DecodeScaled(%q): no error", bad)
		}
	}
	var te *Error
	if _, err := DecodeScaled([]byte("garbage garbage"), 1); !errors.As(err, &te) || te.Op == "" || te.Msg == "" {
		t.Errorf("garbage: got %#v, want an *Error", err)
	}
	// A header declaring 40000×40000 pixels is refused before allocating.
	big := bytes.Clone(data)
	sof := bytes.Index(big, []byte{0xff, 0xc0})
	if sof < 0 {
		t.Fatal("no SOF0")
	}
	big[sof+5], big[sof+6], big[sof+7], big[sof+8] = 0x9c, 0x40, 0x9c, 0x40
	if cfg, err := DecodeConfig(big); err != nil || cfg.Width != 40000 || cfg.Height != 40000 {
		t.Errorf("DecodeConfig of 40000×40000: %+v, %v", cfg, err)
	}
	if _, err := DecodeScaled(big, 8); !errors.Is(err, ErrTooLarge) {
		t.Errorf("40000×40000: got %v, want ErrTooLarge", err)
	}
}

// checkLenient decodes data, which may be damaged: it must return an error
// or an image of the size DecodeConfig reports, scaled.
func checkLenient(t *testing.T, data []byte, denom int) (ok bool) {
	t.Helper()
	m, err := DecodeScaled(data, denom)
	if err != nil {
		return false
	}
	cfg, err := DecodeConfig(data)
	if err != nil {
		t.Fatalf("DecodeScaled gave an image but DecodeConfig failed: %v", err)
	}
	want := image.Rect(0, 0, (cfg.Width+denom-1)/denom, (cfg.Height+denom-1)/denom)
	if m.Bounds() != want {
		t.Fatalf("bounds %v, want %v", m.Bounds(), want)
	}
	return true
}

// TestTruncated decodes every prefix of small JPEGs: an error or a lenient
// image, never a crash.
func TestTruncated(t *testing.T) {
	photo := testPhoto(48, 40, 9)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"420", stdEncode(t, photo, 75)},
		{"gray", stdEncode(t, toGray(photo), 75)},
		{"444", encode(t, toYCbCr(photo, image.YCbCrSubsampleRatio444), 75)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lenient := 0
			for n := range len(tc.data) {
				if checkLenient(t, tc.data[:n], 1) {
					lenient++
				}
				checkLenient(t, tc.data[:n], 8)
			}
			t.Logf("%d of %d prefixes decode leniently", lenient, len(tc.data))
			// Strict decoding refuses every proper prefix, as image/jpeg
			// does, and a cut in the entropy-coded data as a warning.
			warned := 0
			for n := 1; n < len(tc.data); n++ {
				_, err := DecodeScaledStrict(tc.data[:n], 1)
				if err == nil {
					t.Fatalf("DecodeScaledStrict of %d of %d bytes: no error", n, len(tc.data))
				}
				var te *Error
				if errors.As(err, &te) && te.Warning {
					warned++
				}
			}
			if warned == 0 {
				t.Error("DecodeScaledStrict: no truncation reported as a warning")
			}
			if _, err := DecodeScaledStrict(tc.data, 2); err != nil {
				t.Errorf("DecodeScaledStrict of the whole file: %v", err)
			}
			if lenient == 0 {
				t.Error("no truncated file decodes: warnings are failing decodes")
			}
		})
	}
}

// TestCorrupt decodes small JPEGs with random bytes overwritten.
func TestCorrupt(t *testing.T) {
	data := stdEncode(t, testPhoto(48, 40, 10), 75)
	rng := rand.New(rand.NewPCG(1, 2))
	decoded := 0
	for i := range 2000 {
		bad := bytes.Clone(data)
		for range 1 + rng.IntN(4) {
			bad[rng.IntN(len(bad))] = uint8(rng.Uint32())
		}
		if checkLenient(t, bad, []int{1, 2, 4, 8}[i%4]) {
			decoded++
		}
	}
	t.Logf("%d of 2000 damaged files decode", decoded)
}

// TestConcurrent decodes and encodes from several goroutines.
func TestConcurrent(t *testing.T) {
	photo := testPhoto(120, 90, 11)
	data := stdEncode(t, photo, 85)
	want, err := DecodeScaled(data, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantEnc := encode(t, photo, 85)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 20 {
				if (g+i)%2 == 0 {
					m, err := DecodeScaled(data, 1)
					if err != nil {
						t.Error(err)
						return
					}
					if maxd, _ := sampleDiff(t, want, m); maxd != 0 {
						t.Error("concurrent decode differs")
					}
				} else {
					var buf bytes.Buffer
					if err := Encode(&buf, photo, 85); err != nil || !bytes.Equal(buf.Bytes(), wantEnc) {
						t.Error("concurrent encode differs", err)
					}
				}
				if i%5 == 0 {
					DecodeScaled(data[:len(data)/3], 2)       // a warning
					DecodeScaled([]byte{0xff, 0xd8, 0xff}, 1) // an error
				}
			}
		})
	}
	wg.Wait()
}

func corpusDir(t testing.TB) string {
	dir := os.Getenv("BLOBIMAGE_CORPUS")
	if dir == "" {
		t.Skip("BLOBIMAGE_CORPUS not set")
	}
	return dir
}

// TestCorpus decodes the real photos in $BLOBIMAGE_CORPUS at full size and
// at 1/4, and compares with image/jpeg.
func TestCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir(t), "*.jpg"))
	if len(files) == 0 {
		t.Skip("no *.jpg in BLOBIMAGE_CORPUS")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := DecodeConfig(data)
			if err != nil {
				t.Fatal(err)
			}
			wantCfg, err := stdjpeg.DecodeConfig(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if cfg != wantCfg {
				t.Errorf("DecodeConfig = %+v, image/jpeg %+v", cfg, wantCfg)
			}
			m, err := DecodeScaled(data, 1)
			if err != nil {
				t.Fatal(err)
			}
			want := stdDecode(t, data)
			maxd, mean := sampleDiff(t, want, m)
			t.Logf("%dx%d %T %v: samples differ from image/jpeg by up to %d, mean %.4f",
				cfg.Width, cfg.Height, m, subsample(m), maxd, mean)
			if mean > 0.2 {
				t.Errorf("mean sample difference %.3f, want ≤ 0.2", mean)
			}
			q, err := DecodeScaled(data, 4)
			if err != nil {
				t.Fatal(err)
			}
			if want := image.Rect(0, 0, (cfg.Width+3)/4, (cfg.Height+3)/4); q.Bounds() != want {
				t.Errorf("1/4: bounds %v, want %v", q.Bounds(), want)
			}
		})
	}
}

// Benchmarks. Each reports source megapixels per second (MP/s). The
// image/jpeg sub-benchmarks do the same work with the standard library;
// it cannot decode scaled, so BenchmarkDecode1's image-jpeg is the
// comparison for every scale.

var benchJPEG = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	if err := stdjpeg.Encode(&buf, testPhoto(4000, 3000, 12), &stdjpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

type benchInput struct {
	name string
	data []byte
}

func benchInputs(b *testing.B) []benchInput {
	in := []benchInput{{"12MP", benchJPEG()}}
	if dir := os.Getenv("BLOBIMAGE_CORPUS"); dir != "" {
		data, err := os.ReadFile(filepath.Join(dir, "nikond3100_14mp.jpg"))
		if err != nil {
			b.Fatal(err)
		}
		in = append(in, benchInput{"nikond3100", data})
	}
	return in
}

func reportMPs(b *testing.B, start time.Time, pixels int) {
	b.ReportMetric(float64(pixels)*float64(b.N)/1e6/time.Since(start).Seconds(), "MP/s")
}

func benchDecode(b *testing.B, denom int) {
	for _, in := range benchInputs(b) {
		cfg, err := DecodeConfig(in.data)
		if err != nil {
			b.Fatal(err)
		}
		px := cfg.Width * cfg.Height
		b.Run(in.name+"/turbojpeg", func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				if _, err := DecodeScaled(in.data, denom); err != nil {
					b.Fatal(err)
				}
			}
			reportMPs(b, start, px)
		})
		if denom != 1 {
			continue
		}
		b.Run(in.name+"/image-jpeg", func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				if _, err := stdjpeg.Decode(bytes.NewReader(in.data)); err != nil {
					b.Fatal(err)
				}
			}
			reportMPs(b, start, px)
		})
	}
}

func BenchmarkDecode1(b *testing.B) { benchDecode(b, 1) }
func BenchmarkDecode2(b *testing.B) { benchDecode(b, 2) }
func BenchmarkDecode4(b *testing.B) { benchDecode(b, 4) }
func BenchmarkDecode8(b *testing.B) { benchDecode(b, 8) }

// BenchmarkEncode encodes at q90 the decoded benchmark JPEGs (*image.YCbCr)
// and the 12 MP picture as *image.RGBA.
func BenchmarkEncode(b *testing.B) {
	type input struct {
		name string
		m    image.Image
	}
	var ims []input
	for _, in := range benchInputs(b) {
		ims = append(ims, input{in.name + "-YCbCr", stdDecode(b, in.data)})
	}
	ims = append(ims, input{"12MP-RGBA", rgba(ims[0].m)})
	for _, im := range ims {
		px := im.m.Bounds().Dx() * im.m.Bounds().Dy()
		b.Run(im.name+"/turbojpeg", func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				if err := Encode(io.Discard, im.m, 90); err != nil {
					b.Fatal(err)
				}
			}
			reportMPs(b, start, px)
		})
		b.Run(im.name+"/image-jpeg", func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				if err := stdjpeg.Encode(io.Discard, im.m, &stdjpeg.Options{Quality: 90}); err != nil {
					b.Fatal(err)
				}
			}
			reportMPs(b, start, px)
		})
	}
}

// BenchmarkSmall decodes and encodes a 160×120 JPEG, where the per-call
// cost of a TurboJPEG handle matters most.
func BenchmarkSmall(b *testing.B) {
	photo := testPhoto(160, 120, 13)
	data := stdEncode(b, photo, 85)
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := DecodeScaled(data, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			if err := Encode(io.Discard, photo, 85); err != nil {
				b.Fatal(err)
			}
		}
	})
}
