package jpeg

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// stripsVFactor returns the vertical chroma subsampling of a ratio.
func stripsVFactor(r image.YCbCrSubsampleRatio) int {
	switch r {
	case image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio410:
		return 2
	}
	return 1
}

// stripsRun decodes data with DecodeResizeStrips and checks each strip
// as emit receives it: an *image.Gray or *image.YCbCr (of want's type and
// subsampling when want is not nil), the full width, starting where the
// previous one ended (0 for the first), at a row that is a multiple of
// the chroma's vertical subsampling, all as tall as the first but the
// last, and no more; when want (DecodeResize's image) is not nil, its
// samples are want's rows, to the bit. It returns the strips' heights and
// the error, having checked that an ErrNoStrips came before any strip
// and that a decode that succeeds ends its last strip at the bottom.
func stripsRun(t testing.TB, data []byte, denom int, want image.Image) ([]int, error) {
	t.Helper()
	var wb image.Rectangle
	known := false
	if want != nil {
		wb, known = want.Bounds(), true
	} else if cfg, err := DecodeConfig(bytes.NewReader(data)); err == nil {
		w, h := ScaledSize(cfg.Width, cfg.Height, denom)
		wb, known = image.Rect(0, 0, w, h), true
	}
	var heights []int
	next := 0
	emit := func(m image.Image) error {
		b := m.Bounds()
		if b.Min.X != 0 || b.Min.Y != next || b.Empty() || known && (b.Max.X != wb.Max.X || b.Max.Y > wb.Max.Y) {
			t.Fatalf("strip %d: bounds %v, after row %d of %v", len(heights), b, next, wb)
		}
		if len(heights) > 0 && heights[len(heights)-1] != heights[0] {
			t.Fatalf("strip %d after a strip shorter than the first: %v", len(heights), heights)
		}
		if len(heights) > 0 && b.Dy() > heights[0] {
			t.Fatalf("strip %d: %d rows, the first %d", len(heights), b.Dy(), heights[0])
		}
		heights = append(heights, b.Dy())
		next = b.Max.Y
		switch s := m.(type) {
		case *image.Gray:
			var w *image.Gray
			if want != nil {
				var ok bool
				if w, ok = want.(*image.Gray); !ok {
					t.Fatalf("strip %T, DecodeResize %T", m, want)
				}
			}
			for y := b.Min.Y; y < b.Max.Y; y++ {
				row := s.Pix[s.PixOffset(0, y):][:b.Dx()]
				if w != nil && !bytes.Equal(row, w.Pix[w.PixOffset(0, y):][:b.Dx()]) {
					t.Fatalf("gray row %d differs from DecodeResize's", y)
				}
			}
		case *image.YCbCr:
			var w *image.YCbCr
			if want != nil {
				var ok bool
				if w, ok = want.(*image.YCbCr); !ok || w.SubsampleRatio != s.SubsampleRatio {
					t.Fatalf("strip %T %v, DecodeResize %T", m, s.SubsampleRatio, want)
				}
			}
			if b.Min.Y%stripsVFactor(s.SubsampleRatio) != 0 {
				t.Fatalf("strip %v starts inside a chroma row (%v)", b, s.SubsampleRatio)
			}
			cw := s.COffset(b.Max.X-1, b.Min.Y) - s.COffset(0, b.Min.Y) + 1
			for y := b.Min.Y; y < b.Max.Y; y++ {
				yrow := s.Y[s.YOffset(0, y):][:b.Dx()]
				cb := s.Cb[s.COffset(0, y):][:cw]
				cr := s.Cr[s.COffset(0, y):][:cw]
				if w == nil {
					continue
				}
				if !bytes.Equal(yrow, w.Y[w.YOffset(0, y):][:b.Dx()]) {
					t.Fatalf("luma row %d differs from DecodeResize's", y)
				}
				if !bytes.Equal(cb, w.Cb[w.COffset(0, y):][:cw]) || !bytes.Equal(cr, w.Cr[w.COffset(0, y):][:cw]) {
					t.Fatalf("chroma of row %d differs from DecodeResize's", y)
				}
			}
		default:
			t.Fatalf("strip %d is a %T", len(heights)-1, m)
		}
		return nil
	}
	err := DecodeResizeStrips(bytes.NewReader(data), denom, emit)
	switch {
	case errors.Is(err, ErrNoStrips):
		if len(heights) > 0 {
			t.Fatalf("ErrNoStrips after %d strips", len(heights))
		}
	case err == nil:
		if known && next != wb.Max.Y {
			t.Fatalf("strips end at row %d of %v", next, wb)
		}
	}
	return heights, err
}

