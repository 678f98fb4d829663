package jpeg

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	stdjpeg "image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// encTestPhoto returns a deterministic photo-like w×h image: smooth
// gradients and waves, a few hard-edged shapes and a little noise.
func encTestPhoto(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 7))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			r := 60 + 140*fx + 30*math.Sin(fy*9+fx*3)
			g := 80 + 100*fy + 25*math.Cos(fx*13)
			b := 120 + 90*(1-fx)*fy + 20*math.Sin((fx+fy)*21)
			// Shapes: a disc and a bar with sharp edges.
			if dx, dy := fx-0.6, fy-0.4; dx*dx+dy*dy < 0.03 {
				r, g, b = 230-40*fy, 200-60*fx, 40
			}
			if fx > 0.15 && fx < 0.25 && fy > 0.2 {
				r, g, b = 20, 30+50*fy, 60
			}
			n := rng.NormFloat64() * 3
			m.Pix[m.PixOffset(x, y)+0] = encClamp8(r + n)
			m.Pix[m.PixOffset(x, y)+1] = encClamp8(g + n)
			m.Pix[m.PixOffset(x, y)+2] = encClamp8(b + n + rng.NormFloat64())
			m.Pix[m.PixOffset(x, y)+3] = 0xff
		}
	}
	return m
}

func encClamp8(v float64) uint8 {
	return uint8(min(max(math.Round(v), 0), 255))
}

// encToYCbCr converts m to an *image.YCbCr with ratio r, averaging chroma.
func encToYCbCr(m image.Image, r image.YCbCrSubsampleRatio) *image.YCbCr {
	b := m.Bounds()
	out := image.NewYCbCr(b, r)
	sum := make(map[int][3]int)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.YCbCrModel.Convert(m.At(x, y)).(color.YCbCr)
			out.Y[out.YOffset(x, y)] = c.Y
			o := out.COffset(x, y)
			s := sum[o]
			sum[o] = [3]int{s[0] + int(c.Cb), s[1] + int(c.Cr), s[2] + 1}
		}
	}
	for o, s := range sum {
		out.Cb[o] = uint8((s[0] + s[2]/2) / s[2])
		out.Cr[o] = uint8((s[1] + s[2]/2) / s[2])
	}
	return out
}

// encPSNR returns the PSNR in dB of the RGB channels of got against want,
// matching pixels by their offset from each image's origin.
func encPSNR(want, got image.Image) float64 {
	wb, gb := want.Bounds(), got.Bounds()
	var se float64
	for y := 0; y < wb.Dy(); y++ {
		for x := 0; x < wb.Dx(); x++ {
			r0, g0, b0, _ := want.At(wb.Min.X+x, wb.Min.Y+y).RGBA()
			r1, g1, b1, _ := got.At(gb.Min.X+x, gb.Min.Y+y).RGBA()
			for _, d := range [3]float64{
				float64(r0>>8) - float64(r1>>8),
				float64(g0>>8) - float64(g1>>8),
				float64(b0>>8) - float64(b1>>8),
			} {
				se += d * d
			}
		}
	}
	mse := se / float64(3*wb.Dx()*wb.Dy())
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// encRoundTrip encodes m with o, decodes the result with image/jpeg and
// returns the decoded image and the encoded size.
func encRoundTrip(t testing.TB, m image.Image, o *Options) (image.Image, int) {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, m, o); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	d, err := stdjpeg.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("image/jpeg cannot decode our output: %v", err)
	}
	if got, want := d.Bounds().Size(), m.Bounds().Size(); got != want {
		t.Fatalf("decoded size %v, want %v", got, want)
	}
	return d, buf.Len()
}

