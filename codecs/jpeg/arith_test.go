package jpeg

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// decArithModes are jpegtran arguments that recode a file with arithmetic
// coding: sequential (SOF9) and progressive (SOF10), with and without
// restart intervals. "scans" is replaced by a scan script coding each
// component in a scan of its own.
var decArithModes = [][]string{
	{"-arithmetic"},
	{"-arithmetic", "-restart", "1B"},
	{"-arithmetic", "-progressive"},
	{"-arithmetic", "-progressive", "-restart", "2"},
	{"-arithmetic", "scans"},
}

// decArithmetic recodes data with jpegtran args (one of decArithModes).
// jpegtran keeps the quantised coefficients exactly.
func decArithmetic(t testing.TB, data []byte, ncomp int, args []string) []byte {
	t.Helper()
	if args[len(args)-1] == "scans" {
		var script strings.Builder
		for i := 0; i < ncomp; i++ {
			fmt.Fprintf(&script, "%d;\n", i)
		}
		f := filepath.Join(t.TempDir(), "scans")
		if err := os.WriteFile(f, []byte(script.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args[:len(args)-1:len(args)-1], "-scans", f)
	}
	out := decTool(t, data, "jpegtran", args...)
	want := byte(decSOF9)
	if slices.Contains(args, "-progressive") {
		want = decSOF10
	}
	if sof := out[decSOFAt(t, out)+1]; sof != want {
		t.Fatalf("jpegtran %v wrote SOF %#x, want %#x", args, sof, want)
	}
	return out
}

// decArithFiles returns the variants of the test writer that jpegtran can
// recode (it refuses more than 10 blocks in an MCU and quantisation
// tables redefined between scans) at a few sizes.
func decArithFiles(t testing.TB) map[string][]byte {
	files := map[string][]byte{}
	for _, size := range [][2]int{{75, 53}, {1, 1}, {33, 17}} {
		src := decTestPhoto(size[0], size[1], 5, 4)
		files[fmt.Sprintf("image/jpeg/%dx%d", size[0], size[1])] = decStdEncode(t, src, 90)
		for _, v := range decVariants() {
			switch v.name {
			case "420/requantised-scans", "odd/4x2-2x1", "odd/4x4", "odd/cmyk-3311":
				continue
			}
			switch {
			case size[0] == 75:
			case v.name == "420/baseline", v.name == "420/non-interleaved", v.name == "gray/progressive-restart":
			default:
				continue
			}
			planes := twPlanes(src, len(v.o.comps), v.rgb, v.o.adobe > 0)
			files[fmt.Sprintf("%s/%dx%d", v.name, size[0], size[1])] = twEncode(planes, size[0], size[1], v.o)
		}
	}
	return files
}

// decNComp returns the number of components of an image of cfg.
func decNComp(cfg image.Config) int {
	switch cfg.ColorModel {
	case color.GrayModel:
		return 1
	case color.CMYKModel:
		return 4
	}
	return 3
}

// TestDecodeArithmetic decodes files that jpegtran recoded with
// arithmetic coding. jpegtran keeps the coefficients, so they decode to
// exactly the pixels of the Huffman-coded originals, at every scale; and
// they agree with djpeg.
func TestDecodeArithmetic(t *testing.T) {
	minPSNR := math.Inf(1)
	for name, data := range decArithFiles(t) {
		cfg, err := DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ncomp := decNComp(cfg)
		var want [9]image.Image
		for _, denom := range []int{1, 2, 4, 8} {
			m, err := DecodeScaled(bytes.NewReader(data), denom)
			if err != nil {
				t.Fatalf("%s/%d: %v", name, denom, err)
			}
			want[denom] = m
		}
		for _, args := range decArithModes {
			if args[len(args)-1] == "scans" && ncomp == 1 {
				continue
			}
			name := fmt.Sprintf("%s %v", name, args)
			p := decArithmetic(t, data, ncomp, args)
			if got, err := DecodeConfig(bytes.NewReader(p)); err != nil || got != cfg {
				t.Errorf("%s: DecodeConfig = %+v, %v, want %+v", name, got, err, cfg)
			}
			for _, denom := range []int{1, 2, 4, 8} {
				got, err := DecodeScaled(bytes.NewReader(p), denom)
				if err != nil {
					t.Errorf("%s/%d: %v", name, denom, err)
					continue
				}
				if maxd, _, err := decDiff(want[denom], got); err != nil || maxd != 0 {
					t.Errorf("%s/%d: differs from the Huffman-coded file by %d %v", name, denom, maxd, err)
				}
			}
			// djpeg does not write CMYK as PNM. All modes decode to the
			// same pixels (above): djpeg checks the two plain ones.
			if ncomp != 4 && (len(args) == 1 || len(args) == 2 && args[1] == "-progressive") {
				minPSNR = min(minPSNR, decCheckDjpeg(t, name, p))
			}
		}
	}
	if testing.Verbose() {
		t.Logf("least PSNR against djpeg: %.1f dB", minPSNR)
	}
}

// decLibjpegArith compares the decode of p, arithmetic-coded, with
// libjpeg's: jpegtran recodes p with Huffman coding, keeping the
// coefficients libjpeg decoded, and the two files must decode to the same
// pixels. Where libjpeg finds a bad arithmetic code (and fills the rest
// of the segment with zeros) Decode must refuse p. It returns whether the
// pixels were compared: not when libjpeg refuses p or warns about
// anything else than bytes it skips between segments, nor when the
// coefficients are too large to be Huffman-coded.
func decLibjpegArith(t *testing.T, name string, p []byte) bool {
	t.Helper()
	// At trace level 3 libjpeg prints every warning, not only the first.
	huff, stderr, err := decToolRun(t, p, "jpegtran", "-v", "-v", "-v", "-optimize")
	badCode, other, known := false, false, false
	for _, l := range strings.Split(string(stderr), "\n") {
		switch {
		case strings.HasPrefix(l, "Corrupt JPEG data: bad arithmetic code"):
			badCode = true
		case strings.HasPrefix(l, "Corrupt JPEG data: ") && strings.Contains(l, "extraneous bytes before marker"):
			known = true
		case strings.HasPrefix(l, "Corrupt JPEG data"), strings.HasPrefix(l, "Premature end"), strings.HasPrefix(l, "Invalid SOS"),
			strings.HasPrefix(l, "Inconsistent progression"), strings.HasPrefix(l, "Unknown Adobe"), strings.HasPrefix(l, "Warning"):
			other = true
		}
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() == 2: // warnings
		other = other || !badCode && !known
	case strings.Contains(string(stderr), "DCT coefficient out of range"):
		huff = nil // decoded, but not Huffman-coded
	default:
		return false // refused
	}
	got, err := Decode(bytes.NewReader(p))
	var fe FormatError
	switch {
	case badCode:
		if !errors.As(err, &fe) {
			t.Errorf("%s: libjpeg finds a bad arithmetic code; Decode: %v, want FormatError", name, err)
		}
		return false
	case other:
		return false
	case err != nil:
		t.Errorf("%s: %v; libjpeg decodes it\n%s", name, err, stderr)
		return false
	case huff == nil:
		return false
	}
	want, err := Decode(bytes.NewReader(huff))
	if err != nil {
		t.Fatalf("%s: the Huffman-coded file: %v", name, err)
	}
	if maxd, _, err := decDiff(want, got); err != nil || maxd != 0 {
		t.Errorf("%s: differs from libjpeg's coefficients by %d %v", name, maxd, err)
	}
	return true
}

// decSetDAC returns p with every conditioning value of its DAC segments
// set: dc (L + 16·U) for DC tables, kx for AC tables.
func decSetDAC(p []byte, dc, kx byte) []byte {
	p = bytes.Clone(p)
	for i := 0; i+4 <= len(p); i++ {
		if p[i] != 0xff || p[i+1] != decDAC {
			continue
		}
		n := int(p[i+2])<<8 | int(p[i+3])
		for j := i + 4; j+1 < i+2+n && j+1 < len(p); j += 2 {
			if p[j]>>4 == 0 {
				p[j+1] = dc
			} else {
				p[j+1] = kx
			}
		}
	}
	return p
}

// TestDecodeArithmeticConditioning decodes files whose DAC segments set
// other conditioning values than the encoder used: the decoders then
// read other coefficients from the same bits, and must read the same as
// libjpeg. jpegtran writes only the default values, L = 0, U = 1 and
// Kx = 5.
func TestDecodeArithmeticConditioning(t *testing.T) {
	data := decStdEncode(t, decTestPhoto(75, 53, 5, 4), 90)
	compared := 0
	for _, args := range decArithModes[:4] {
		p := decArithmetic(t, data, 3, args)
		if !bytes.Contains(p, []byte{0xff, decDAC}) {
			t.Fatalf("%v: no DAC segment", args)
		}
		for _, dc := range []byte{0x00, 0x10, 0x11, 0x21, 0x52, 0xf0, 0xff} {
			for _, kx := range []byte{1, 5, 20, 63} {
				name := fmt.Sprintf("%v L=%d U=%d Kx=%d", args, dc&15, dc>>4, kx)
				if decLibjpegArith(t, name, decSetDAC(p, dc, kx)) {
					compared++
				}
			}
		}
	}
	if testing.Verbose() {
		t.Logf("compared %d files with libjpeg", compared)
	}
	if compared < 50 {
		t.Errorf("compared %d files with libjpeg, want ≥ 50", compared)
	}
}

// TestDecodeArithmeticCorrupted changes bytes of arithmetic-coded files at
// random: the decoder must never panic, must refuse what libjpeg finds a
// bad arithmetic code in, and otherwise read the same coefficients as
// libjpeg.
func TestDecodeArithmeticCorrupted(t *testing.T) {
	src := decTestPhoto(21, 18, 4, 10)
	data := decStdEncode(t, src, 80)
	rng := rand.New(rand.NewPCG(3, 4))
	compared := 0
	for _, args := range decArithModes[:4] {
		p0 := decArithmetic(t, data, 3, args)
		start := bytes.Index(p0, []byte{0xff, decSOS})
		for i := 0; i < 60; i++ {
			p := bytes.Clone(p0)
			for j := rng.IntN(3); j >= 0; j-- {
				p[start+rng.IntN(len(p)-start)] = byte(rng.Uint32())
			}
			for _, denom := range []int{2, 8} {
				DecodeScaled(bytes.NewReader(p), denom) // must not panic
			}
			if decLibjpegArith(t, fmt.Sprintf("%v #%d", args, i), p) {
				compared++
			}
		}
	}
	if testing.Verbose() {
		t.Logf("compared %d files with libjpeg", compared)
	}
	if compared < 100 {
		t.Errorf("compared %d files with libjpeg, want ≥ 100", compared)
	}
}

// TestDecodeArithmeticDeclared decodes a tiny arithmetic-coded file that
// declares a large frame. Arithmetic-coded data may end early (the
// encoder leaves out trailing zero bytes), so the decoder, like libjpeg,
// reads zeros to the end of the frame: a file of a few hundred bytes is a
// whole flat image. The cost is that of any image of the size
// DecodeConfig reports, which callers bound.
func TestDecodeArithmeticDeclared(t *testing.T) {
	data := decArithmetic(t, decStdEncode(t, decTestPhoto(16, 16, 1, 0), 75), 3, decArithModes[0])
	p := bytes.Clone(data)
	sof := decSOFAt(t, p)
	p[sof+5], p[sof+6], p[sof+7], p[sof+8] = 0x08, 0x00, 0x08, 0x00 // 2048×2048
	if cfg, err := DecodeConfig(bytes.NewReader(p)); err != nil || cfg.Width != 2048 || cfg.Height != 2048 {
		t.Fatalf("DecodeConfig = %+v, %v", cfg, err)
	}
	start := time.Now()
	m, err := Decode(bytes.NewReader(p))
	if err != nil || m.Bounds().Dx() != 2048 {
		t.Fatalf("Decode: %v, %v", m, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Decode took %v", d)
	}
}
