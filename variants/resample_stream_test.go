package variants

import (
	"bytes"
	"fmt"
	"image"
	"math/rand/v2"
	"runtime"
	"testing"
)

// lzStripRatios are the subsamplings stripResampler takes.
var lzStripRatios = []image.YCbCrSubsampleRatio{
	image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
	image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
}

// lzStripSource returns a sw×sh picture at the origin, a *image.Gray when
// gray, else an *image.YCbCr of the ratio: smooth ramps with noise, and
// full-range noise in some rows, so that the filters clamp.
func lzStripSource(gray bool, ratio image.YCbCrSubsampleRatio, sw, sh int, rng *rand.Rand) image.Image {
	fill := func(p []byte, stride, w, h int) {
		for y := range h {
			for x := range w {
				v := (x*255/max(w, 1) + y*97/max(h, 1)) + int(rng.IntN(40)) - 20
				if y%7 == 3 {
					v = int(rng.IntN(256))
				}
				p[y*stride+x] = uint8(min(max(v, 0), 255))
			}
		}
	}
	r := image.Rect(0, 0, sw, sh)
	if gray {
		m := image.NewGray(r)
		fill(m.Pix, m.Stride, sw, sh)
		return m
	}
	m := image.NewYCbCr(r, ratio)
	fill(m.Y, m.YStride, sw, sh)
	ch := len(m.Cb) / m.CStride
	fill(m.Cb, m.CStride, m.CStride, ch)
	fill(m.Cr, m.CStride, m.CStride, ch)
	return m
}

// lzStripper cuts strips out of a whole picture the way a strip decoder
// delivers them: copies into one buffer reused for every strip, with
// strides wider than the rows, scribbled over after each feed.
type lzStripper struct {
	whole      image.Image
	y, c       []byte // reused backing of the strip's planes
	ys, cs, fy int
}

func newLzStripper(whole image.Image, most int) *lzStripper {
	sw := whole.Bounds().Dx()
	s := &lzStripper{whole: whole, ys: sw + 5, fy: 1}
	if m, ok := whole.(*image.YCbCr); ok {
		fx, fy := lzChromaFactors(m.SubsampleRatio)
		s.fy = fy
		s.cs = (sw+fx-1)/fx + 3
		s.c = make([]byte, 2*(most/fy+1)*s.cs)
	}
	s.y = make([]byte, most*s.ys)
	return s
}

// strip returns rows y0..y1-1 of the whole picture.
func (s *lzStripper) strip(y0, y1 int) image.Image {
	sw := s.whole.Bounds().Dx()
	rect := image.Rect(0, y0, sw, y1)
	switch m := s.whole.(type) {
	case *image.Gray:
		g := &image.Gray{Pix: s.y[:(y1-y0)*s.ys], Stride: s.ys, Rect: rect}
		for y := y0; y < y1; y++ {
			copy(g.Pix[g.PixOffset(0, y):], m.Pix[m.PixOffset(0, y):][:sw])
		}
		return g
	case *image.YCbCr:
		c0, c1 := y0/s.fy, (y1+s.fy-1)/s.fy
		n := (c1 - c0) * s.cs
		st := &image.YCbCr{Y: s.y[:(y1-y0)*s.ys], Cb: s.c[:n], Cr: s.c[len(s.c)/2:][:n],
			YStride: s.ys, CStride: s.cs, SubsampleRatio: m.SubsampleRatio, Rect: rect}
		for y := y0; y < y1; y++ {
			copy(st.Y[st.YOffset(0, y):], m.Y[m.YOffset(0, y):][:sw])
		}
		cw := s.cs - 3
		for cy := c0; cy < c1; cy++ {
			copy(st.Cb[st.COffset(0, cy*s.fy):], m.Cb[m.COffset(0, cy*s.fy):][:cw])
			copy(st.Cr[st.COffset(0, cy*s.fy):], m.Cr[m.COffset(0, cy*s.fy):][:cw])
		}
		return st
	}
	panic("lzStripper: unexpected picture")
}

// scribble overwrites the strip buffers, as a decoder reusing them for
// the next strip would.
func (s *lzStripper) scribble(v byte) {
	for i := range s.y {
		s.y[i] = v
	}
	for i := range s.c {
		s.c[i] = v
	}
}

