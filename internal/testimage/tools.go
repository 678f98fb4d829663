package testimage

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RequireToolsEnv is the environment variable that, set to "1" (as CI sets
// it), makes a test that needs a missing tool fail instead of skipping.
const RequireToolsEnv = "BLOBIMAGE_REQUIRE_TOOLS"

// layout is where a tool takes its input and output file names, after the
// options.
type layout int

const (
	inOut     layout = iota // in out
	inDashO                 // in -o out
	dashOIn                 // -o out in
	outfileIn               // -outfile out in (libjpeg's tools)
)

// tools are the Debian tools the tests run: the package that installs each
// and its layout. Convert runs any other command as inOut.
var tools = map[string]struct {
	pkg    string
	layout layout
}{
	"cwebp":        {"webp", inDashO},
	"dwebp":        {"webp", inDashO},
	"avifenc":      {"libavif-bin", inOut},
	"avifdec":      {"libavif-bin", inOut},
	"heif-enc":     {"libheif-examples", dashOIn},
	"heif-convert": {"libheif-examples", inOut},
	"heif-info":    {"libheif-examples", inOut},
	// Tools run by hand (Run), listed for the package to install.
	"img2webp": {"webp", inOut},
	"webpmux":  {"webp", inOut},
	"webpinfo": {"webp", inOut},
	"djpeg":    {"libjpeg-turbo-progs", inOut},
	"cjpeg":    {"libjpeg-turbo-progs", outfileIn},
	"jpegtran": {"libjpeg-turbo-progs", outfileIn},
	"python3":  {"python3-pil", inOut},
}

// Tool returns the path of the command-line tool name (for Debian's tools,
// see Convert). When it is not installed the test is skipped, saying which
// Debian package installs it, or fails when RequireToolsEnv is "1".
func Tool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	install := "install it"
	if t, ok := tools[name]; ok {
		install = "install Debian's " + t.pkg
	}
	if os.Getenv(RequireToolsEnv) == "1" {
		tb.Fatalf("%s not found and %s=1: %s", name, RequireToolsEnv, install)
	} else {
		tb.Skipf("%s not found: %s to run this test", name, install)
	}
	return ""
}

// Run runs the tool name (found by Tool) with args, failing the test with
// the tool's output when it fails.
func Run(tb testing.TB, name string, args ...string) {
	tb.Helper()
	path := Tool(tb, name)
	if out, err := exec.Command(path, args...).CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// WriteFile writes data to the file name in dir and returns its path,
// failing the test when it cannot.
func WriteFile(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// Convert runs the tool name (see Run) on a file holding in and returns
// the file it writes. The files are "in"+inExt and "out"+outExt in a new
// temporary directory (tools tell formats by extension); the tool gets
// args and then the two names where it takes them: cwebp and dwebp as
// "in -o out", heif-enc as "-o out in", cjpeg and jpegtran as
// "-outfile out in", avifenc, avifdec, heif-convert and
// any other command as "in out".
func Convert(tb testing.TB, name string, in []byte, inExt, outExt string, args ...string) []byte {
	tb.Helper()
	dir := tb.TempDir()
	inPath := WriteFile(tb, dir, "in"+inExt, in)
	outPath := filepath.Join(dir, "out"+outExt)
	argv := append([]string{}, args...)
	switch tools[name].layout {
	case inDashO:
		argv = append(argv, inPath, "-o", outPath)
	case dashOIn:
		argv = append(argv, "-o", outPath, inPath)
	case outfileIn:
		argv = append(argv, "-outfile", outPath, inPath)
	default:
		argv = append(argv, inPath, outPath)
	}
	Run(tb, name, argv...)
	out, err := os.ReadFile(outPath)
	if err != nil {
		tb.Fatalf("%s wrote no output: %v", name, err)
	}
	return out
}

// ReferenceDecode decodes data with a reference decoder (dwebp, avifdec,
// heif-convert) given args, through the PNG it writes (see Convert).
func ReferenceDecode(tb testing.TB, name string, data []byte, args ...string) image.Image {
	tb.Helper()
	b := Convert(tb, name, data, ".bin", ".png", args...)
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("%s wrote an unreadable PNG: %v", name, err)
	}
	return img
}