// stripsAgree decodes data with DecodeResize and DecodeResizeStrips, and
// fails unless they agree: the same picture when the strips succeed, and
// the same error when they fail with another error than ErrNoStrips,
// except for the two that only DecodeResizeStrips finds, after the last
// strip (see errStripsRescan). Damage in the data is found by both at the
// same MCU row, but DecodeResizeStrips has emitted the rows above it.
func stripsAgree(t testing.TB, name string, data []byte, denom int) ([]int, error) {
	t.Helper()
	want, wantErr := DecodeResize(bytes.NewReader(data), denom)
	heights, err := stripsRun(t, data, denom, want)
	switch {
	case err == nil:
		if wantErr != nil {
			t.Fatalf("%s/%d: DecodeResizeStrips succeeds, DecodeResize: %v", name, denom, wantErr)
		}
	case errors.Is(err, ErrNoStrips):
	case err == errStripsRescan || err == errStripsLateRGB:
	case wantErr == nil:
		t.Fatalf("%s/%d: DecodeResizeStrips: %v; DecodeResize succeeds", name, denom, err)
	case err.Error() != wantErr.Error():
		t.Fatalf("%s/%d: DecodeResizeStrips: %v; DecodeResize: %v", name, denom, err, wantErr)
	}
	return heights, err
}

// stripsPPM returns m as a binary PPM, cjpeg's input.
func stripsPPM(m *image.RGBA) []byte {
	b := m.Rect
	p := fmt.Appendf(nil, "P6\n%d %d\n255\n", b.Dx(), b.Dy())
	for i := 0; i < len(m.Pix); i += 4 {
		p = append(p, m.Pix[i:i+3]...)
	}
	return p
}

// stripsVmax returns the largest vertical sampling factor of the frame
// (1 for a single component).
func stripsVmax(t testing.TB, data []byte) int {
	t.Helper()
	sof := 2
	for {
		for sof+1 < len(data) && data[sof+1] == 0xff { // fill bytes
			sof++
		}
		if sof+4 > len(data) || data[sof] != 0xff || data[sof+1] == decSOS {
			t.Fatal("no SOF")
		}
		if m := data[sof+1]; m == decSOF0 || m == decSOF1 || m == decSOF9 {
			break
		}
		sof += 2 + (int(data[sof+2])<<8 | int(data[sof+3]))
	}
	n := int(data[sof+9])
	if n == 1 {
		return 1
	}
	v := 1
	for i := 0; i < n; i++ {
		v = max(v, int(data[sof+11+3*i]&15))
	}
	return v
}

// stripsTestdata returns the files of testdata/fuzz/FuzzDecode.
func stripsTestdata(t testing.TB) map[string][]byte {
	files := map[string][]byte{}
	paths, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzDecode", "*"))
	for _, path := range paths {
		p, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(p), "\n", 2)
		if len(lines) < 2 || !strings.HasPrefix(lines[1], "[]byte(") {
			t.Fatalf("%s: not a fuzz corpus file", path)
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(lines[1], "[]byte(")), ")"))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		files[path] = []byte(s)
	}
	return files
}