// lzStripResample feeds whole to a stripResampler in strips of the given
// heights (repeated; the last strip cut at the bottom) and returns its
// result.
func lzStripResample(whole image.Image, w, h int, heights []int) (image.Image, error) {
	sw, sh := whole.Bounds().Dx(), whole.Bounds().Dy()
	most := 0
	for _, n := range heights {
		most = max(most, min(n, sh))
	}
	s := newLzStripper(whole, most)
	first := s.strip(0, min(heights[0], sh))
	r, ok := newStripResampler(sw, sh, first, w, h)
	if !ok {
		return nil, fmt.Errorf("newStripResampler refused a %T", first)
	}
	for y0, i := 0, 0; y0 < sh; i++ {
		y1 := min(y0+heights[i%len(heights)], sh)
		if err := r.feed(s.strip(y0, y1)); err != nil {
			return nil, err
		}
		s.scribble(byte(0x55 * i))
		y0 = y1
	}
	return r.result()
}

// lzSamePix describes how two interleaved images' bounds, strides and
// pixels differ, or returns "".
func lzSamePix(ra, rb image.Rectangle, sa, sb int, pa, pb []byte) string {
	switch {
	case ra != rb || sa != sb:
		return fmt.Sprintf("bounds %v, want %v", ra, rb)
	case !bytes.Equal(pa, pb):
		return "pixels differ"
	}
	return ""
}

// lzSameImage describes how a and b differ, to the bit, or returns "".
func lzSameImage(a, b image.Image) string {
	switch a := a.(type) {
	case *image.YCbCr:
		b, ok := b.(*image.YCbCr)
		switch {
		case !ok:
			return fmt.Sprintf("a %T, want a %T", a, b)
		case a.Rect != b.Rect || a.SubsampleRatio != b.SubsampleRatio || a.YStride != b.YStride || a.CStride != b.CStride:
			return fmt.Sprintf("layout %v %v, want %v %v", a.Rect, a.SubsampleRatio, b.Rect, b.SubsampleRatio)
		case !bytes.Equal(a.Y, b.Y):
			return "luma differs"
		case !bytes.Equal(a.Cb, b.Cb):
			return "Cb differs"
		case !bytes.Equal(a.Cr, b.Cr):
			return "Cr differs"
		}
	case *image.Gray:
		b, ok := b.(*image.Gray)
		if !ok {
			return fmt.Sprintf("a %T, want a %T", a, b)
		}
		return lzSamePix(a.Rect, b.Rect, a.Stride, b.Stride, a.Pix, b.Pix)
	case *image.NRGBA:
		b, ok := b.(*image.NRGBA)
		if !ok {
			return fmt.Sprintf("a %T, want a %T", a, b)
		}
		return lzSamePix(a.Rect, b.Rect, a.Stride, b.Stride, a.Pix, b.Pix)
	default:
		return fmt.Sprintf("unexpected %T", a)
	}
	return ""
}

