package heif_test

// Fixtures: every HEIC and AVIF file the tests use is made here, at test
// time, by Debian's encoders (heif-enc from libheif-examples, avifenc from
// libavif-bin) from a PNG the test writes; the reference decodes come from
// heif-convert and avifdec. Without the tools the tests skip, unless
// BLOBIMAGE_REQUIRE_TOOLS=1 (CI), where they fail.

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// tool returns the path of a command-line tool, skipping the test when it
// is missing (failing it when BLOBIMAGE_REQUIRE_TOOLS=1).
func tool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("BLOBIMAGE_REQUIRE_TOOLS") == "1" {
			tb.Fatalf("%s is not installed (BLOBIMAGE_REQUIRE_TOOLS=1): apt-get install libheif-examples libavif-bin", name)
		}
		tb.Skipf("%s is not installed (apt-get install libheif-examples libavif-bin)", name)
	}
	return p
}

// photo returns a w×h test picture with smooth colour gradients and fine
// detail and sharp edges in luma, so that colour and level errors show in
// PSNR. The edges change luma only (the same amount added to R, G and B),
// so that the reference decoders' chroma upsampling, which differs from
// one decoder to the next, does not dominate a comparison. With alpha, the
// alpha channel ramps from transparent to opaque with a hole.
func photo(w, h int, alpha bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			d := 12*math.Sin(float64(y)/3) + 10*math.Cos(float64(x)/2)
			if (x/48+y/48)%2 == 0 && x%48 > 8 && y%48 > 8 && x%48 < 20 {
				d += 40
			}
			r := 50 + 120*fx + 10*math.Sin(float64(y)/37) + d
			g := 45 + 130*fy + d
			b := 110 + 60*math.Sin(3*fx+2*fy) + d
			a := 255.0
			if alpha {
				a = 255 * fx
				if dx, dy := fx-0.5, fy-0.5; dx*dx+dy*dy < 0.02 {
					a = 0
				}
			}
			img.SetNRGBA(x, y, color.NRGBA{clamp8(r), clamp8(g), clamp8(b), clamp8(a)})
		}
	}
	return img
}

func clamp8(v float64) uint8 {
	return uint8(max(0, min(255, math.Round(v))))
}

// writePNG writes img as a PNG file in dir and returns its path.
func writePNG(tb testing.TB, dir, name string, img image.Image) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// run runs a tool and fails the test with its output on error.
func run(tb testing.TB, name string, args ...string) {
	tb.Helper()
	cmd := exec.Command(tool(tb, name), args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// fixtureCache keeps fixtures made with the same arguments within one test
// binary run: the encoders take up to seconds per file.
var fixtureCache sync.Map

// heifEnc encodes img with heif-enc and the given options (e.g. "-q",
// "90", "-p", "chroma=444", "-b", "10", "-L", "--avif").
func heifEnc(tb testing.TB, img image.Image, args ...string) []byte {
	tb.Helper()
	return encodeWith(tb, "heif-enc", img, ".heic", args, func(in, out string) []string {
		return append(append([]string{}, args...), "-o", out, in)
	})
}

// avifEnc encodes img with avifenc and the given options (e.g. "-d", "10",
// "-y", "420", "-r", "limited", "--irot", "1").
func avifEnc(tb testing.TB, img image.Image, args ...string) []byte {
	tb.Helper()
	return encodeWith(tb, "avifenc", img, ".avif", args, func(in, out string) []string {
		return append(append([]string{"-s", "8"}, args...), in, out)
	})
}

func encodeWith(tb testing.TB, name string, img image.Image, ext string, args []string, argv func(in, out string) []string) []byte {
	tb.Helper()
	tool(tb, name)
	b := img.Bounds()
	key := name + "|" + strings.Join(args, " ") + "|" + b.String() + "|" + pixelKey(img)
	if v, ok := fixtureCache.Load(key); ok {
		return v.([]byte)
	}
	dir := tb.TempDir()
	in := writePNG(tb, dir, "in.png", img)
	out := filepath.Join(dir, "out"+ext)
	run(tb, name, argv(in, out)...)
	data, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	fixtureCache.Store(key, data)
	return data
}

// pixelKey summarises an image's pixels for the fixture cache.
func pixelKey(img image.Image) string {
	var sum uint64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 5 {
			r, g, bl, a := img.At(x, y).RGBA()
			sum = sum*31 + uint64(r) + uint64(g)<<3 + uint64(bl)<<5 + uint64(a)<<7
		}
	}
	return fmt.Sprintf("%x", sum)
}

// heifConvert decodes a HEIF/AVIF file with heif-convert (libheif) and
// returns the PNG it writes, as *image.NRGBA or *image.RGBA (8-bit) or
// 16-bit models.
func heifConvert(tb testing.TB, data []byte) image.Image {
	tb.Helper()
	return referenceDecode(tb, "heif-convert", data, func(in, out string) []string {
		return []string{"--quiet", in, out}
	})
}

// avifDec decodes an AVIF file with avifdec to an 8-bit PNG.
func avifDec(tb testing.TB, data []byte) image.Image {
	tb.Helper()
	return referenceDecode(tb, "avifdec", data, func(in, out string) []string {
		return []string{"-d", "8", in, out}
	})
}

func referenceDecode(tb testing.TB, name string, data []byte, argv func(in, out string) []string) image.Image {
	tb.Helper()
	b := referencePNG(tb, name, data, argv)
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("%s wrote an unreadable PNG: %v", name, err)
	}
	return img
}

// referencePNG runs a reference decoder on data and returns the PNG file
// it writes.
func referencePNG(tb testing.TB, name string, data []byte, argv func(in, out string) []string) []byte {
	tb.Helper()
	tool(tb, name)
	dir := tb.TempDir()
	in := filepath.Join(dir, "in.bin")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(dir, "out.png")
	run(tb, name, argv(in, out)...)
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// psnr returns the PSNR in dB of b against a: over the colour channels
// premultiplied by alpha (what shows over black: a transparent pixel's
// colour does not count), and over alpha.
func psnr(tb testing.TB, a, b image.Image) (colour, alpha float64) {
	tb.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		tb.Fatalf("sizes differ: %v and %v", a.Bounds(), b.Bounds())
	}
	var se, sa float64
	var n int
	ab, bb := a.Bounds(), b.Bounds()
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			r1, g1, b1, a1 := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, a2 := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			for _, d := range []float64{float64(r1) - float64(r2), float64(g1) - float64(g2), float64(b1) - float64(b2)} {
				d /= 257
				se += d * d
			}
			d := (float64(a1) - float64(a2)) / 257
			sa += d * d
			n++
		}
	}
	return db(se, 3*n), db(sa, n)
}

func db(se float64, n int) float64 {
	if n == 0 || se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}