// encStdlib encodes m with image/jpeg and returns the decoded image and
// the encoded size.
func encStdlib(t testing.TB, m image.Image, q int) (image.Image, int) {
	t.Helper()
	var buf bytes.Buffer
	if err := stdjpeg.Encode(&buf, m, &stdjpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	n := buf.Len()
	d, err := stdjpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return d, n
}

// encTestImages returns the images of the round-trip test, all derived from
// one photo-like picture of size w×h.
func encTestImages(w, h int) map[string]image.Image {
	rgba := encTestPhoto(w, h, uint64(w*h))
	b := rgba.Bounds()
	nrgba := image.NewNRGBA(b)
	copy(nrgba.Pix, rgba.Pix)
	gray := image.NewGray(b)
	pal := image.NewPaletted(b, palette.Plan9)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			gray.Set(x, y, rgba.At(x, y))
			pal.Set(x, y, rgba.At(x, y))
		}
	}
	ims := map[string]image.Image{
		"RGBA":     rgba,
		"NRGBA":    nrgba,
		"Gray":     gray,
		"Paletted": pal,
	}
	for _, r := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440,
		image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		ims["YCbCr"+r.String()[len("YCbCrSubsampleRatio"):]] = encToYCbCr(rgba, r)
	}
	return ims
}

// TestEncodeRoundTrip decodes our output with image/jpeg for every fast
// path and the fallback, at awkward sizes, and checks the PSNR with
// encCheckPSNR.
func TestEncodeRoundTrip(t *testing.T) {
	for _, sz := range []image.Point{{1, 1}, {7, 9}, {17, 33}, {1000, 1}, {1, 300}, {161, 97}} {
		for name, m := range encTestImages(sz.X, sz.Y) {
			for _, o := range []*Options{nil, {Quality: 90}, {Quality: 90, Chroma444: true}} {
				t.Run(fmt.Sprintf("%dx%d/%s/%+v", sz.X, sz.Y, name, o), func(t *testing.T) {
					d, _ := encRoundTrip(t, m, o)
					_, isGray := m.(*image.Gray)
					if _, ok := d.(*image.Gray); ok != isGray {
						t.Errorf("decoded %T from %T", d, m)
					}
					encCheckPSNR(t, m, d, o)
				})
			}
		}
	}
}

// encCheckPSNR checks the PSNR of decoded d against m, encoded with o. It
// must be no more than 0.1 dB below image/jpeg's at the same quality, or
// 0.25 dB for images of fewer than 4096 pixels, where a handful of blocks
// and a single rounding decision can move the PSNR by tenths of a dB.
// Images of at least 32×32 must also reach 26 dB (the test picture has
// sharp edges; smaller versions of it are nothing but edges).
func encCheckPSNR(t *testing.T, m, d image.Image, o *Options) {
	t.Helper()
	q := 75
	if o != nil {
		q = o.Quality
	}
	ds, _ := encStdlib(t, m, q)
	p, ps := encPSNR(m, d), encPSNR(m, ds)
	sz := m.Bounds().Size()
	tol := 0.1
	if sz.X*sz.Y < 4096 {
		tol = 0.25
	}
	if p < ps-tol || (sz.X >= 32 && sz.Y >= 32 && p < 26) {
		t.Errorf("PSNR %.2f dB, image/jpeg %.2f dB", p, ps)
	}
}

// TestEncodeSmoothPSNR checks the stated floor: at least 38 dB at quality
// 90 on a smooth gradient with noise.
func TestEncodeSmoothPSNR(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 256, 192))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range 192 {
		for x := range 256 {
			n := rng.NormFloat64() * 2
			o := m.PixOffset(x, y)
			m.Pix[o+0] = encClamp8(float64(x) + n)
			m.Pix[o+1] = encClamp8(float64(y) + n)
			m.Pix[o+2] = encClamp8(float64(x+y)/2 + n)
			m.Pix[o+3] = 0xff
		}
	}
	d, _ := encRoundTrip(t, m, &Options{Quality: 90})
	if p := encPSNR(m, d); p < 38 {
		t.Errorf("PSNR %.2f dB < 38", p)
	}
}

