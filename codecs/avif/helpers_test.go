package avif_test

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// photo returns a w×h opaque image with what makes photographs hard to
// compress: smooth gradients, textures of several frequencies, soft-edged
// shapes and a little noise, all deterministic.
func photo(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			r := 120 + 90*math.Sin(fx*5+fy*2) + 12*math.Sin(float64(x)/3.1)*math.Cos(float64(y)/4.3)
			g := 110 + 80*math.Cos(fx*3-fy*4) + 10*math.Sin(float64(x+y)/7)
			b := 100 + 70*math.Sin(fx*fy*9) + 25*math.Cos(float64(x-2*y)/19)
			// A soft disc, darker and warmer.
			if d := math.Hypot(fx-0.6, fy-0.4); d < 0.25 {
				k := math.Min(1, (0.25-d)*20)
				r, g, b = r*(1-k)+200*k, g*(1-k)+90*k, b*(1-k)+40*k
			}
			n := float64(rng.IntN(9)) - 4
			i := m.PixOffset(x, y)
			m.Pix[i+0] = clamp(r + n)
			m.Pix[i+1] = clamp(g + n)
			m.Pix[i+2] = clamp(b + n)
			m.Pix[i+3] = 0xff
		}
	}
	return m
}

// withAlpha returns img with an alpha ramp from transparent (left) to
// opaque (right) and a fully transparent corner.
func withAlpha(img *image.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(img.Rect)
	copy(m.Pix, img.Pix)
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := range h {
		for x := range w {
			a := uint8(255 * x / max(w-1, 1))
			if x < w/8 && y < h/8 {
				a = 0
			}
			m.Pix[m.PixOffset(x, y)+3] = a
		}
	}
	return m
}

func clamp(v float64) uint8 { return uint8(math.Round(math.Min(math.Max(v, 0), 255))) }

// nrgba converts img to an *image.NRGBA at the origin, through Go's colour
// models.
func nrgba(img image.Image) *image.NRGBA {
	b := img.Bounds()
	m := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, img, b.Min, draw.Src)
	return m
}

// premultiplied converts img to an *image.RGBA at the origin: colours as
// they show, whatever a transparent pixel's colour was.
func premultiplied(img image.Image) *image.RGBA {
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, img, b.Min, draw.Src)
	return m
}

// psnr returns the PSNR in dB of b against a over the premultiplied R, G
// and B samples (and A too when alpha is set); +Inf for identical images.
func psnr(t testing.TB, a, b image.Image, alpha bool) float64 {
	t.Helper()
	x, y := premultiplied(a), premultiplied(b)
	if x.Rect != y.Rect {
		t.Fatalf("psnr: sizes %v and %v differ", x.Rect, y.Rect)
	}
	var sum float64
	var n int
	for i := range x.Pix {
		if i%4 == 3 && !alpha {
			continue
		}
		d := float64(x.Pix[i]) - float64(y.Pix[i])
		sum += d * d
		n++
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(sum/float64(n)))
}

// tool returns the path of a Debian tool the test needs, skipping the test
// when it is missing unless BLOBIMAGE_REQUIRE_TOOLS=1 (as in CI).
func tool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("BLOBIMAGE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s not found and BLOBIMAGE_REQUIRE_TOOLS=1: install Debian's %s", name, pkg)
		}
		t.Skipf("%s not found: install Debian's %s to run this test", name, pkg)
	}
	return p
}

// run runs a tool, failing the test with its output on error.
func run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, out)
	}
}

// writePNG writes img as a PNG in dir and returns its path.
func writePNG(t testing.TB, dir, name string, img image.Image) string {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readPNG reads a PNG file.
func readPNG(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// readFile reads a file.
func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// avifdec decodes an AVIF with libavif's reference decoder (dav1d in
// Debian's build) and returns the image.
func avifdec(t testing.TB, data []byte) image.Image {
	t.Helper()
	bin := tool(t, "avifdec", "libavif-bin")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.avif"), filepath.Join(dir, "out.png")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, bin, "--depth", "8", in, out)
	return readPNG(t, out)
}
