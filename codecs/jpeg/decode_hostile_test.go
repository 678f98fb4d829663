package jpeg

import (
	"bytes"
	"errors"
	stdjpeg "image/jpeg"
	"math/rand/v2"
	"testing"
	"time"
)

// decSmallFiles returns a small baseline and a small progressive file.
func decSmallFiles(t testing.TB) map[string][]byte {
	src := decTestPhoto(21, 18, 4, 10)
	prog := decVariants()[1].o // 444/progressive
	prog.restart = 2
	return map[string][]byte{
		"baseline":    decStdEncode(t, src, 80),
		"progressive": twEncode(twPlanes(src, 3, false, false), 21, 18, twOptions{comps: decYCbCrComps(0x22, 0x11), sof: decSOF2, adobe: -1}),
		"prog-rst":    twEncode(twPlanes(src, 3, false, false), 21, 18, prog),
	}
}

// TestDecodeTruncated decodes every prefix of small files: each must fail
// (as in image/jpeg, which wants the whole entropy-coded data and EOI)
// without panicking, at every scale.
func TestDecodeTruncated(t *testing.T) {
	for name, data := range decSmallFiles(t) {
		for n := 0; n < len(data); n++ {
			p := data[:n]
			_, stdErr := stdjpeg.Decode(bytes.NewReader(p))
			for _, denom := range []int{1, 2, 4, 8} {
				_, err := DecodeScaled(bytes.NewReader(p), denom)
				if (err == nil) != (stdErr == nil) {
					t.Fatalf("%s[:%d]/%d: error %v, image/jpeg: %v", name, n, denom, err, stdErr)
				}
			}
		}
	}
}

// TestDecodeCorrupted flips bytes of small files at random; the decoder
// must never panic, and agree with image/jpeg about success.
func TestDecodeCorrupted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, data := range decSmallFiles(t) {
		for i := 0; i < 2000; i++ {
			p := bytes.Clone(data)
			for j := rng.IntN(4); j >= 0; j-- {
				p[rng.IntN(len(p))] = byte(rng.Uint32())
			}
			_, stdErr := stdjpeg.Decode(bytes.NewReader(p))
			for _, denom := range []int{1, 2, 4, 8} {
				_, err := DecodeScaled(bytes.NewReader(p), denom)
				if err != nil && stdErr == nil && !decIntentionalError(err) {
					t.Fatalf("%s #%d/%d: %v; image/jpeg succeeds", name, i, denom, err)
				}
			}
		}
	}
}

// decSegments splits a file into its marker segments before the first SOS
// (each with its marker and length) and the rest.
func decSegments(data []byte) (segs [][]byte, rest []byte) {
	p := data[2:]
	for len(p) >= 4 && p[0] == 0xff && p[1] != decSOS {
		n := int(p[2])<<8 | int(p[3])
		segs = append(segs, p[:2+n])
		p = p[2+n:]
	}
	return segs, p
}

func TestDecodeBadHuffmanTables(t *testing.T) {
	data := decSmallFiles(t)["baseline"]
	segs, rest := decSegments(data)
	for si, seg := range segs {
		if seg[1] != decDHT {
			continue
		}
		for off := 4; off < len(seg); off++ {
			for _, v := range []byte{0, 1, 0xff, seg[off] + 1} {
				var p []byte
				p = append(p, 0xff, decSOI)
				for sj, s := range segs {
					if sj == si {
						s = bytes.Clone(s)
						s[off] = v
					}
					p = append(p, s...)
				}
				p = append(p, rest...)
				for _, denom := range []int{1, 8} {
					DecodeScaled(bytes.NewReader(p), denom) // must not panic
				}
			}
		}
	}
	// Three codes of length 1 over-subscribe the code space.
	bad := []byte{0xff, decSOI, 0xff, decDHT, 0, 22, 0x00, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0xff, decEOI}
	var fe FormatError
	if _, err := Decode(bytes.NewReader(bad)); !errors.As(err, &fe) {
		t.Errorf("over-subscribed table: %v, want FormatError", err)
	}
}