// lzStripSizes are the output sizes TestStripResampler tries for an
// sw×sh source: reductions by 1.5, 2, 3 and 7.3, the same height (only
// across), the same size, and enlargements, in both directions and in
// one (which lanczosResample does in RGB).
func lzStripSizes(sw, sh int) []image.Point {
	var out []image.Point
	seen := map[image.Point]bool{}
	add := func(w, h int) {
		p := image.Pt(max(w, 1), max(h, 1))
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, f := range []float64{1.5, 2, 3, 7.3} {
		add(int(float64(sw)/f+0.5), int(float64(sh)/f+0.5))
	}
	add(sw/2, sh)
	add(sw, sh)
	add(2*sw+1, 2*sh+1)
	add(sw*3/2+1, sh)
	add(sw/2, sh*2)
	return out
}

// TestStripResampler checks that feeding a picture in strips gives
// lanczosResample's result of the whole, to the bit: every subsampling
// and gray, strips of one row (gray) or one chroma row, 8 and 16 rows,
// odd mixtures and the whole picture in one, sources from 1×1 up, each
// reduced, kept and enlarged (lzStripSizes).
func TestStripResampler(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	sources := []image.Point{{1, 1}, {2, 3}, {3, 2}, {17, 9}, {9, 17}, {40, 30}, {33, 65}, {161, 91}}
	type kind struct {
		name  string
		gray  bool
		ratio image.YCbCrSubsampleRatio
	}
	kinds := []kind{{name: "gray", gray: true}}
	for _, r := range lzStripRatios {
		kinds = append(kinds, kind{name: r.String(), ratio: r})
	}
	for _, k := range kinds {
		fy := 1
		if !k.gray {
			_, fy = lzChromaFactors(k.ratio)
		}
		strips := [][]int{{fy}, {8}, {16}, {fy, 3 * fy, 5 * fy, 2 * fy, 7 * fy}, {1 << 30}}
		if k.gray {
			strips = append(strips, []int{3, 1, 4, 1, 5, 9, 2, 6})
		}
		for _, sz := range sources {
			whole := lzStripSource(k.gray, k.ratio, sz.X, sz.Y, rng)
			for _, out := range lzStripSizes(sz.X, sz.Y) {
				want := lanczosResample(whole, out.X, out.Y)
				for _, hs := range strips {
					name := fmt.Sprintf("%s %dx%d→%dx%d strips %v", k.name, sz.X, sz.Y, out.X, out.Y, hs)
					got, err := lzStripResample(whole, out.X, out.Y, hs)
					if err != nil {
						t.Errorf("%s: %v", name, err)
						continue
					}
					if d := lzSameImage(got, want); d != "" {
						t.Errorf("%s: %s", name, d)
					}
				}
			}
		}
	}
}

// TestStripResamplerLarge is TestStripResampler on a 3000×2000 picture,
// what issue #17's 24 MP JPEG gives at 1/2 scale, to 1000×667, in every
// subsampling and gray, in 16-row strips and an odd mixture.
func TestStripResamplerLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large pictures")
	}
	rng := rand.New(rand.NewPCG(19, 20))
	for _, gray := range []bool{true, false} {
		for _, ratio := range lzStripRatios {
			if gray && ratio != image.YCbCrSubsampleRatio444 {
				continue
			}
			whole := lzStripSource(gray, ratio, 3000, 2000, rng)
			_, fy := lzChromaFactors(ratio)
			want := lanczosResample(whole, 1000, 667)
			for _, hs := range [][]int{{16}, {8 * fy, 2 * fy, 4 * fy}} {
				got, err := lzStripResample(whole, 1000, 667, hs)
				if err != nil {
					t.Fatalf("gray %v %v strips %v: %v", gray, ratio, hs, err)
				}
				if d := lzSameImage(got, want); d != "" {
					t.Errorf("gray %v %v strips %v: %s", gray, ratio, hs, d)
				}
			}
		}
	}
}

