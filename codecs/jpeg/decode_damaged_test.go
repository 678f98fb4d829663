package jpeg

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// decDamaged returns files whose entropy-coded data is damaged in the
// ways libjpeg decodes with a warning, making up what is missing, by
// name, with the error this decoder returns.
func decDamaged(t testing.TB) map[string]struct {
	data []byte
	err  FormatError
} {
	src := decTestPhoto(64, 48, 2, 8)
	data := decStdEncode(t, src, 85)
	sos := bytes.Index(data, []byte{0xff, decSOS})
	end := decFirstScanEnd(t, data)
	mid := (sos + end) / 2

	// The entropy-coded data ends at half of the scan.
	short := append(data[:mid:mid], 0xff, decEOI)
	// The file ends at half of the scan.
	truncated := data[:mid]
	// 64 one bits are no code of any Huffman table.
	badCode := bytes.Clone(data)
	copy(badCode[mid:], bytes.Repeat([]byte{0xff, 0}, 8))

	// The second restart marker is RST5 instead of RST1.
	restart := twEncode(twPlanes(src, 3, false, false), 64, 48, twOptions{comps: decYCbCrComps(0x22, 0x11), sof: decSOF0, restart: 2, adobe: -1})
	i := bytes.Index(restart, []byte{0xff, decRST0 + 1})
	if i < 0 {
		t.Fatal("no RST1")
	}
	badRST := bytes.Clone(restart)
	badRST[i+1] = decRST0 + 5

	return map[string]struct {
		data []byte
		err  FormatError
	}{
		"short data":  {short, errDecShortData},
		"truncated":   {truncated, errDecShortData},
		"bad code":    {badCode, errDecBadCode},
		"bad restart": {badRST, "bad RST marker"},
	}
}

// TestDecodeDamaged documents what the decoder does with damaged
// entropy-coded data: it refuses it with a FormatError, where libjpeg
// warns ("Corrupt JPEG data", "Premature end of JPEG file") and makes up
// the rest of the segment or the image. Making up data would let a file
// of a few bytes that declares a large image be decoded whole.
func TestDecodeDamaged(t *testing.T) {
	for name, c := range decDamaged(t) {
		for _, denom := range []int{1, 2, 8} {
			_, err := DecodeScaled(bytes.NewReader(c.data), denom)
			var fe FormatError
			if !errors.As(err, &fe) || fe != c.err {
				t.Errorf("%s/%d: %v, want %v", name, denom, err, c.err)
			}
		}
	}
	t.Run("djpeg", func(t *testing.T) {
		for name, c := range decDamaged(t) {
			out, stderr, err := decToolRun(t, c.data, "djpeg", "-pnm")
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 || len(out) == 0 ||
				!strings.Contains(string(stderr), "Corrupt JPEG data") && !strings.Contains(string(stderr), "Premature end of JPEG file") {
				t.Errorf("%s: djpeg: %v, %d bytes out\n%s; want a warning and an image", name, err, len(out), stderr)
			}
		}
	})
}