func TestEncodeSubImage(t *testing.T) {
	full := encTestImages(97, 71)
	for name, m := range full {
		// Odd origins exercise the chroma alignment of YCbCr sources.
		for _, r := range []image.Rectangle{image.Rect(3, 5, 90, 60), image.Rect(8, 16, 40, 33)} {
			sub := m.(interface {
				SubImage(image.Rectangle) image.Image
			}).SubImage(r)
			t.Run(fmt.Sprintf("%s/%v", name, r), func(t *testing.T) {
				o := &Options{Quality: 90}
				d, _ := encRoundTrip(t, sub, o)
				encCheckPSNR(t, sub, d, o)
				// The same pixels at the origin must encode identically.
				if _, ok := sub.(*image.Paletted); ok {
					return
				}
				var a, b bytes.Buffer
				if err := Encode(&a, sub, nil); err != nil {
					t.Fatal(err)
				}
				if err := Encode(&b, encCopyAtOrigin(sub), nil); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a.Bytes(), b.Bytes()) {
					t.Errorf("sub-image and its copy at the origin encode differently")
				}
			})
		}
	}
}

// encCopyAtOrigin returns a copy of m, of the same type, whose bounds
// start at (0, 0).
func encCopyAtOrigin(m image.Image) image.Image {
	b := m.Bounds()
	r := image.Rect(0, 0, b.Dx(), b.Dy())
	switch m := m.(type) {
	case *image.YCbCr:
		// Only valid for even origins; odd ones shift the chroma grid.
		out := image.NewYCbCr(r, m.SubsampleRatio)
		for y := range b.Dy() {
			for x := range b.Dx() {
				out.Y[out.YOffset(x, y)] = m.Y[m.YOffset(b.Min.X+x, b.Min.Y+y)]
				out.Cb[out.COffset(x, y)] = m.Cb[m.COffset(b.Min.X+x, b.Min.Y+y)]
				out.Cr[out.COffset(x, y)] = m.Cr[m.COffset(b.Min.X+x, b.Min.Y+y)]
			}
		}
		if b.Min.X%4 != 0 || b.Min.Y%2 != 0 {
			return m // not comparable; compare with itself
		}
		return out
	case *image.Gray:
		out := image.NewGray(r)
		for y := range b.Dy() {
			copy(out.Pix[y*out.Stride:], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:b.Dx()])
		}
		return out
	case *image.NRGBA:
		out := image.NewNRGBA(r)
		for y := range b.Dy() {
			copy(out.Pix[y*out.Stride:], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:4*b.Dx()])
		}
		return out
	default:
		out := image.NewRGBA(r)
		for y := range b.Dy() {
			for x := range b.Dx() {
				out.Set(x, y, m.At(b.Min.X+x, b.Min.Y+y))
			}
		}
		return out
	}
}

// TestEncodeVsStdlib compares size and PSNR with image/jpeg at the same
// quality: ours must be within ±5 % in size and no more than 0.1 dB worse.
func TestEncodeVsStdlib(t *testing.T) {
	rgba := encTestPhoto(640, 480, 3)
	inputs := []struct {
		name string
		m    image.Image
	}{
		{"RGBA", rgba},
		{"YCbCr420", encToYCbCr(rgba, image.YCbCrSubsampleRatio420)},
		{"YCbCr444", encToYCbCr(rgba, image.YCbCrSubsampleRatio444)},
		{"Gray", decGray(rgba)},
	}
	if m := encCorpusImage(t); m != nil {
		inputs = append(inputs, struct {
			name string
			m    image.Image
		}{"corpus", m})
	}
	for _, in := range inputs {
		for _, q := range []int{50, 75, 85, 95} {
			ds, ns := encStdlib(t, in.m, q)
			do, no := encRoundTrip(t, in.m, &Options{Quality: q})
			ps, po := encPSNR(in.m, ds), encPSNR(in.m, do)
			ratio := float64(no) / float64(ns)
			t.Logf("%-8s q%d  size std %8d ours %8d (%+.2f%%)  PSNR std %.3f ours %.3f (%+.3f dB)",
				in.name, q, ns, no, 100*(ratio-1), ps, po, po-ps)
			if ratio < 0.95 || ratio > 1.05 {
				t.Errorf("%s q%d: size %d vs stdlib %d", in.name, q, no, ns)
			}
			if po < ps-0.1 {
				t.Errorf("%s q%d: PSNR %.3f vs stdlib %.3f", in.name, q, po, ps)
			}
		}
	}
}