// stripsEligible reports whether a layout of decVariants is decoded in
// strips: one interleaved sequential scan of YCbCr whose subsampling
// image.YCbCr has, or of gray.
func stripsEligible(name string) bool {
	switch name {
	case "gray/baseline", "gray/sampling-2x2", "gray/quant16", "420/quant16-fill":
		return true
	}
	if strings.HasPrefix(name, "odd/") {
		return false
	}
	return strings.HasSuffix(name, "/baseline") || strings.HasSuffix(name, "/baseline-restart")
}

// stripsFiles returns files that DecodeResizeStrips decodes, by name:
// every subsampling (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1, 4:1:0, gray),
// odd sizes, restart intervals, 16-bit quantisation tables, fill bytes,
// files without DHT, arithmetic coding, and with the libjpeg-turbo tools
// installed, cjpeg's files of 1001×667.
func stripsFiles(t testing.TB) map[string][]byte {
	files := map[string][]byte{}
	for _, size := range [][2]int{{1, 1}, {17, 9}, {8, 8}, {33, 17}, {75, 53}} {
		src := decTestPhoto(size[0], size[1], 6, 6)
		for _, v := range decVariants() {
			if !stripsEligible(v.name) {
				continue
			}
			planes := twPlanes(src, len(v.o.comps), v.rgb, v.o.adobe > 0)
			files[fmt.Sprintf("%s/%dx%d", v.name, size[0], size[1])] = twEncode(planes, size[0], size[1], v.o)
		}
	}
	for _, size := range [][2]int{{1, 1}, {17, 9}, {1001, 667}} {
		src := decTestPhoto(size[0], size[1], 7, 8)
		files[fmt.Sprintf("image/jpeg/%dx%d", size[0], size[1])] = decStdEncode(t, src, 85)
		files[fmt.Sprintf("image/jpeg gray/%dx%d", size[0], size[1])] = decStdEncode(t, decGray(src), 85)
	}
	for name, p := range decMJPEGFiles(t) {
		files["MJPEG "+name] = decWithoutDHT(p, nil)
	}
	if decHaveTool(t, "jpegtran") {
		src := decTestPhoto(75, 53, 5, 4)
		for _, args := range decArithModes[:2] {
			name := strings.Join(args, " ")
			files["jpegtran "+name] = decArithmetic(t, decStdEncode(t, src, 90), 3, args)
			files["jpegtran gray "+name] = decArithmetic(t, decStdEncode(t, decGray(src), 90), 1, args)
			p := twEncode(twPlanes(src, 3, false, false), 75, 53, twOptions{comps: decYCbCrComps(0x11, 0x11), sof: decSOF0, jfif: true, adobe: -1})
			files["jpegtran 444 "+name] = decArithmetic(t, p, 3, args)
		}
	}
	if decHaveTool(t, "cjpeg") {
		for _, size := range [][2]int{{17, 9}, {1001, 667}} {
			ppm := stripsPPM(decTestPhoto(size[0], size[1], 8, 6))
			for _, args := range [][]string{
				{"-sample", "1x1"}, {"-sample", "2x1"}, {"-sample", "2x2"}, {"-sample", "1x2"}, {"-sample", "4x1"},
				{"-sample", "1x1", "-restart", "3B"}, {"-sample", "2x2", "-restart", "1"}, {"-grayscale"},
				{"-grayscale", "-restart", "5B"}, {"-sample", "2x2", "-optimize"},
			} {
				name := fmt.Sprintf("cjpeg %s/%dx%d", strings.Join(args, " "), size[0], size[1])
				files[name] = decTool(t, ppm, "cjpeg", append([]string{"-quality", "85"}, args...)...)
			}
		}
	}
	return files
}

// TestDecodeResizeStrips decodes files of every layout DecodeResizeStrips
// takes at every scale: the strips are DecodeResize's picture, to the
// bit, cut into bands of one MCU row (stripsRun checks the bands).
func TestDecodeResizeStrips(t *testing.T) {
	for name, data := range stripsFiles(t) {
		for _, denom := range []int{1, 2, 4, 8} {
			heights, err := stripsAgree(t, name, data, denom)
			if err != nil {
				t.Fatalf("%s/%d: %v", name, denom, err)
			}
			if want := 8 * stripsVmax(t, data) / denom; heights[0] != want && len(heights) > 1 {
				t.Errorf("%s/%d: strips of %d rows, want an MCU row, %d", name, denom, heights[0], want)
			}
		}
	}
}