// decWithSOF returns data with the frame header's bytes from offset off
// (relative to the precision byte) replaced.
func decWithSOF(t *testing.T, data []byte, off int, b ...byte) []byte {
	p := bytes.Clone(data)
	i := bytes.Index(p, []byte{0xff, decSOF0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	copy(p[i+4+off:], b)
	return p
}

func TestDecodeZeroSize(t *testing.T) {
	data := decSmallFiles(t)["baseline"]
	for _, dims := range [][4]byte{{0, 0, 0, 5}, {0, 5, 0, 0}, {0, 0, 0, 0}} {
		p := decWithSOF(t, data, 1, dims[:]...)
		want, stdErr := stdjpeg.Decode(bytes.NewReader(p))
		for _, denom := range []int{1, 2, 4, 8} {
			m, err := DecodeScaled(bytes.NewReader(p), denom)
			if (err == nil) != (stdErr == nil) {
				t.Fatalf("%v/%d: %v, image/jpeg: %v", dims, denom, err, stdErr)
			}
			if err == nil && !m.Bounds().Empty() {
				t.Errorf("%v/%d: bounds %v (image/jpeg %v)", dims, denom, m.Bounds(), want.Bounds())
			}
		}
	}
}

// TestDecodeLargeDeclared checks that a tiny file declaring a large frame
// fails fast: the planes are allocated as declared (here 4096×4096), but
// the missing data is found at the end of the first MCU row.
func TestDecodeLargeDeclared(t *testing.T) {
	data := decSmallFiles(t)["baseline"]
	p := decWithSOF(t, data, 1, 0x10, 0x00, 0x10, 0x00)
	cfg, err := DecodeConfig(bytes.NewReader(p))
	if err != nil || cfg.Width != 4096 || cfg.Height != 4096 {
		t.Fatalf("DecodeConfig = %+v, %v", cfg, err)
	}
	start := time.Now()
	if _, err := Decode(bytes.NewReader(p)); err == nil {
		t.Fatal("Decode succeeded")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Decode took %v", d)
	}
	// 65535×65535 declared: DecodeConfig reports it, so that callers can
	// refuse it before Decode allocates.
	p = decWithSOF(t, data, 1, 0xff, 0xff, 0xff, 0xff)
	if cfg, err := DecodeConfig(bytes.NewReader(p)); err != nil || cfg.Width != 65535 {
		t.Fatalf("DecodeConfig = %+v, %v", cfg, err)
	}
}

func TestDecodeUnsupported(t *testing.T) {
	data := decSmallFiles(t)["baseline"]
	i := bytes.Index(data, []byte{0xff, decSOF0})
	// Lossless and hierarchical processes, Huffman- and arithmetic-coded.
	for _, m := range []byte{decSOF3, 0xc5, 0xc6, 0xc7, 0xcb, 0xcd, 0xce, 0xcf} {
		p := bytes.Clone(data)
		p[i+1] = m
		var ue UnsupportedError
		if _, err := Decode(bytes.NewReader(p)); !errors.As(err, &ue) {
			t.Errorf("SOF %#x: %v, want UnsupportedError", m, err)
		}
	}
	var ue UnsupportedError
	if _, err := Decode(bytes.NewReader(decWithSOF(t, data, 0, 12))); !errors.As(err, &ue) {
		t.Errorf("12-bit: %v, want UnsupportedError", err)
	}
	// Arithmetic-coding conditioning and DNL segments before the frame
	// are read and have no effect on a Huffman-coded frame.
	want, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, seg := range [][]byte{{decDAC, 0, 4, 0x00, 0x21}, {decDAC, 0, 6, 0x1f, 0, 0x05, 0x10}, {decDNL, 0, 4, 0, 9}} {
		p := append([]byte{0xff, decSOI, 0xff}, seg...)
		p = append(p, data[2:]...)
		got, err := Decode(bytes.NewReader(p))
		if err != nil {
			t.Errorf("segment % x: %v", seg, err)
			continue
		}
		if maxd, _, err := decDiff(want, got); err != nil || maxd != 0 {
			t.Errorf("segment % x: differs by %d %v", seg, maxd, err)
		}
	}
	// A DAC segment of odd length, or a DC conditioning with L > U, is
	// refused, as in libjpeg.
	for _, seg := range [][]byte{{decDAC, 0, 5, 0x00, 0x21, 0}, {decDAC, 0, 4, 0x00, 0x12}} {
		p := append([]byte{0xff, decSOI, 0xff}, seg...)
		p = append(p, data[2:]...)
		var fe FormatError
		if _, err := Decode(bytes.NewReader(p)); !errors.As(err, &fe) {
			t.Errorf("segment % x: %v, want FormatError", seg, err)
		}
	}
}

// TestDecodeTooManyScans writes a 1×1 progressive gray image with 1001
// scans (DC refinements).
func TestDecodeTooManyScans(t *testing.T) {
	src := decTestPhoto(1, 1, 1, 0)
	scans := []twScan{{comps: []int{0}, al: 1}}
	for i := 0; i < 1000; i++ {
		scans = append(scans, twScan{comps: []int{0}, ah: 1})
	}
	o := twOptions{comps: []twComp{{1, 1, 1, 0}}, sof: decSOF2, adobe: -1, scans: scans}
	data := twEncode(twPlanes(src, 1, false, false), 1, 1, o)
	if _, err := stdjpeg.Decode(bytes.NewReader(data)); err != nil {
		t.Fatalf("image/jpeg: %v", err)
	}
	if _, err := Decode(bytes.NewReader(data)); err != FormatError("too many scans") {
		t.Errorf("Decode: %v, want too many scans", err)
	}
	o.scans = scans[:decMaxScans]
	data = twEncode(twPlanes(src, 1, false, false), 1, 1, o)
	decCheckStd(t, "1000 scans", data)
}

// TestDecodeMarkerPadding covers fill bytes and stray data between
// segments and a restart marker after the last interval.
func TestDecodeMarkerPadding(t *testing.T) {
	data := decSmallFiles(t)["baseline"]
	segs, rest := decSegments(data)
	p := []byte{0xff, decSOI}
	for _, s := range segs {
		p = append(p, 0xff, 0xff, 0xff)
		p = append(p, s...)
		p = append(p, 0x00, 0x12) // extraneous bytes
	}
	eoi := len(rest) - 2
	p = append(p, rest[:eoi]...)
	p = append(p, 0xff, decRST0+3, 0xff, decEOI)
	decCheckStd(t, "padded", p)
}
