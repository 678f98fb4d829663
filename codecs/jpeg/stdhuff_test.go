package jpeg

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"testing"
)

// decWithoutDHT returns data with the Huffman tables before the first scan
// removed, except those keep returns true for (class tc, id th). DHT
// segments left empty are dropped: the file then reads as a Motion-JPEG
// frame, which relies on the typical tables of ITU T.81 K.3.
func decWithoutDHT(data []byte, keep func(tc, th byte) bool) []byte {
	segs, rest := decSegments(data)
	out := []byte{0xff, decSOI}
	for _, s := range segs {
		if s[1] != decDHT {
			out = append(out, s...)
			continue
		}
		var kept []byte
		for p := s[4:]; len(p) >= 17; {
			n := 17
			for _, c := range p[1:17] {
				n += int(c)
			}
			if keep != nil && keep(p[0]>>4, p[0]&15) {
				kept = append(kept, p[:n]...)
			}
			p = p[n:]
		}
		if len(kept) > 0 {
			out = append(out, 0xff, decDHT, byte((len(kept)+2)>>8), byte(len(kept)+2))
			out = append(out, kept...)
		}
	}
	return append(out, rest...)
}

// decMJPEGFiles returns files written with the typical Huffman tables (by
// image/jpeg and by this package's encoder), by name.
func decMJPEGFiles(t testing.TB) map[string][]byte {
	files := map[string][]byte{}
	for _, sz := range [][2]int{{1, 1}, {33, 17}, {75, 53}} {
		src := decTestPhoto(sz[0], sz[1], 11, 6)
		for _, gray := range []bool{false, true} {
			var m image.Image = src
			if gray {
				m = decGray(src)
			}
			name := fmt.Sprintf("%dx%d gray=%v", sz[0], sz[1], gray)
			files["image/jpeg "+name] = decStdEncode(t, m, 85)
			var buf bytes.Buffer
			if err := Encode(&buf, m, &Options{Quality: 85}); err != nil {
				t.Fatal(err)
			}
			files["Encode "+name] = buf.Bytes()
		}
	}
	return files
}

// TestDecodeStandardHuffman decodes files without DHT segments (as in
// Motion-JPEG frames) with the tables of ITU T.81 K.3, as libjpeg does:
// the pixels are those of the file with its tables, at every scale, and
// those djpeg decodes.
func TestDecodeStandardHuffman(t *testing.T) {
	keeps := map[string]func(tc, th byte) bool{
		"no DHT":      nil,
		"DC only":     func(tc, _ byte) bool { return tc == 0 },
		"chroma only": func(_, th byte) bool { return th == 1 },
	}
	for name, data := range decMJPEGFiles(t) {
		for kname, keep := range keeps {
			p := decWithoutDHT(data, keep)
			if bytes.Equal(p, data) || keep == nil && bytes.Contains(p, []byte{0xff, decDHT}) {
				t.Fatalf("%s/%s: tables not removed", name, kname)
			}
			for _, denom := range []int{1, 2, 4, 8} {
				want, err1 := DecodeScaled(bytes.NewReader(data), denom)
				got, err2 := DecodeScaled(bytes.NewReader(p), denom)
				if err1 != nil || err2 != nil {
					t.Fatalf("%s/%s/%d: %v, %v", name, kname, denom, err1, err2)
				}
				if maxd, _, err := decDiff(want, got); err != nil || maxd != 0 {
					t.Errorf("%s/%s/%d: differs from the file with tables by %d %v", name, kname, denom, maxd, err)
				}
			}
		}
	}
	t.Run("djpeg", func(t *testing.T) {
		for name, data := range decMJPEGFiles(t) {
			psnr := decCheckDjpeg(t, name, decWithoutDHT(data, nil))
			if testing.Verbose() {
				t.Logf("%s: %.1f dB", name, psnr)
			}
		}
	})
}

// TestDecodeMissingHuffman checks that tables 2 and 3, which have no
// default, must still be defined.
func TestDecodeMissingHuffman(t *testing.T) {
	data := decWithoutDHT(decStdEncode(t, decTestPhoto(16, 16, 1, 0), 75), nil)
	i := bytes.Index(data, []byte{0xff, decSOF0})
	j := bytes.Index(data, []byte{0xff, decSOS})
	data[i+1] = decSOF1 // table ids 2 and 3 are not baseline
	data[j+8] = 0x21    // component 2: DC table 2, AC table 1
	_, err := Decode(bytes.NewReader(data))
	var fe FormatError
	if !errors.As(err, &fe) || fe != "uninitialized Huffman table" {
		t.Errorf("Decode: %v, want uninitialized Huffman table", err)
	}
}