// TestStripResamplerRefuses checks what newStripResampler does not take
// (ok false), and that feed refuses, with an error and no change, a strip
// out of order, of the wrong width, type or subsampling, ending inside a
// chroma row before the bottom, past the bottom, or after it; and that
// result errors before the last row.
func TestStripResamplerRefuses(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	whole := lzStripSource(false, image.YCbCrSubsampleRatio420, 17, 9, rng).(*image.YCbCr)
	sub := func(y0, y1 int) image.Image { return whole.SubImage(image.Rect(0, y0, 17, y1)) }

	for name, first := range map[string]image.Image{
		"nrgba":   image.NewNRGBA(image.Rect(0, 0, 17, 2)),
		"rgba":    image.NewRGBA(image.Rect(0, 0, 17, 2)),
		"nil":     nil,
		"unknown": &image.YCbCr{SubsampleRatio: image.YCbCrSubsampleRatio(99), Rect: image.Rect(0, 0, 17, 2)},
	} {
		if _, ok := newStripResampler(17, 9, first, 8, 5); ok {
			t.Errorf("newStripResampler took %s", name)
		}
	}
	if _, ok := newStripResampler(17, 9, sub(0, 2), 0, 5); ok {
		t.Error("newStripResampler took a width of 0")
	}

	r, ok := newStripResampler(17, 9, sub(0, 2), 8, 5)
	if !ok {
		t.Fatal("newStripResampler refused 4:2:0")
	}
	if _, err := r.result(); err == nil {
		t.Error("result before any strip: no error")
	}
	bad := func(what string, strip image.Image) {
		t.Helper()
		if err := r.feed(strip); err == nil {
			t.Errorf("feed took %s", what)
		} else {
			t.Logf("%s: %v", what, err)
		}
	}
	bad("a first strip at y0 2", sub(2, 4))
	bad("a narrower strip", whole.SubImage(image.Rect(0, 0, 16, 2)))
	bad("a strip at x0 1", whole.SubImage(image.Rect(1, 0, 17, 2)))
	bad("a gray strip", image.NewGray(image.Rect(0, 0, 17, 2)))
	bad("a 4:4:4 strip", image.NewYCbCr(image.Rect(0, 0, 17, 2), image.YCbCrSubsampleRatio444))
	bad("a strip ending inside a chroma row", sub(0, 3))
	bad("an empty strip", sub(0, 0))
	bad("no strip", nil)
	bad("a nil *image.YCbCr", (*image.YCbCr)(nil))
	short := *sub(0, 2).(*image.YCbCr)
	short.Y = short.Y[:20]
	bad("a strip with too little luma", &short)
	if err := r.feed(sub(0, 2)); err != nil {
		t.Fatalf("feed rows 0..1: %v", err)
	}
	bad("rows 0..1 again", sub(0, 2))
	bad("a strip skipping rows 2..3", sub(4, 6))
	if _, err := r.result(); err == nil {
		t.Error("result after 2 of 9 rows: no error")
	}
	bad("a strip past the bottom", &image.YCbCr{Y: make([]byte, 17*8), Cb: make([]byte, 9*4), Cr: make([]byte, 9*4),
		YStride: 17, CStride: 9, SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: image.Rect(0, 2, 17, 10)})
	if err := r.feed(sub(2, 9)); err != nil {
		t.Fatalf("feed rows 2..8: %v", err)
	}
	bad("a strip after the bottom", &image.YCbCr{Y: make([]byte, 17), Cb: make([]byte, 9), Cr: make([]byte, 9),
		YStride: 17, CStride: 9, SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: image.Rect(0, 9, 17, 10)})
	got, err := r.result()
	if err != nil {
		t.Fatal(err)
	}
	if d := lzSameImage(got, lanczosResample(whole, 8, 5)); d != "" {
		t.Errorf("after the refused strips: %s", d)
	}

	g, ok := newStripResampler(17, 9, image.NewGray(image.Rect(0, 0, 17, 1)), 8, 5)
	if !ok {
		t.Fatal("newStripResampler refused gray")
	}
	r = g
	bad("a YCbCr strip to a gray resampler", sub(0, 2))
	short2 := image.NewGray(image.Rect(0, 0, 17, 2))
	short2.Pix = short2.Pix[:20]
	bad("a gray strip with too few pixels", short2)
}

// TestStripResamplerMemory checks that a 3000×2000 4:2:0 picture (9 MB
// whole) fed in 8-row strips to 1000×667 allocates less than 3 MB beyond
// the 1 MB output, and nothing at all once the first strips are in: the
// windows of source rows stay a few strips high.
func TestStripResamplerMemory(t *testing.T) {
	const sw, sh, w, h, rows = 3000, 2000, 1000, 667, 8
	strip := image.NewYCbCr(image.Rect(0, 0, sw, rows), image.YCbCrSubsampleRatio420)
	next := func(y0 int) *image.YCbCr {
		// The decoder's strip: the same memory each time, new rows.
		strip.Rect = image.Rect(0, y0, sw, y0+rows)
		for i := range strip.Y {
			strip.Y[i] = byte(i + 3*y0)
		}
		for i := range strip.Cb {
			strip.Cb[i], strip.Cr[i] = byte(i+y0), byte(i-y0)
		}
		return strip
	}
	var m0, m1, m2 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	r, ok := newStripResampler(sw, sh, next(0), w, h)
	if !ok {
		t.Fatal("newStripResampler refused 4:2:0")
	}
	var steady uint64
	for y0 := 0; y0 < sh; y0 += rows {
		if y0 == 40*rows {
			runtime.ReadMemStats(&m1)
		}
		if err := r.feed(next(y0)); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&m2)
	steady = m2.Mallocs - m1.Mallocs
	out, err := r.result()
	if err != nil {
		t.Fatal(err)
	}
	o := out.(*image.YCbCr)
	outBytes := uint64(len(o.Y) + len(o.Cb) + len(o.Cr))
	total := m2.TotalAlloc - m0.TotalAlloc
	t.Logf("allocated %d bytes, output %d, whole source %d; %d allocations after strip 40",
		total, outBytes, sw*sh*3/2, steady)
	if total > outBytes+3<<20 {
		t.Errorf("allocated %d bytes, more than 3 MB beyond the %d-byte output", total, outBytes)
	}
	if steady > 0 {
		t.Errorf("%d allocations feeding strips 40..%d", steady, sh/rows-1)
	}
}

