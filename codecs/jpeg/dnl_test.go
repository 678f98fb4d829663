package jpeg

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/blobimage/blobimage/internal/testimage"
)

// decSOFAt returns the offset of the frame header's marker in data.
func decSOFAt(t testing.TB, data []byte) int {
	t.Helper()
	segs, _ := decSegments(data)
	at := 2
	for _, s := range segs {
		switch s[1] {
		case decSOF0, decSOF1, decSOF2, decSOF9, decSOF10:
			return at
		}
		at += len(s)
	}
	t.Fatal("no SOF")
	return 0
}

// decFirstScanEnd returns the offset of the marker that ends the first
// scan's entropy-coded data.
func decFirstScanEnd(t testing.TB, data []byte) int {
	t.Helper()
	i := bytes.Index(data, []byte{0xff, decSOS})
	if i < 0 {
		t.Fatal("no SOS")
	}
	i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
	for ; i+1 < len(data); i++ {
		if m := data[i+1]; data[i] == 0xff && m != 0 && m != 0xff && (m < decRST0 || m > decRST7) {
			return i
		}
	}
	t.Fatal("first scan does not end")
	return 0
}

// decWithDNL returns data with the frame header's height set to sofHeight
// and a DNL segment giving dnlHeight inserted after the first scan.
func decWithDNL(t testing.TB, data []byte, sofHeight, dnlHeight int) []byte {
	t.Helper()
	p := bytes.Clone(data)
	sof := decSOFAt(t, p)
	p[sof+5], p[sof+6] = byte(sofHeight>>8), byte(sofHeight)
	end := decFirstScanEnd(t, p)
	dnl := []byte{0xff, decDNL, 0, 4, byte(dnlHeight >> 8), byte(dnlHeight)}
	return append(p[:end:end], append(dnl, p[end:]...)...)
}

// decReaders read a file whole or byte by byte, which makes the
// decoder's buffer fill at every byte.
var decReaders = []struct {
	name string
	read func([]byte) io.Reader
}{
	{"whole", func(p []byte) io.Reader { return bytes.NewReader(p) }},
	{"bytewise", func(p []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(p)) }},
}

// decDNLFiles returns files of several layouts (sequential, progressive,
// non-interleaved, with restart intervals, gray) by name.
func decDNLFiles(t testing.TB) map[string][]byte {
	src := decTestPhoto(75, 53, 8, 6)
	files := map[string][]byte{
		"image/jpeg":      decStdEncode(t, src, 85),
		"image/jpeg gray": decStdEncode(t, decGray(src), 85),
	}
	for _, v := range decVariants() {
		switch v.name {
		case "420/baseline-restart", "422/non-interleaved", "420/progressive", "gray/progressive-restart", "cmyk/adobe-2211":
			planes := twPlanes(src, len(v.o.comps), v.rgb, v.o.adobe > 0)
			files[v.name] = twEncode(planes, 75, 53, v.o)
		}
	}
	return files
}

// TestDecodeDNL decodes files whose frame header gives the height as 0
// and whose DNL segment after the first scan gives it: they decode as
// the files with the height in the header, at every scale. libjpeg
// refuses them; djpeg's decode of the file with the height in the header
// is the reference.
func TestDecodeDNL(t *testing.T) {
	for name, data := range decDNLFiles(t) {
		cfg, err := DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		variants := map[string][]byte{
			"height 0":       decWithDNL(t, data, 0, cfg.Height),
			"height in both": decWithDNL(t, data, cfg.Height, cfg.Height),
			// libjpeg ignores DNL segments, and so does this decoder
			// unless the header says 0.
			"DNL differs": decWithDNL(t, data, cfg.Height, cfg.Height+100),
			"DNL first":   append([]byte{0xff, decSOI, 0xff, decDNL, 0, 4, 0, 1}, data[2:]...),
		}
		for vname, p := range variants {
			name := name + "/" + vname
			for _, r := range decReaders {
				read := r.read
				got, err := DecodeConfig(read(p))
				if err != nil || got != cfg {
					t.Errorf("%s/%s: DecodeConfig = %+v, %v, want %+v", name, r.name, got, err, cfg)
				}
				for _, denom := range []int{1, 2, 4, 8} {
					want, err1 := DecodeScaled(bytes.NewReader(data), denom)
					got, err2 := DecodeScaled(read(p), denom)
					if err1 != nil || err2 != nil {
						t.Fatalf("%s/%s/%d: %v, %v", name, r.name, denom, err1, err2)
					}
					if maxd, _, err := decDiff(want, got); err != nil || maxd != 0 {
						t.Errorf("%s/%s/%d: differs from the file with the height by %d %v", name, r.name, denom, maxd, err)
					}
				}
			}
		}
	}
	t.Run("djpeg", func(t *testing.T) {
		for name, data := range decDNLFiles(t) {
			if bytes.Contains(data, []byte("Adobe")) {
				continue // djpeg does not write CMYK as PNM
			}
			cfg, _ := DecodeConfig(bytes.NewReader(data))
			got, err := Decode(bytes.NewReader(decWithDNL(t, data, 0, cfg.Height)))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if psnr := testimage.PSNR(t, decDjpeg(t, data), got, false); psnr < decMinPSNR {
				t.Errorf("%s: PSNR against djpeg %.1f dB, want ≥ %d", name, psnr, decMinPSNR)
			} else if testing.Verbose() {
				t.Logf("%s: %.1f dB", name, psnr)
			}
		}
	})
}

