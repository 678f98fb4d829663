package variants

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/disintegration/imaging"

	bjpeg "github.com/blobimage/blobimage/codecs/jpeg"
	"github.com/blobimage/blobimage/internal/testimage"
)

// lzPattern fills an NRGBA image with one of the test patterns.
func lzPattern(kind string, w, h int, rng *rand.Rand) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			var c color.NRGBA
			switch kind {
			case "noise":
				v := rng.Uint32()
				c = color.NRGBA{uint8(v), uint8(v >> 8), uint8(v >> 16), 0xff}
			case "gradient":
				c = color.NRGBA{uint8(x * 255 / max(w-1, 1)), uint8(y * 255 / max(h-1, 1)), uint8((x + y) * 255 / max(w+h-2, 1)), 0xff}
			case "edges": // hard black/white edges: stripes and a checkerboard
				v := uint8(0)
				if (x/3+y/5)%2 == 0 {
					v = 0xff
				}
				c = color.NRGBA{v, 0xff - v, v, 0xff}
			case "photo": // smooth shapes with sharp boundaries
				fx, fy := float64(x)/float64(w), float64(y)/float64(h)
				r := 128 + 100*math.Sin(7*fx+3*fy)
				g := 128 + 100*math.Cos(5*fy-2*fx)
				b := 60.0
				if (fx-0.5)*(fx-0.5)+(fy-0.4)*(fy-0.4) < 0.05 {
					b = 230
				}
				c = color.NRGBA{uint8(r), uint8(g), uint8(b), 0xff}
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

// lzCompare fails t if got and want differ in size or by more than tol
// in any channel of any pixel (colour compared only where alpha > 0).
func lzCompare(t *testing.T, name string, got, want image.Image, tol int) {
	t.Helper()
	if got.Bounds().Size() != want.Bounds().Size() {
		t.Fatalf("%s: size %v, want %v", name, got.Bounds().Size(), want.Bounds().Size())
	}
	gb, wb := got.Bounds(), want.Bounds()
	worst, bad := 0, 0
	for y := range gb.Dy() {
		for x := range gb.Dx() {
			g := color.NRGBAModel.Convert(got.At(gb.Min.X+x, gb.Min.Y+y)).(color.NRGBA)
			w := color.NRGBAModel.Convert(want.At(wb.Min.X+x, wb.Min.Y+y)).(color.NRGBA)
			d := absDiff(g.A, w.A)
			if w.A > 0 && g.A > 0 {
				d = max(d, absDiff(g.R, w.R), absDiff(g.G, w.G), absDiff(g.B, w.B))
			}
			worst = max(worst, d)
			if d > tol {
				if bad < 3 {
					t.Errorf("%s: pixel (%d,%d) = %v, want %v (±%d)", name, x, y, g, w, tol)
				}
				bad++
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d pixels off by more than %d (worst %d)", name, bad, tol, worst)
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestLanczosMatchesImaging compares lanczosResize with imaging.Resize on
// test patterns of several types and sizes, up and down.
func TestLanczosMatchesImaging(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []struct{ sw, sh, dw, dh int }{
		{97, 61, 40, 25},    // odd, down
		{64, 48, 64, 20},    // vertical only
		{64, 48, 20, 48},    // horizontal only
		{50, 30, 123, 77},   // up
		{40, 40, 13, 90},    // down one way, up the other
		{1, 37, 1, 11},      // 1 pixel wide
		{37, 1, 11, 1},      // 1 pixel high
		{1, 1, 5, 3},        // a single pixel
		{300, 200, 7, 5},    // strong reduction
		{301, 199, 150, 99}, // about half
		{2, 2, 1, 1},
	}
	types := map[string]func(*image.NRGBA) image.Image{
		"nrgba": func(m *image.NRGBA) image.Image { return m },
		"rgba": func(m *image.NRGBA) image.Image {
			r := image.NewRGBA(m.Rect)
			draw.Draw(r, r.Rect, m, m.Rect.Min, draw.Src)
			return r
		},
		"gray": func(m *image.NRGBA) image.Image {
			g := image.NewGray(m.Rect)
			draw.Draw(g, g.Rect, m, m.Rect.Min, draw.Src)
			return g
		},
		"ycbcr420": func(m *image.NRGBA) image.Image { return testimage.YCbCr(m, image.YCbCrSubsampleRatio420) },
		"ycbcr422": func(m *image.NRGBA) image.Image { return testimage.YCbCr(m, image.YCbCrSubsampleRatio422) },
		"ycbcr444": func(m *image.NRGBA) image.Image { return testimage.YCbCr(m, image.YCbCrSubsampleRatio444) },
		"ycbcr411": func(m *image.NRGBA) image.Image { return testimage.YCbCr(m, image.YCbCrSubsampleRatio411) },
		"ycbcr440": func(m *image.NRGBA) image.Image { return testimage.YCbCr(m, image.YCbCrSubsampleRatio440) },
		"cmyk": func(m *image.NRGBA) image.Image {
			c := image.NewCMYK(m.Rect)
			draw.Draw(c, c.Rect, m, m.Rect.Min, draw.Src)
			return c
		},
		"rgba64": func(m *image.NRGBA) image.Image { // the generic path
			c := image.NewRGBA64(m.Rect)
			draw.Draw(c, c.Rect, m, m.Rect.Min, draw.Src)
			return c
		},
		"paletted": func(m *image.NRGBA) image.Image {
			p := image.NewPaletted(m.Rect, append(color.Palette{}, paletteFor()...))
			draw.Draw(p, p.Rect, m, m.Rect.Min, draw.Src)
			return p
		},
	}
	for _, kind := range []string{"noise", "gradient", "edges", "photo"} {
		for _, sz := range sizes {
			base := lzPattern(kind, sz.sw, sz.sh, rng)
			for tn, conv := range types {
				src := conv(base)
				name := fmt.Sprintf("%s/%s/%dx%d→%dx%d", kind, tn, sz.sw, sz.sh, sz.dw, sz.dh)
				got := lanczosResize(src, sz.dw, sz.dh)
				want := imaging.Resize(src, sz.dw, sz.dh, imaging.Lanczos)
				lzCompare(t, name, got, want, 2)
			}
		}
	}
}

// paletteFor is a small palette with some translucent entries.
func paletteFor() color.Palette {
	var p color.Palette
	for i := range 64 {
		p = append(p, color.NRGBA{uint8(i * 4), uint8(255 - i*4), uint8(i * 37), 0xff})
	}
	p = append(p, color.NRGBA{255, 0, 0, 0}, color.NRGBA{0, 0, 255, 128})
	return p
}

// TestLanczosAlpha compares translucent images with imaging, and checks
// that transparent pixels' colours do not bleed.
func TestLanczosAlpha(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range []struct{ sw, sh, dw, dh int }{{80, 60, 33, 21}, {31, 17, 70, 40}, {9, 9, 3, 3}} {
		m := image.NewNRGBA(image.Rect(0, 0, sz.sw, sz.sh))
		for i := 0; i < len(m.Pix); i += 4 {
			v := rng.Uint32()
			m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = uint8(v), uint8(v>>8), uint8(v>>16), uint8(v>>24)
			if v&0x3 == 0 {
				m.Pix[i+3] = 0
			}
		}
		name := fmt.Sprintf("%dx%d→%dx%d", sz.sw, sz.sh, sz.dw, sz.dh)
		lzCompare(t, "nrgba/"+name, lanczosResize(m, sz.dw, sz.dh), imaging.Resize(m, sz.dw, sz.dh, imaging.Lanczos), 2)
		r := image.NewRGBA(m.Rect)
		draw.Draw(r, r.Rect, m, image.Point{}, draw.Src)
		lzCompare(t, "rgba/"+name, lanczosResize(r, sz.dw, sz.dh), imaging.Resize(r, sz.dw, sz.dh, imaging.Lanczos), 2)
	}

	// Half the picture transparent pure red, half opaque blue-grey: no
	// red may show anywhere in the result.
	m := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			c := color.NRGBA{0xff, 0, 0, 0}
			if (x/4+y/4)%2 == 0 || x < 16 {
				c = color.NRGBA{40, 60, 200, 0xff}
			}
			m.SetNRGBA(x, y, c)
		}
	}
	for _, size := range []image.Point{{23, 23}, {64, 20}, {150, 150}} {
		got := lanczosResize(m, size.X, size.Y).(*image.NRGBA)
		for y := range size.Y {
			for x := range size.X {
				c := got.NRGBAAt(x, y)
				if c.A == 0 {
					continue
				}
				if c.R > 45 || absDiff(c.B, 200) > 2 || absDiff(c.G, 60) > 2 {
					t.Fatalf("%v: pixel (%d,%d) = %v: transparent red bled in", size, x, y, c)
				}
			}
		}
		if c := got.NRGBAAt(0, 0); c != (color.NRGBA{40, 60, 200, 0xff}) {
			t.Errorf("%v: opaque corner = %v", size, c)
		}
	}
}

// TestLanczosSubImage resamples sub-images with a non-zero Min, which
// must give what resampling a copy at the origin gives.
func TestLanczosSubImage(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	base := lzPattern("photo", 120, 90, rng)
	noise := lzPattern("noise", 120, 90, rng)
	for i := 0; i < len(base.Pix); i += 8 { // mix in some noise
		copy(base.Pix[i:i+4], noise.Pix[i:i+4])
	}
	r := image.Rect(13, 7, 96, 80)
	srcs := map[string]image.Image{
		"nrgba":    base,
		"ycbcr420": testimage.YCbCr(base, image.YCbCrSubsampleRatio420),
		"ycbcr422": testimage.YCbCr(base, image.YCbCrSubsampleRatio422),
		"gray": func() image.Image {
			g := image.NewGray(base.Rect)
			draw.Draw(g, g.Rect, base, image.Point{}, draw.Src)
			return g
		}(),
	}
	for name, src := range srcs {
		sub := src.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(r)
		if sub.Bounds().Min == (image.Point{}) {
			t.Fatal("sub-image at the origin")
		}
		for _, size := range []image.Point{{40, 33}, {83, 20}, {200, 150}} {
			got := lanczosResize(sub, size.X, size.Y)
			if got.Bounds() != image.Rect(0, 0, size.X, size.Y) {
				t.Fatalf("%s: bounds %v", name, got.Bounds())
			}
			lzCompare(t, fmt.Sprintf("%s/%v", name, size), got, imaging.Resize(sub, size.X, size.Y, imaging.Lanczos), 2)
			// A copy at the origin resamples to the same pixels (for
			// YCbCr only when the sub-image starts on a chroma sample).
			if name == "nrgba" || name == "gray" {
				var c draw.Image = image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
				if name == "gray" {
					c = image.NewGray(c.Bounds())
				}
				draw.Draw(c, c.Bounds(), sub, r.Min, draw.Src)
				lzCompare(t, name+"/copy", got, lanczosResize(c, size.X, size.Y), 0)
			}
		}
	}
}

// TestLanczosExact checks exact results: flat colours stay flat, and an
// identity resample (same size in a direction) keeps the pixels.
func TestLanczosExact(t *testing.T) {
	flat := image.NewNRGBA(image.Rect(0, 0, 77, 55))
	draw.Draw(flat, flat.Rect, image.NewUniform(color.NRGBA{12, 200, 99, 0xff}), image.Point{}, draw.Src)
	for _, size := range []image.Point{{10, 7}, {200, 100}, {77, 3}, {1, 1}} {
		got := lanczosResize(flat, size.X, size.Y).(*image.NRGBA)
		for i := 0; i < len(got.Pix); i += 4 {
			if c := got.Pix[i : i+4]; c[0] != 12 || c[1] != 200 || c[2] != 99 || c[3] != 0xff {
				t.Fatalf("flat %v: pixel %d = %v", size, i/4, c)
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	noise := lzPattern("noise", 40, 30, rng)
	got := lanczosResize(noise, 40, 30)
	lzCompare(t, "identity", got, noise, 0)
	g := image.NewGray(image.Rect(0, 0, 9, 4))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7)
	}
	if got, ok := lanczosResize(g, 3, 4).(*image.Gray); !ok || got.Bounds() != image.Rect(0, 0, 3, 4) {
		t.Fatalf("gray resample = %T %v, want a 3×4 *image.Gray", got, got.Bounds())
	}
}

// TestLanczosKernel checks the weights: they sum to one, stay inside the
// source, and their positive and negative parts keep every lane of a
// packed sum inside its 21 bits (see lzBias), and those of the
// one-channel lanes inside theirs (see lz2Bias).
func TestLanczosKernel(t *testing.T) {
	pairs := [][2]int{{1000, 1440}, {400, 1440}, {1440, 400}, {1, 1}, {1, 50}, {50, 1}, {3, 7}, {7, 3}}
	for d := 1; d < 70; d++ {
		for s := 1; s < 70; s++ {
			pairs = append(pairs, [2]int{d, s})
		}
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for range 200 {
		pairs = append(pairs, [2]int{1 + rng.IntN(3000), 1 + rng.IntN(3000)})
	}
	for _, c := range pairs {
		for _, bits := range []int{lzBits, lzBitsHi} {
			k := newLzKernel(c[0], c[1], bits)
			for i := range c[0] {
				s, ws := k.weights(i)
				var sum, pos, neg int64
				for _, w := range ws {
					sum += int64(w)
					if w > 0 {
						pos += int64(w)
					} else {
						neg += int64(w)
					}
				}
				if sum != 1<<bits {
					t.Fatalf("%v: output %d weights sum to %d", c, i, sum)
				}
				if s < 0 || s+len(ws) > c[1] || len(ws) == 0 {
					t.Fatalf("%v: output %d taps %d+%d out of 0..%d", c, i, s, len(ws), c[1])
				}
				if bits == lzBits {
					if lo, hi := lzBias+255*neg, lzBias+lzHalf+255*pos; lo < 0 || hi > lzMask {
						t.Fatalf("%v: output %d lane range %d..%d", c, i, lo, hi)
					}
				} else {
					// The one-channel lanes (see lz2Bias): above 0, and
					// lz2Tab indexed by 10 bits above the fraction.
					if lo, hi := lz2Bias+255*neg, lz2Bias+lzHalfHi+255*pos; lo < 0 || hi >= 1<<(lzBitsHi+10) {
						t.Fatalf("%v: output %d one-channel lane range %d..%d", c, i, lo, hi)
					}
				}
			}
		}
	}
}

// TestLanczosParallel checks that a picture large enough to be split in
// bands gives the same pixels as one band.
func TestLanczosParallel(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	src := testimage.YCbCr(lzPattern("noise", 1200, 900, rng), image.YCbCrSubsampleRatio420)
	got := lanczosResize(src, 1000, 750).(*image.NRGBA)
	s := newLzSource(src)
	want := image.NewNRGBA(image.Rect(0, 0, 1000, 750))
	lzBand(&lzJob{src: s, kx: newLzKernel(1000, 1200, lzBits), ky: newLzKernel(750, 900, lzBits), pix: want.Pix, stride: want.Stride}, 0, 750)
	lzCompare(t, "bands", got, want, 0)
}

// TestLanczosCorpus compares with imaging on real photographs from
// $BLOBIMAGE_CORPUS, when set.
func TestLanczosCorpus(t *testing.T) {
	dir := os.Getenv("BLOBIMAGE_CORPUS")
	if dir == "" {
		t.Skip("BLOBIMAGE_CORPUS not set")
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if len(names) > 3 {
		names = names[:3]
	}
	for _, path := range names {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		full, err := jpeg.Decode(f)
		f.Close()
		if err != nil {
			t.Logf("%s: %v", path, err)
			continue
		}
		// A 1440×960 window (a sub-image, at a non-zero Min) keeps the
		// test quick.
		b := full.Bounds()
		c := b.Min.Add(b.Size().Div(2))
		img := full.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(image.Rect(c.X-721, c.Y-481, c.X+719, c.Y+479).Intersect(b))
		for _, w := range []int{400, 1000} {
			h := scaleRound(img.Bounds().Dy(), w, img.Bounds().Dx())
			lzCompare(t, filepath.Base(path), lanczosResize(img, w, h), imaging.Resize(img, w, h, imaging.Lanczos), 2)
		}
	}
}

// BenchmarkResample compares lanczosResize with imaging.Resize on what a
// 1/4-scale decode of a 22 MP photograph gives.
func BenchmarkResample(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	base := lzPattern("photo", 1440, 960, rng)
	noise := lzPattern("noise", 1440, 960, rng)
	for i := 0; i < len(base.Pix); i += 4 { // a little grain
		for j := range 3 {
			base.Pix[i+j] = uint8(int(base.Pix[i+j])*7/8 + int(noise.Pix[i+j])/8)
		}
	}
	srcs := []struct {
		name string
		img  image.Image
	}{
		{"ycbcr420", testimage.YCbCr(base, image.YCbCrSubsampleRatio420)},
		{"ycbcr422", testimage.YCbCr(base, image.YCbCrSubsampleRatio422)},
		{"ycbcr444", testimage.YCbCr(base, image.YCbCrSubsampleRatio444)},
		{"nrgba", base},
	}
	for _, s := range srcs {
		for _, size := range []image.Point{{1000, 667}, {400, 267}} {
			b.Run(fmt.Sprintf("src=%s/size=%dx%d/impl=ours", s.name, size.X, size.Y), func(b *testing.B) {
				defer lzReportCPU(b)()
				for b.Loop() {
					lanczosResize(s.img, size.X, size.Y)
				}
			})
			if _, ok := s.img.(*image.YCbCr); ok {
				b.Run(fmt.Sprintf("src=%s/size=%dx%d/impl=planar", s.name, size.X, size.Y), func(b *testing.B) {
					defer lzReportCPU(b)()
					for b.Loop() {
						lanczosResizeYCbCr(s.img.(*image.YCbCr), size.X, size.Y)
					}
				})
			}
			b.Run(fmt.Sprintf("src=%s/size=%dx%d/impl=imaging", s.name, size.X, size.Y), func(b *testing.B) {
				defer lzReportCPU(b)()
				for b.Loop() {
					imaging.Resize(s.img, size.X, size.Y, imaging.Lanczos)
				}
			})
		}
	}
}

// lzReportCPU starts measuring the process's CPU time; the function it
// returns reports it per op as cpu-ns/op, a figure that other processes
// competing for the machine disturb less than wall time.
func lzReportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

// lzPSNR is the PSNR of a against b over R, G and B.
func lzPSNR(a, b image.Image) float64 {
	ab, bb := a.Bounds(), b.Bounds()
	var se float64
	for y := range ab.Dy() {
		for x := range ab.Dx() {
			r1, g1, b1, _ := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			for _, d := range []float64{float64(r1>>8) - float64(r2>>8), float64(g1>>8) - float64(g2>>8), float64(b1>>8) - float64(b2>>8)} {
				se += d * d
			}
		}
	}
	mse := se / float64(3*ab.Dx()*ab.Dy())
	return 10 * math.Log10(255*255/max(mse, 1e-10))
}

// lzJPEGRoundTrip encodes m with the JPEG encoder the variants are
// written with and decodes it again.
func lzJPEGRoundTrip(t testing.TB, m image.Image) image.Image {
	var buf bytes.Buffer
	if err := bjpeg.Encode(&buf, m, &bjpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	d, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// lzPlanarSources are pictures for the planar path: a synthetic
// photograph with grain, in 4:2:0, 4:4:4 and 4:4:0, and, with
// $BLOBIMAGE_CORPUS, 4:2:0 windows of real ones.
func lzPlanarSources(t *testing.T) map[string]*image.YCbCr {
	rng := rand.New(rand.NewPCG(15, 16))
	base := lzPattern("photo", 720, 480, rng)
	noise := lzPattern("noise", 720, 480, rng)
	for i := 0; i < len(base.Pix); i += 4 {
		for j := range 3 {
			base.Pix[i+j] = uint8(int(base.Pix[i+j])*7/8 + int(noise.Pix[i+j])/8)
		}
	}
	srcs := map[string]*image.YCbCr{
		"synthetic":     testimage.YCbCr(base, image.YCbCrSubsampleRatio420),
		"synthetic 444": testimage.YCbCr(base, image.YCbCrSubsampleRatio444),
		"synthetic 440": testimage.YCbCr(base, image.YCbCrSubsampleRatio440),
	}
	if dir := os.Getenv("BLOBIMAGE_CORPUS"); dir != "" {
		names, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
		for _, path := range names[:min(len(names), 5)] {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			full, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				continue
			}
			m, ok := full.(*image.YCbCr)
			if !ok {
				continue
			}
			c := m.Rect.Min.Add(m.Rect.Size().Div(2))
			r := image.Rect(c.X-720, c.Y-480, c.X+720, c.Y+480).Intersect(m.Rect)
			r.Min.X, r.Min.Y = r.Min.X&^3, r.Min.Y&^3
			srcs[filepath.Base(path)] = m.SubImage(r).(*image.YCbCr)
		}
	}
	return srcs
}

// TestLanczosPlanar checks the planar 4:2:0 path: its sizes, and that
// its pictures are as good as the RGB path's: PSNR against imaging's
// (float) resample within 0.1 dB, both before and after a JPEG round trip.
func TestLanczosPlanar(t *testing.T) {
	for _, sz := range []image.Point{{1, 1}, {3, 5}, {39, 29}, {20, 14}, {21, 15}} {
		src := testimage.YCbCr(lzPattern("gradient", 40, 30, nil), image.YCbCrSubsampleRatio420)
		got := lanczosResample(src, sz.X, sz.Y).(*image.YCbCr)
		cw, ch := (sz.X+1)/2, (sz.Y+1)/2
		if got.Rect != image.Rect(0, 0, sz.X, sz.Y) || got.SubsampleRatio != image.YCbCrSubsampleRatio420 ||
			len(got.Cb) != cw*ch || got.CStride != cw {
			t.Fatalf("%v: got %v %v, chroma %d stride %d", sz, got.Rect, got.SubsampleRatio, len(got.Cb), got.CStride)
		}
	}
	// An odd Min, or enlarging, takes the RGB path; every subsampling the
	// planar one.
	odd := testimage.YCbCr(lzPattern("gradient", 40, 30, nil), image.YCbCrSubsampleRatio420).SubImage(image.Rect(1, 0, 40, 30))
	if _, ok := lanczosResample(odd, 20, 15).(*image.NRGBA); !ok {
		t.Error("odd Min: not the RGB path")
	}
	if _, ok := lanczosResample(testimage.YCbCr(lzPattern("gradient", 40, 30, nil), image.YCbCrSubsampleRatio420), 41, 30).(*image.NRGBA); !ok {
		t.Error("enlarging: not the RGB path")
	}
	for _, r := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio440} {
		if _, ok := lanczosResample(testimage.YCbCr(lzPattern("gradient", 40, 30, nil), r), 20, 15).(*image.YCbCr); !ok {
			t.Errorf("%v: not the planar path", r)
		}
	}
	for _, r := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio411} {
		src := testimage.YCbCr(lzPattern("gradient", 41, 29, nil), r)
		got := lanczosResizeYCbCr(src, 21, 13)
		if got.SubsampleRatio != image.YCbCrSubsampleRatio420 || len(got.Cb) != 11*7 {
			t.Fatalf("%v: got %v, %d chroma samples", r, got.SubsampleRatio, len(got.Cb))
		}
	}
	for name, src := range lzPlanarSources(t) {
		sw, sh := src.Rect.Dx(), src.Rect.Dy()
		for _, w := range []int{sw * 2 / 3, sw / 4, sw * 9 / 10} {
			h := scaleRound(sh, w, sw)
			ref := imaging.Resize(src, w, h, imaging.Lanczos)
			rgb := lanczosResize(src, w, h)
			pl := lanczosResizeYCbCr(src, w, h)
			pr, pp := lzPSNR(rgb, ref), lzPSNR(pl, ref)
			jr, jp := lzPSNR(lzJPEGRoundTrip(t, rgb), ref), lzPSNR(lzJPEGRoundTrip(t, pl), ref)
			t.Logf("%s → %dx%d: PSNR vs imaging: rgb %.2f planar %.2f dB; after JPEG q85: rgb %.2f planar %.2f dB", name, w, h, pr, pp, jr, jp)
			// Within 0.1 dB on photographs. The synthetic picture's RGB
			// noise, sampled to 4:2:0 chroma, is harsher than any photo's
			// chroma: allow it 0.2 dB.
			if tol := map[bool]float64{true: 0.2, false: 0.1}[strings.HasPrefix(name, "synthetic")]; jp < jr-tol {
				t.Errorf("%s → %dx%d: planar JPEG PSNR %.2f dB, RGB path %.2f dB", name, w, h, jp, jr)
			}
		}
	}
}