// TestDecodeResizeStripsOther runs the files of testdata and, when
// BLOBIMAGE_CORPUS names a directory of photos, its JPEGs through
// stripsAgree at every scale: the strips, when they come, are
// DecodeResize's picture; otherwise both fail alike, or the file gives
// ErrNoStrips.
func TestDecodeResizeStripsOther(t *testing.T) {
	files := stripsTestdata(t)
	for _, path := range corpusJPEGs(t) {
		p, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(path)] = p
	}
	for name, data := range files {
		for _, denom := range []int{1, 2, 4, 8} {
			heights, err := stripsAgree(t, name, data, denom)
			t.Logf("%s/%d: %d strips, %v", name, denom, len(heights), err)
		}
	}
}

// TestDecodeResizeStripsNoStrips checks that every file not made of one
// interleaved sequential scan of YCbCr or gray gives ErrNoStrips before
// emit is called, at every scale, and that DecodeResize, which callers
// fall back to, decodes it.
func TestDecodeResizeStripsNoStrips(t *testing.T) {
	src := decTestPhoto(75, 53, 9, 6)
	files := map[string][]byte{}
	for _, v := range decVariants() {
		if stripsEligible(v.name) {
			continue
		}
		planes := twPlanes(src, len(v.o.comps), v.rgb, v.o.adobe > 0)
		files[v.name] = twEncode(planes, 75, 53, v.o)
	}
	baseline := decStdEncode(t, src, 85)
	files["DNL"] = decWithDNL(t, baseline, 0, 53)
	files["DNL gray"] = decWithDNL(t, decStdEncode(t, decGray(src), 85), 0, 53)
	files["width 0"] = decWithSOF(t, baseline, 3, 0, 0)
	files["width and height 0"] = decWithSOF(t, baseline, 1, 0, 0, 0, 0)
	cmyk := []twComp{{1, 1, 1, 0}, {2, 1, 1, 0}, {3, 1, 1, 0}, {4, 1, 1, 0}}
	files["cmyk/no-adobe"] = twEncode(twPlanes(src, 4, false, false), 75, 53, twOptions{comps: cmyk, sof: decSOF0, adobe: -1})
	if decHaveTool(t, "jpegtran") {
		for _, args := range decArithModes[2:] {
			files["jpegtran "+strings.Join(args, " ")] = decArithmetic(t, baseline, 3, args)
		}
		files["jpegtran -progressive"] = decTool(t, baseline, "jpegtran", "-progressive")
		files["jpegtran -progressive gray"] = decTool(t, decStdEncode(t, decGray(src), 85), "jpegtran", "-progressive")
		script := filepath.Join(t.TempDir(), "scans")
		if err := os.WriteFile(script, []byte("0;\n1 2;\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		files["jpegtran sequential scans"] = decTool(t, baseline, "jpegtran", "-scans", script)
	}
	if decHaveTool(t, "cjpeg") {
		ppm := stripsPPM(src)
		files["cjpeg -progressive"] = decTool(t, ppm, "cjpeg", "-progressive")
		files["cjpeg -rgb"] = decTool(t, ppm, "cjpeg", "-rgb")
		files["cjpeg -rgb -sample 2x2"] = decTool(t, ppm, "cjpeg", "-rgb", "-sample", "2x2,1x1,1x1")
	}
	for name, data := range files {
		for _, denom := range []int{1, 2, 4, 8} {
			err := DecodeResizeStrips(bytes.NewReader(data), denom, func(image.Image) error {
				t.Fatalf("%s/%d: emit called", name, denom)
				return nil
			})
			if err != ErrNoStrips {
				t.Errorf("%s/%d: %v, want ErrNoStrips", name, denom, err)
			}
			_, err = DecodeResize(bytes.NewReader(data), denom)
			var ue UnsupportedError
			if err != nil && !(name == "cmyk/no-adobe" && errors.As(err, &ue)) {
				t.Errorf("%s/%d: DecodeResize: %v", name, denom, err)
			}
		}
	}
}

// TestDecodeResizeStripsEmitError stops the decode from emit: its error
// is returned, and emit is not called again.
func TestDecodeResizeStripsEmitError(t *testing.T) {
	src := decTestPhoto(75, 53, 3, 6)
	stop := errors.New("stop")
	for name, data := range map[string][]byte{
		"420":  decStdEncode(t, src, 85),
		"gray": decStdEncode(t, decGray(src), 85),
		"444-restart": twEncode(twPlanes(src, 3, false, false), 75, 53,
			twOptions{comps: decYCbCrComps(0x11, 0x11), sof: decSOF0, restart: 3, jfif: true, adobe: -1}),
	} {
		for _, denom := range []int{1, 2, 4, 8} {
			calls := 0
			err := DecodeResizeStrips(bytes.NewReader(data), denom, func(image.Image) error {
				calls++
				if calls == 2 {
					return fmt.Errorf("at strip 2: %w", stop)
				}
				return nil
			})
			if !errors.Is(err, stop) || calls != 2 {
				t.Errorf("%s/%d: %v after %d calls, want stop after 2", name, denom, err, calls)
			}
		}
	}
	if err := DecodeResizeStrips(bytes.NewReader(decStdEncode(t, src, 85)), 2, nil); err == nil {
		t.Error("nil emit: no error")
	}
	if err := DecodeResizeStrips(bytes.NewReader(decStdEncode(t, src, 85)), 3, func(image.Image) error { return nil }); err != errDecDenom {
		t.Errorf("denom 3: %v", err)
	}
}

// TestDecodeResizeStripsLate checks the two files that DecodeResize
// decodes and DecodeResizeStrips refuses once it has emitted every strip:
// a second scan over the components of the first, and an Adobe segment
// after the scan that makes the picture RGB.
func TestDecodeResizeStripsLate(t *testing.T) {
	src := decTestPhoto(75, 53, 3, 6)
	data := twEncode(twPlanes(src, 3, false, false), 75, 53, twOptions{comps: decYCbCrComps(0x22, 0x11), sof: decSOF0, adobe: -1})
	eoi := len(data) - 2
	if data[eoi] != 0xff || data[eoi+1] != decEOI {
		t.Fatal("no EOI at the end")
	}
	sos := bytes.Index(data, []byte{0xff, decSOS})
	rescan := append(bytes.Clone(data[:eoi]), data[sos:]...)
	adobe := []byte{0xff, decAPP14, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0}
	lateRGB := append(append(bytes.Clone(data[:eoi]), adobe...), 0xff, decEOI)
	for name, c := range map[string]struct {
		data []byte
		err  error
	}{"rescan": {rescan, errStripsRescan}, "late RGB": {lateRGB, errStripsLateRGB}} {
		for _, denom := range []int{1, 2, 4, 8} {
			if _, err := DecodeResize(bytes.NewReader(c.data), denom); err != nil {
				t.Fatalf("%s/%d: DecodeResize: %v", name, denom, err)
			}
			heights, err := stripsRun(t, c.data, denom, nil)
			if err != c.err || len(heights) != (53+16-1)/16 {
				t.Errorf("%s/%d: %v after %d strips, want %v after all", name, denom, err, len(heights), c.err)
			}
		}
	}
}

// TestDecodeResizeStripsTruncated decodes every prefix of small files,
// and files with damaged entropy-coded data: DecodeResizeStrips fails as
// DecodeResize does, with the same error, without panicking (or gives
// ErrNoStrips for a progressive file once it has seen the scan header).
func TestDecodeResizeStripsTruncated(t *testing.T) {
	files := decSmallFiles(t)
	src := decTestPhoto(21, 18, 4, 10)
	files["gray"] = decStdEncode(t, decGray(src), 80)
	files["444-restart"] = twEncode(twPlanes(src, 3, false, false), 21, 18,
		twOptions{comps: decYCbCrComps(0x11, 0x11), sof: decSOF0, restart: 1, jfif: true, adobe: -1})
	for name, data := range files {
		for n := 0; n < len(data); n++ {
			for _, denom := range []int{1, 2, 4, 8} {
				if _, err := stripsAgree(t, fmt.Sprintf("%s[:%d]", name, n), data[:n], denom); err == nil {
					t.Fatalf("%s[:%d]/%d: no error", name, n, denom)
				}
			}
		}
	}
	for name, c := range decDamaged(t) {
		for _, denom := range []int{1, 2, 4, 8} {
			if _, err := stripsAgree(t, name, c.data, denom); err != c.err {
				t.Errorf("%s/%d: %v, want %v", name, denom, err, c.err)
			}
		}
	}
}

// TestDecodeResizeStripsMemory decodes a 4000×3000 photo in strips and
// checks that the decode allocates far less than the picture's planes
// (W×H×1.5 bytes at 4:2:0), which DecodeResize allocates: under a
// quarter of them.
func TestDecodeResizeStripsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a 12 MP image")
	}
	data := decBench12MP()
	for _, denom := range []int{1, 2, 4} {
		w, h := ScaledSize(4000, 3000, denom)
		planes := uint64(w * h * 3 / 2)
		strips := stripsAlloc(t, func() error {
			return DecodeResizeStrips(bytes.NewReader(data), denom, func(image.Image) error { return nil })
		})
		whole := stripsAlloc(t, func() error {
			_, err := DecodeResize(bytes.NewReader(data), denom)
			return err
		})
		t.Logf("1/%d: DecodeResizeStrips allocates %d bytes, DecodeResize %d, the planes are %d", denom, strips, whole, planes)
		if strips >= planes/4 {
			t.Errorf("1/%d: DecodeResizeStrips allocates %d bytes, want < %d (a quarter of the planes)", denom, strips, planes/4)
		}
		if whole < planes {
			t.Errorf("1/%d: DecodeResize allocates %d bytes, less than the planes, %d", denom, whole, planes)
		}
	}
}

