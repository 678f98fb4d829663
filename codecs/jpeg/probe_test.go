package jpeg_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"os/exec"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
)

// withDNL returns a baseline JPEG with the frame header's height set to 0
// and a DNL segment giving height inserted after its only scan (before
// EOI), and, if width > 0, the header's width set to width.
func withDNL(t *testing.T, data []byte, width, height int) []byte {
	t.Helper()
	p := bytes.Clone(data)
	i := bytes.Index(p, []byte{0xff, 0xc0})
	if i < 0 || !bytes.HasSuffix(p, []byte{0xff, 0xd9}) {
		t.Fatal("not a baseline JPEG ending in EOI")
	}
	p[i+5], p[i+6] = 0, 0
	if width > 0 {
		p[i+7], p[i+8] = byte(width>>8), byte(width)
	}
	p = p[:len(p)-2]
	return append(p, 0xff, 0xdc, 0, 4, byte(height>>8), byte(height), 0xff, 0xd9)
}

// samePixels reports whether a and b have the same bounds and colours.
func samePixels(a, b image.Image) bool {
	r := a.Bounds()
	if r != b.Bounds() {
		return false
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.RGBAModel.Convert(a.At(x, y)) != color.RGBAModel.Convert(b.At(x, y)) {
				return false
			}
		}
	}
	return true
}

// TestProbeDNL checks that codecs.Probe, which reads the header with
// DecodeConfig, sees the height of a DNL segment, and so checks it
// against the limits before Decode allocates.
func TestProbeDNL(t *testing.T) {
	data := testimage.JPEG(testimage.Pattern(64, 48), 90)
	p := withDNL(t, data, 0, 48)
	info, err := codecs.Probe(p, codecs.Limits{})
	if err != nil || info.Width != 64 || info.Height != 48 {
		t.Fatalf("Probe = %+v, %v, want 64×48", info, err)
	}
	want, _, err1 := codecs.Decode(context.Background(), data, codecs.Limits{})
	got, _, err2 := codecs.Decode(context.Background(), p, codecs.Limits{})
	if err1 != nil || err2 != nil {
		t.Fatalf("Decode: %v, %v", err1, err2)
	}
	if !samePixels(want, got) {
		t.Error("the DNL file decodes to other pixels")
	}

	for _, c := range []struct {
		name          string
		width, height int
		lim           codecs.Limits
		limit         string
	}{
		{"side", 0, 20000, codecs.Limits{}, "max_side"},
		{"pixels", 16000, 16000, codecs.Limits{}, "max_pixels"},
		{"own pixels", 0, 2000, codecs.Limits{MaxPixels: 64 * 1000}, "max_pixels"},
	} {
		p := withDNL(t, data, c.width, c.height)
		_, err := codecs.Probe(p, c.lim)
		var le *codecs.LimitError
		if !errors.As(err, &le) || le.Limit != c.limit {
			t.Errorf("%s: Probe: %v, want %s", c.name, err, c.limit)
		}
		if _, _, err := codecs.Decode(context.Background(), p, c.lim); !errors.Is(err, codecs.ErrTooLarge) {
			t.Errorf("%s: Decode: %v, want ErrTooLarge", c.name, err)
		}
	}

	// Height 0 and no DNL segment: a corrupt header, as before.
	p = bytes.Clone(data)
	i := bytes.Index(p, []byte{0xff, 0xc0})
	p[i+5], p[i+6] = 0, 0
	if _, err := codecs.Probe(p, codecs.Limits{}); !errors.Is(err, codecs.ErrCorrupt) {
		t.Errorf("height 0 without DNL: Probe: %v, want ErrCorrupt", err)
	}
}

// jpegtran runs jpegtran with args on data (see testimage.Tool).
func jpegtran(t *testing.T, data []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(testimage.Tool(t, "jpegtran"), args...)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jpegtran %v: %v", args, err)
	}
	return out
}

// TestProbeArithmetic checks that codecs.Probe and codecs.Decode accept
// arithmetic-coded JPEGs (SOF9, SOF10), at full and reduced scale.
func TestProbeArithmetic(t *testing.T) {
	data := testimage.JPEG(testimage.Pattern(64, 48), 90)
	for _, c := range []struct {
		args        []string
		sof         byte
		progressive bool
	}{
		{[]string{"-arithmetic"}, 0xc9, false},
		{[]string{"-arithmetic", "-progressive"}, 0xca, true},
	} {
		p := jpegtran(t, data, c.args...)
		if !bytes.Contains(p, []byte{0xff, c.sof}) {
			t.Fatalf("%v: no SOF %#x", c.args, c.sof)
		}
		info, err := codecs.Probe(p, codecs.Limits{})
		if err != nil || info.Format != codecs.JPEG || info.Width != 64 || info.Height != 48 || info.Progressive != c.progressive {
			t.Errorf("%v: Probe = %+v, %v", c.args, info, err)
		}
		for _, min := range []image.Point{{}, {16, 12}} {
			want, _, err1 := codecs.DecodeReduced(context.Background(), data, codecs.Limits{}, min)
			got, _, err2 := codecs.DecodeReduced(context.Background(), p, codecs.Limits{}, min)
			if err1 != nil || err2 != nil {
				t.Fatalf("%v %v: Decode: %v, %v", c.args, min, err1, err2)
			}
			if !samePixels(want, got) {
				t.Errorf("%v %v: decodes to other pixels than the Huffman-coded file", c.args, min)
			}
		}
	}
}

// TestDecodeDamagedCorrupt checks that damaged entropy-coded data, which
// libjpeg decodes with a warning, is codecs.ErrCorrupt.
func TestDecodeDamagedCorrupt(t *testing.T) {
	data := testimage.JPEG(testimage.Pattern(64, 48), 90)
	sos := bytes.Index(data, []byte{0xff, 0xda})
	mid := (sos + len(data)) / 2
	short := append(data[:mid:mid], 0xff, 0xd9)
	if _, _, err := codecs.Decode(context.Background(), short, codecs.Limits{}); !errors.Is(err, codecs.ErrCorrupt) {
		t.Errorf("short data: %v, want ErrCorrupt", err)
	}
}
