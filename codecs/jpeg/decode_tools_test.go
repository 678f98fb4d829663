package jpeg

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
)

// The libjpeg-turbo tools (Debian's libjpeg-turbo-progs) are found with
// testimage.Tool: a test that needs a missing one is skipped, or fails
// when BLOBIMAGE_REQUIRE_TOOLS=1, as in CI.

// decTool runs a libjpeg-turbo tool (jpegtran, djpeg) with args on in and
// returns its output. A tool that fails or warns fails the test.
func decTool(t testing.TB, in []byte, name string, args ...string) []byte {
	t.Helper()
	out, stderr, err := decToolRun(t, in, name, args...)
	if err != nil || len(stderr) > 0 {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr)
	}
	return out
}

// decHaveTool reports whether a tool is installed, failing the test when
// it is not and BLOBIMAGE_REQUIRE_TOOLS=1. It is for optional uses, such
// as fuzz seeds, that must not skip the test.
func decHaveTool(t testing.TB, name string) bool {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv(testimage.RequireToolsEnv) == "1" {
			t.Fatalf("%s not found and %s=1: install Debian's libjpeg-turbo-progs", name, testimage.RequireToolsEnv)
		}
		return false
	}
	return true
}

// decToolRun is decTool that returns the tool's standard error and exit
// status instead of failing on them.
func decToolRun(t testing.TB, in []byte, name string, args ...string) (out, stderr []byte, err error) {
	t.Helper()
	cmd := exec.Command(testimage.Tool(t, name), args...)
	cmd.Stdin = bytes.NewReader(in)
	var e bytes.Buffer
	cmd.Stderr = &e
	out, err = cmd.Output()
	return out, e.Bytes(), err
}

// decDjpeg decodes data with djpeg, chroma upsampled by replication as
// this decoder does (-nosmooth), into an *image.Gray or an *image.RGBA.
func decDjpeg(t testing.TB, data []byte) image.Image {
	t.Helper()
	m, err := decParsePNM(decTool(t, data, "djpeg", "-nosmooth", "-pnm"))
	if err != nil {
		t.Fatalf("djpeg output: %v", err)
	}
	return m
}

// decParsePNM reads a binary 8-bit PGM (P5) or PPM (P6).
func decParsePNM(p []byte) (image.Image, error) {
	var fields [4]int
	magic := string(p[:min(2, len(p))])
	if magic != "P5" && magic != "P6" {
		return nil, fmt.Errorf("not a binary PNM: %q", magic)
	}
	i := 2
	for f := 1; f < 4; f++ {
		for i < len(p) && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t') {
			i++
		}
		j := i
		for j < len(p) && '0' <= p[j] && p[j] <= '9' {
			j++
		}
		v, err := strconv.Atoi(string(p[i:j]))
		if err != nil {
			return nil, fmt.Errorf("PNM header: %v", err)
		}
		fields[f], i = v, j
	}
	i++ // the single white space after maxval
	w, h, maxval := fields[1], fields[2], fields[3]
	if maxval != 255 {
		return nil, fmt.Errorf("PNM maxval %d", maxval)
	}
	if magic == "P5" {
		m := image.NewGray(image.Rect(0, 0, w, h))
		if len(p)-i < len(m.Pix) {
			return nil, fmt.Errorf("short PGM")
		}
		copy(m.Pix, p[i:])
		return m, nil
	}
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	if len(p)-i < 3*w*h {
		return nil, fmt.Errorf("short PPM")
	}
	for k := 0; k < w*h; k++ {
		copy(m.Pix[4*k:4*k+3], p[i+3*k:])
		m.Pix[4*k+3] = 255
	}
	return m, nil
}

// decMinPSNR is the least PSNR against djpeg a decode must reach: the two
// inverse DCTs and colour conversions round differently, by a level or
// two at most.
const decMinPSNR = 45

// decCheckDjpeg decodes data with Decode and with djpeg and fails unless
// they agree to within decMinPSNR.
func decCheckDjpeg(t *testing.T, name string, data []byte) float64 {
	t.Helper()
	got, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: Decode: %v", name, err)
	}
	psnr := testimage.PSNR(t, decDjpeg(t, data), got, false)
	if psnr < decMinPSNR {
		t.Errorf("%s: PSNR against djpeg %.1f dB, want ≥ %d", name, psnr, decMinPSNR)
	}
	return psnr
}
