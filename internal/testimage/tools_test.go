package testimage_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blobimage/blobimage/internal/testimage"
)

// recorder is a testing.TB that records Skipf and Fatalf instead of
// stopping the test, to check what a helper reports.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                       {}
func (r *recorder) Skipf(format string, a ...any) { r.skipped = fmt.Sprintf(format, a...) }
func (r *recorder) Fatalf(format string, a ...any) {
	if r.failed == "" {
		r.failed = fmt.Sprintf(format, a...)
	}
}
func (r *recorder) Fatal(a ...any) { r.Fatalf("%s", fmt.Sprint(a...)) }

// fakeTools puts shell scripts with the given names first on PATH; each
// writes its arguments, one a line, to the file $FAKE_ARGS and copies the
// argument named in.* to the one named out.*.
func fakeTools(t *testing.T, names ...string) (argsFile string) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$FAKE_ARGS\"\n" +
		"for a; do case \"$a\" in */in.*) in=$a;; */out.*) out=$a;; esac; done\n" +
		"cp \"$in\" \"$out\"\n"
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	argsFile = filepath.Join(t.TempDir(), "args")
	t.Setenv("FAKE_ARGS", argsFile)
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return argsFile
}

// TestToolMissing: a missing tool skips the test, naming the Debian package
// that installs it, or fails it when BLOBIMAGE_REQUIRE_TOOLS=1.
func TestToolMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, tc := range []struct {
		name, require string
		skip, fail    bool
		says          string
	}{
		{"dwebp", "", true, false, "install Debian's webp"},
		{"avifenc", "0", true, false, "install Debian's libavif-bin"},
		{"heif-convert", "1", false, true, "install Debian's libheif-examples"},
		{"no-such-tool", "1", false, true, "install it"},
	} {
		t.Setenv(testimage.RequireToolsEnv, tc.require)
		r := &recorder{TB: t}
		if p := testimage.Tool(r, tc.name); p != "" {
			t.Errorf("%s: path %q with an empty PATH", tc.name, p)
		}
		msg := r.skipped + r.failed
		if (r.skipped != "") != tc.skip || (r.failed != "") != tc.fail || !strings.Contains(msg, tc.says) || !strings.Contains(msg, tc.name) {
			t.Errorf("%s, %s=%q: skipped %q, failed %q; want skip %v, fail %v, saying %q",
				tc.name, testimage.RequireToolsEnv, tc.require, r.skipped, r.failed, tc.skip, tc.fail, tc.says)
		}
	}
}

// TestToolFound: an installed tool's path comes back and nothing is
// skipped.
func TestToolFound(t *testing.T) {
	fakeTools(t, "cwebp")
	r := &recorder{TB: t}
	p := testimage.Tool(r, "cwebp")
	if filepath.Base(p) != "cwebp" || r.skipped != "" || r.failed != "" {
		t.Errorf("Tool = %q, skipped %q, failed %q", p, r.skipped, r.failed)
	}
}

// TestConvertLayouts: each tool gets its options and then the input and
// output names where it takes them, and Convert returns what it wrote.
func TestConvertLayouts(t *testing.T) {
	argsFile := fakeTools(t, "cwebp", "dwebp", "heif-enc", "avifdec", "other")
	for _, tc := range []struct {
		name          string
		inExt, outExt string
		want          string // the arguments, in and out standing for the paths
	}{
		{"cwebp", ".png", ".webp", "-q 90 in.png -o out.webp"},
		{"dwebp", ".bin", ".png", "-q 90 in.bin -o out.png"},
		{"heif-enc", ".jpg", ".heic", "-q 90 -o out.heic in.jpg"},
		{"avifdec", ".bin", ".png", "-q 90 in.bin out.png"},
		{"other", ".a", ".b", "-q 90 in.a out.b"},
	} {
		in := []byte("data for " + tc.name)
		out := testimage.Convert(t, tc.name, in, tc.inExt, tc.outExt, "-q", "90")
		if !bytes.Equal(out, in) {
			t.Errorf("%s: Convert returned %q, want the tool's output %q", tc.name, out, in)
		}
		b, err := os.ReadFile(argsFile)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range strings.Fields(string(b)) {
			if filepath.IsAbs(a) {
				a = filepath.Base(a)
			}
			got = append(got, a)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%s ran with %q, want %q", tc.name, g, tc.want)
		}
	}
}

// TestRunFails: a tool that fails fails the test, with its output.
func TestRunFails(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken"), []byte("#!/bin/sh\necho cannot read \"$1\" >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	r := &recorder{TB: t}
	testimage.Run(r, "broken", "x.png")
	if !strings.Contains(r.failed, "broken x.png") || !strings.Contains(r.failed, "cannot read x.png") || !strings.Contains(r.failed, "exit status 3") {
		t.Errorf("failed %q; want the command, its exit status and its output", r.failed)
	}
}

// TestReferenceRoundTrip runs Debian's encoders and decoders through
// Convert and ReferenceDecode: a lossless cwebp comes back from dwebp as
// it went in (alpha too, where it shows), heif-enc and avifenc files from
// heif-convert and avifdec close to it.
func TestReferenceRoundTrip(t *testing.T) {
	src := testimage.WithAlpha(testimage.Photo(96, 64))
	webp := testimage.Convert(t, "cwebp", testimage.PNG(src), ".png", ".webp", "-quiet", "-lossless")
	if p := testimage.PSNR(t, src, testimage.ReferenceDecode(t, "dwebp", webp), true); !math.IsInf(p, 1) {
		t.Errorf("lossless WebP through dwebp: %.2f dB, want +Inf", p)
	}
	opaque := testimage.Photo(96, 64)
	heic := testimage.Convert(t, "heif-enc", testimage.PNG(opaque), ".png", ".heic", "-q", "90")
	p := testimage.PSNR(t, opaque, testimage.ReferenceDecode(t, "heif-convert", heic, "--quiet"), false)
	t.Logf("heif-enc -q 90 through heif-convert: %.2f dB", p)
	if p < 30 {
		t.Errorf("heif-enc -q 90 through heif-convert: %.2f dB, want ≥ 30", p)
	}
	avif := testimage.Convert(t, "avifenc", testimage.PNG(opaque), ".png", ".avif", "-s", "10")
	p = testimage.PSNR(t, opaque, testimage.ReferenceDecode(t, "avifdec", avif), false)
	t.Logf("avifenc -s 10 through avifdec: %.2f dB", p)
	if p < 30 {
		t.Errorf("avifenc -s 10 through avifdec: %.2f dB, want ≥ 30", p)
	}
}