// stripsAlloc returns the bytes f allocates.
func stripsAlloc(t *testing.T, f func() error) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := f()
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	return after.TotalAlloc - before.TotalAlloc
}

// BenchmarkDecodeResizeStrips compares DecodeResize and
// DecodeResizeStrips at 1/2 on the 12 MP photo (and the corpus photos
// decBenchInputs adds, the progressive one giving ErrNoStrips).
func BenchmarkDecodeResizeStrips(b *testing.B) {
	b.Run("DecodeResize", func(b *testing.B) {
		decBenchAll(b, func(p []byte) (image.Image, error) { return DecodeResize(bytes.NewReader(p), 2) })
	})
	b.Run("Strips", func(b *testing.B) {
		decBenchAll(b, func(p []byte) (image.Image, error) {
			err := DecodeResizeStrips(bytes.NewReader(p), 2, func(image.Image) error { return nil })
			if err == ErrNoStrips {
				err = nil
			}
			return nil, err
		})
	})
}

// FuzzDecodeResizeStrips checks stripsAgree on arbitrary input at every
// scale: when DecodeResizeStrips succeeds, its strips are DecodeResize's
// picture; when it fails with another error than ErrNoStrips, DecodeResize
// fails with the same one, except where stripsAgree says they differ.
func FuzzDecodeResizeStrips(f *testing.F) {
	for _, s := range decFuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if cfg, err := DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width*cfg.Height > decFuzzMaxPixels {
			return
		}
		for _, denom := range []int{1, 2, 4, 8} {
			stripsAgree(t, "fuzz", data, denom)
		}
	})
}