// TestDecodeDNLLargeScan reads ahead a first scan larger than the
// decoder's buffers.
func TestDecodeDNLLargeScan(t *testing.T) {
	data := decStdEncode(t, decTestPhoto(400, 300, 3, 60), 95)
	if n := decFirstScanEnd(t, data); n < 64<<10 {
		t.Fatalf("first scan ends at %d: too small", n)
	}
	p := decWithDNL(t, data, 0, 300)
	if cfg, err := DecodeConfig(bytes.NewReader(p)); err != nil || cfg.Height != 300 {
		t.Fatalf("DecodeConfig = %+v, %v", cfg, err)
	}
	want, err1 := Decode(bytes.NewReader(data))
	got, err2 := Decode(bytes.NewReader(p))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if maxd, _, err := decDiff(want, got); err != nil || maxd != 0 {
		t.Errorf("differs by %d %v", maxd, err)
	}
}

// TestDecodeDNLBad covers frames of height 0 without a usable DNL segment.
func TestDecodeDNLBad(t *testing.T) {
	data := decStdEncode(t, decTestPhoto(20, 12, 1, 0), 75)
	sof := decSOFAt(t, data)
	end := decFirstScanEnd(t, data)
	zero := bytes.Clone(data)
	zero[sof+5], zero[sof+6] = 0, 0

	// Another marker, or the end of the input, after the first scan: the
	// height stays 0 and the image is empty, as image/jpeg makes it.
	for name, p := range map[string][]byte{
		"no DNL":    zero,
		"DNL of 0":  decWithDNL(t, data, 0, 0),
		"truncated": zero[:end],
		// A DNL segment must follow the first scan immediately.
		"late DNL": append(zero[:end:end], append([]byte{0xff, decCOM, 0, 2, 0xff, decDNL, 0, 4, 0, 12}, zero[end:]...)...),
	} {
		cfg, err := DecodeConfig(bytes.NewReader(p))
		if err != nil || cfg.Height != 0 || cfg.Width != 20 {
			t.Errorf("%s: DecodeConfig = %+v, %v, want 20×0", name, cfg, err)
		}
		m, err := Decode(bytes.NewReader(p))
		if name == "truncated" {
			if err == nil {
				t.Errorf("%s: Decode succeeded", name)
			}
			continue
		}
		if err != nil || !m.Bounds().Empty() {
			t.Errorf("%s: Decode = %v, %v, want an empty image", name, m.Bounds(), err)
		}
	}

	// A DNL segment of the wrong length.
	p := decWithDNL(t, data, 0, 12)
	p[end+3] = 5
	var fe FormatError
	for _, f := range []func() error{
		func() error { _, err := DecodeConfig(bytes.NewReader(p)); return err },
		func() error { _, err := Decode(bytes.NewReader(p)); return err },
	} {
		if err := f(); !errors.As(err, &fe) {
			t.Errorf("DNL of length 5: %v, want FormatError", err)
		}
	}
}

// TestDecodeDNLDeclared checks that the height of a DNL segment is what
// DecodeConfig reports, so that callers refuse a bomb before Decode
// allocates: 4096×4096 declared by a file of a few hundred bytes fails
// fast, like the same size declared in the frame header.
func TestDecodeDNLDeclared(t *testing.T) {
	data := decStdEncode(t, decTestPhoto(16, 16, 1, 0), 75)
	for _, side := range []int{4096, 65535} {
		p := decWithDNL(t, data, 0, side)
		sof := decSOFAt(t, p)
		p[sof+7], p[sof+8] = byte(side>>8), byte(side)
		cfg, err := DecodeConfig(bytes.NewReader(p))
		if err != nil || cfg.Width != side || cfg.Height != side {
			t.Fatalf("%d: DecodeConfig = %+v, %v", side, cfg, err)
		}
		if side > 4096 {
			continue
		}
		if _, err := Decode(bytes.NewReader(p)); err == nil {
			t.Errorf("%d: Decode succeeded", side)
		}
	}
}