// BenchmarkResampleStrips resamples a 3000×2000 4:2:0 picture (issue
// #17's 24 MP JPEG at 1/2 scale) to 1000×667 fed in 16-row strips
// (impl=strips16, one goroutine) and whole (impl=whole, lanczosResample,
// its luma and chroma side by side in bands).
func BenchmarkResampleStrips(b *testing.B) {
	rng := rand.New(rand.NewPCG(23, 24))
	whole := lzStripSource(false, image.YCbCrSubsampleRatio420, 3000, 2000, rng).(*image.YCbCr)
	const w, h = 1000, 667
	b.Run("impl=strips16", func(b *testing.B) {
		defer lzReportCPU(b)()
		b.ReportAllocs()
		for b.Loop() {
			r, ok := newStripResampler(3000, 2000, whole.SubImage(image.Rect(0, 0, 3000, 16)), w, h)
			if !ok {
				b.Fatal("refused")
			}
			for y0 := 0; y0 < 2000; y0 += 16 {
				if err := r.feed(whole.SubImage(image.Rect(0, y0, 3000, min(y0+16, 2000)))); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := r.result(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=whole", func(b *testing.B) {
		defer lzReportCPU(b)()
		b.ReportAllocs()
		for b.Loop() {
			lanczosResample(whole, w, h)
		}
	})
}

// TestStripsMemoryBound: what a resample from strips allocates (the
// resampler, its window and weights, and the picture it makes, fed by a
// decoder-like stripper) stays within StripsMemory, for shrinks from
// 1.2× to 3× of 4:2:0, 4:4:4, 4:2:2 and grey pictures in strips of 8 to
// 32 rows, and the bound (which also counts an oriented copy of the
// picture, not made here) is not loose by more than 5×.
func TestStripsMemoryBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct {
		gray    bool
		ratio   image.YCbCrSubsampleRatio
		sw, sh  int
		fit     int
		heights []int
	}{
		{false, image.YCbCrSubsampleRatio420, 3000, 2000, 1000, []int{16}},
		{false, image.YCbCrSubsampleRatio444, 3000, 2000, 2500, []int{8}},
		{false, image.YCbCrSubsampleRatio422, 1500, 1000, 700, []int{32}},
		{false, image.YCbCrSubsampleRatio420, 2000, 3000, 1000, []int{16, 2}},
		{true, 0, 2400, 1600, 1000, []int{8}},
	} {
		src := lzStripSource(tc.gray, tc.ratio, tc.sw, tc.sh, rng)
		size := image.Pt(tc.sw, tc.sh)
		specs := []Spec{{Name: "m", Processors: []Processor{Fit{Width: tc.fit, Height: tc.fit}}}}
		bound, ok := StripsMemory(size, 1, size, specs)
		_, w, h, _ := stripSpec(size, 1, size, specs)
		if !ok {
			t.Errorf("%v gray %v %v fit %d: not resampled from strips", tc.ratio, tc.gray, size, tc.fit)
			continue
		}
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		if _, err := lzStripResample(src, w, h, tc.heights); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&m1)
		got := int64(m1.TotalAlloc - m0.TotalAlloc)
		t.Logf("%v gray %v %v → %d×%d, strips %v: allocated %d, bound %d", tc.ratio, tc.gray, size, w, h, tc.heights, got, bound)
		if got > bound || 5*got < bound {
			t.Errorf("%v gray %v %v → %d×%d: allocated %d bytes, StripsMemory %d", tc.ratio, tc.gray, size, w, h, got, bound)
		}
	}
}