// encCorpusImage returns the first photo in $BLOBIMAGE_CORPUS (a folder or
// a file), decoded, or nil when it is not set.
func encCorpusImage(t testing.TB) image.Image {
	p := os.Getenv("BLOBIMAGE_CORPUS")
	if p == "" {
		return nil
	}
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		names, _ := filepath.Glob(filepath.Join(p, "*.jpg"))
		if len(names) == 0 {
			t.Skipf("no *.jpg in %s", p)
		}
		p = names[0]
		for _, n := range names {
			if filepath.Base(n) == "nikond3100_14mp.jpg" {
				p = n
			}
		}
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := stdjpeg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEncodeQuality(t *testing.T) {
	m := encTestPhoto(64, 48, 9)
	enc := func(q int) []byte {
		var buf bytes.Buffer
		if err := Encode(&buf, m, &Options{Quality: q}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	for _, q := range []int{1, 100} {
		d, _ := encRoundTrip(t, m, &Options{Quality: q})
		t.Logf("q%d PSNR %.2f", q, encPSNR(m, d))
	}
	if !bytes.Equal(enc(-7), enc(1)) {
		t.Error("quality -7 should clamp to 1")
	}
	if !bytes.Equal(enc(1000), enc(100)) {
		t.Error("quality 1000 should clamp to 100")
	}
	if !bytes.Equal(enc(0), enc(75)) {
		t.Error("quality 0 should mean 75")
	}
	var buf bytes.Buffer
	if err := Encode(&buf, m, nil); err != nil || !bytes.Equal(buf.Bytes(), enc(75)) {
		t.Error("nil options should mean quality 75", err)
	}
	if len(enc(1)) >= len(enc(50)) || len(enc(50)) >= len(enc(100)) {
		t.Error("size should grow with quality")
	}
}

// TestEncodeTables checks the quantisation and Huffman tables against the
// segments image/jpeg writes, which use the same Annex K tables and IJG
// scaling.
func TestEncodeTables(t *testing.T) {
	m := encTestPhoto(16, 16, 1)
	for _, q := range []int{1, 10, 49, 50, 51, 75, 90, 100} {
		var ours, std bytes.Buffer
		if err := Encode(&ours, m, &Options{Quality: q}); err != nil {
			t.Fatal(err)
		}
		if err := stdjpeg.Encode(&std, m, &stdjpeg.Options{Quality: q}); err != nil {
			t.Fatal(err)
		}
		for _, marker := range []byte{0xdb, 0xc4} {
			a, b := encSegment(ours.Bytes(), marker), encSegment(std.Bytes(), marker)
			if a == nil || !bytes.Equal(a, b) {
				t.Errorf("q%d: segment %#x differs:\n%x\n%x", q, marker, a, b)
			}
		}
	}
	for i, s := range encHuffSpecs {
		n, seen := 0, map[byte]bool{}
		for _, c := range s.counts {
			n += int(c)
		}
		for _, v := range s.symbols {
			if seen[v] {
				t.Errorf("table %d: symbol %#x twice", i, v)
			}
			seen[v] = true
		}
		if n != len(s.symbols) {
			t.Errorf("table %d: %d counts, %d symbols", i, n, len(s.symbols))
		}
	}
}

// encSegment returns the payload of the first marker segment with the given
// marker before the scan data, or nil.
func encSegment(p []byte, marker byte) []byte {
	for i := 2; i+4 <= len(p) && p[i] == 0xff; {
		n := int(p[i+2])<<8 | int(p[i+3])
		if p[i+1] == marker {
			return p[i+4 : i+2+n]
		}
		if p[i+1] == 0xda {
			break
		}
		i += 2 + n
	}
	return nil
}

func TestEncodeHeaders(t *testing.T) {
	m := encTestPhoto(33, 17, 1)
	for _, tc := range []struct {
		m    image.Image
		o    *Options
		want []byte
	}{
		{m, nil, []byte{8, 0, 17, 0, 33, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1}},
		{m, &Options{Chroma444: true}, []byte{8, 0, 17, 0, 33, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1}},
		{decGray(m), &Options{Chroma444: true}, []byte{8, 0, 17, 0, 33, 1, 1, 0x11, 0}},
	} {
		var buf bytes.Buffer
		if err := Encode(&buf, tc.m, tc.o); err != nil {
			t.Fatal(err)
		}
		if got := encSegment(buf.Bytes(), 0xc0); !bytes.Equal(got, tc.want) {
			t.Errorf("SOF0 %x, want %x", got, tc.want)
		}
		if app := encSegment(buf.Bytes(), 0xe0); !bytes.HasPrefix(app, []byte("JFIF\x00")) {
			t.Errorf("APP0 %q, want JFIF", app)
		}
		if !bytes.HasSuffix(buf.Bytes(), []byte{0xff, 0xd9}) {
			t.Error("no EOI at the end")
		}
	}
}

// TestEncodeFDCT checks the scaled transform and quantisation against a
// floating-point DCT, with all quantisers 1 and 16.
func TestEncodeFDCT(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, qv := range []byte{1, 16} {
		var qt [64]byte
		for i := range qt {
			qt[i] = qv
		}
		recip := encReciprocals(&qt)
		worst := 0.0
		for trial := range 2000 {
			var px [64]byte
			for i := range px {
				switch trial % 3 {
				case 0:
					px[i] = byte(rng.IntN(256))
				case 1:
					px[i] = byte(255 * (i & 1)) // extremes
				default:
					px[i] = byte(100 + rng.IntN(20) + 4*(i%8))
				}
			}
			var out [64]int32
			nz := encFDCTQuant(px[:], 0, 8, &recip, &out)
			for k, n := range unzig {
				u, v := int(n)/8, int(n)%8
				f := encRefDCT(&px, u, v) / float64(qv)
				if d := math.Abs(float64(out[k]) - f); d > worst {
					worst = d
				}
				if k > 0 && (out[k] != 0) != (nz>>k&1 == 1) {
					t.Fatalf("mask bit %d wrong", k)
				}
			}
		}
		// Rounding alone accounts for 0.5.
		if worst > 0.5+0.15/float64(qv) {
			t.Errorf("q=%d: worst error %.3f", qv, worst)
		}
		t.Logf("q=%d: worst error %.3f", qv, worst)
	}
}

// encRefDCT is the DCT of ITU T.81 A.3.3 for one coefficient.
func encRefDCT(px *[64]byte, u, v int) float64 {
	c := func(i int) float64 {
		if i == 0 {
			return 1 / math.Sqrt2
		}
		return 1
	}
	s := 0.0
	for y := range 8 {
		for x := range 8 {
			s += (float64(px[y*8+x]) - 128) *
				math.Cos(float64(2*x+1)*float64(v)*math.Pi/16) *
				math.Cos(float64(2*y+1)*float64(u)*math.Pi/16)
		}
	}
	return s * c(u) * c(v) / 4
}

func TestEncodeErrors(t *testing.T) {
	if err := Encode(&bytes.Buffer{}, image.NewRGBA(image.Rect(5, 5, 5, 9)), nil); err == nil {
		t.Error("empty image: no error")
	}
	if err := Encode(&bytes.Buffer{}, image.NewGray(image.Rect(0, 0, 70000, 1)), nil); err == nil {
		t.Error("too wide image: no error")
	}
	m := encTestPhoto(800, 600, 2)
	var full bytes.Buffer
	if err := Encode(&full, m, &Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	if full.Len() < 2*encBufSize {
		t.Fatalf("test image too small: %d bytes", full.Len())
	}
	for _, after := range []int{0, 100, full.Len() / 2, full.Len() - 1} {
		fw := &encFailWriter{after: after, err: errors.New("test write error")}
		err := Encode(fw, m, &Options{Quality: 95})
		if err != fw.err {
			t.Errorf("failing after %d bytes: got %v", after, err)
		}
		if fw.callsAfterError > 0 {
			t.Errorf("failing after %d bytes: %d writes after the error", after, fw.callsAfterError)
		}
		if !bytes.HasPrefix(full.Bytes(), fw.got) {
			t.Errorf("failing after %d bytes: wrote different bytes", after)
		}
	}
}

// encFailWriter accepts after bytes and then fails.
type encFailWriter struct {
	err             error
	after           int
	failed          bool
	callsAfterError int
	got             []byte
}

func (w *encFailWriter) Write(p []byte) (int, error) {
	if w.failed {
		w.callsAfterError++
		return 0, w.err
	}
	if len(w.got)+len(p) > w.after {
		n := w.after - len(w.got)
		w.got = append(w.got, p[:n]...)
		w.failed = true
		return n, w.err
	}
	w.got = append(w.got, p...)
	return len(p), nil
}

// TestEncodeFastPathsAgree checks that the direct readers of RGBA and
// NRGBA (opaque and translucent) give the same bytes as the At fallback on
// the same colours.
func TestEncodeFastPathsAgree(t *testing.T) {
	rgba := encTestPhoto(67, 45, 4)
	b := rgba.Bounds()
	nrgba := image.NewNRGBA(b)
	copy(nrgba.Pix, rgba.Pix)
	translucent := image.NewNRGBA(b)
	copy(translucent.Pix, rgba.Pix)
	for i := 3; i < len(translucent.Pix); i += 4 {
		translucent.Pix[i] = byte(i * 7)
	}
	for name, m := range map[string]image.Image{"RGBA": rgba, "NRGBA": nrgba, "translucent NRGBA": translucent} {
		for _, o := range []*Options{nil, {Chroma444: true}} {
			var fast, slow bytes.Buffer
			if err := Encode(&fast, m, o); err != nil {
				t.Fatal(err)
			}
			if err := Encode(&slow, encOnlyAt{m}, o); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(fast.Bytes(), slow.Bytes()) {
				t.Errorf("%s %+v: fast path and At fallback differ", name, o)
			}
		}
	}
}

// encOnlyAt hides the concrete type of an image, forcing the fallback.
type encOnlyAt struct{ image.Image }

// TestEncodeExtremes encodes the largest coefficients and saturated colours
// at quality 100 and 1.
func TestEncodeExtremes(t *testing.T) {
	check := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 32 {
			v := byte(255 * ((x + y) & 1))
			if x < 16 {
				v = byte(255 * ((x / 2 % 2) ^ (y / 2 % 2)))
			}
			check.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	for _, c := range []color.RGBA{{0, 0, 255, 255}, {255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 0, 255}, {255, 255, 255, 255}} {
		solid := image.NewRGBA(image.Rect(0, 0, 9, 9))
		for i := 0; i < len(solid.Pix); i += 4 {
			solid.Pix[i], solid.Pix[i+1], solid.Pix[i+2], solid.Pix[i+3] = c.R, c.G, c.B, c.A
		}
		for _, q := range []int{1, 100} {
			// At quality 1 the DC step is coarse: compare with image/jpeg.
			want := color.Color(c)
			if q == 1 {
				ds, _ := encStdlib(t, solid, q)
				want = ds.At(4, 4)
			}
			d, _ := encRoundTrip(t, solid, &Options{Quality: q})
			r, g, b, _ := d.At(4, 4).RGBA()
			r0, g0, b0, _ := want.RGBA()
			if dr, dg, db := int(r>>8)-int(r0>>8), int(g>>8)-int(g0>>8), int(b>>8)-int(b0>>8); dr*dr+dg*dg+db*db > 3*3*3 {
				t.Errorf("solid %v at q%d decodes as %d,%d,%d, want %d,%d,%d", c, q, r>>8, g>>8, b>>8, r0>>8, g0>>8, b0>>8)
			}
		}
	}
	for _, q := range []int{1, 100} {
		for _, m := range []image.Image{check, decGray(check)} {
			d, _ := encRoundTrip(t, m, &Options{Quality: q, Chroma444: true})
			if p := encPSNR(m, d); q == 100 && p < 40 {
				t.Errorf("checkerboard %T at q100: PSNR %.2f", m, p)
			}
		}
	}
}
