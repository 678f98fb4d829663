package blobimage_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	webpcodec "github.com/blobimage/blobimage/codecs/webp"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
	"github.com/blobimage/blobimage/variants"
)

// tool returns the path of a Debian reference tool, skipping the test
// without it (failing it when BLOBIMAGE_REQUIRE_TOOLS=1, as in CI).
func tool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("BLOBIMAGE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is not installed (BLOBIMAGE_REQUIRE_TOOLS=1): apt-get install %s", name, pkg)
		}
		t.Skipf("%s is not installed (apt-get install %s)", name, pkg)
	}
	return p
}

// heifEnc encodes a JPEG with heif-enc, which copies its EXIF into the
// HEIC's Exif item as it is, without turning the picture or adding irot.
func heifEnc(t testing.TB, jpg []byte) []byte {
	t.Helper()
	enc := tool(t, "heif-enc", "libheif-examples")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.jpg"), filepath.Join(dir, "out.heic")
	if err := os.WriteFile(in, jpg, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(enc, "-q", "85", "-o", out, in).CombinedOutput(); err != nil {
		t.Fatalf("heif-enc: %v: %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestHEICOrientationNotAppliedTwice: in a HEIF the container's own
// transforms decide the displayed size; an EXIF orientation inside it is
// reported in the metadata but not applied on top (the ★ Formats
// contract). The position is cut from the stored HEIC and from nothing
// else but reported to the writer.
func TestHEICOrientationNotAppliedTwice(t *testing.T) {
	exif := testimage.EXIF{Orientation: 6, Make: "Test", GPS: &testimage.GPS{Lat: 43.4671, Lon: 11.8853}}
	heic := heifEnc(t, testimage.JPEG(testimage.Pattern(320, 240), 90, testimage.Segment{Marker: 0xE1, Payload: exif.Bytes()}))
	s, inner := newStore(t, testConfig())
	f, err := s.Put(context.Background(), "photos/a.heic", bytes.NewReader(heic), nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != codecs.HEIC || f.Width != 320 || f.Height != 240 || f.Metadata.Orientation != 6 || f.Metadata.GPS == nil {
		t.Errorf("HEIC with EXIF orientation 6: %s %dx%d, metadata %+v; want heic 320x240, orientation 6 reported", f.Format, f.Width, f.Height, f.Metadata)
	}
	for name, v := range f.Variants {
		img, format := decodeKey(t, inner, v.Key)
		if format != codecs.JPEG || img.Bounds().Dx() < img.Bounds().Dy() {
			t.Errorf("%s: %s %v, want a landscape JPEG", name, format, img.Bounds())
		}
	}
	stored, err := inner.ReadAll(context.Background(), "photos/a.heic")
	if err != nil {
		t.Fatal(err)
	}
	if md, err := metadata.Read(codecs.HEIC, stored); err != nil || md.GPS != nil || md.Orientation != 6 {
		t.Errorf("stored HEIC: %+v, %v; want orientation 6 kept, no position", md, err)
	}
}

// cwebp encodes a PNG of img with cwebp at the given options.
func cwebp(t testing.TB, img image.Image, args ...string) []byte {
	t.Helper()
	enc := tool(t, "cwebp", "webp")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.png"), filepath.Join(dir, "out.webp")
	if err := os.WriteFile(in, testimage.PNG(img), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(enc, append(args, "-quiet", "-o", out, in)...).CombinedOutput(); err != nil {
		t.Fatalf("cwebp: %v: %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// referenceDecode decodes data with a reference decoder (dwebp, avifdec)
// into a PNG and returns its pixels.
func referenceDecode(t testing.TB, name, pkg string, data []byte, args ...string) image.Image {
	t.Helper()
	dec := tool(t, name, pkg)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out.png")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := append(append([]string{}, args...), in)
	if name == "dwebp" {
		cmd = append(cmd, "-o", out)
	} else {
		cmd = append(cmd, out)
	}
	if b, err := exec.Command(dec, cmd...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", name, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// psnr is the PSNR of b against a over the RGB channels, in dB.
func psnr(a, b image.Image) float64 {
	var sum float64
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c1 := color.NRGBAModel.Convert(a.At(x, y)).(color.NRGBA)
			c2 := color.NRGBAModel.Convert(b.At(x-r.Min.X+b.Bounds().Min.X, y-r.Min.Y+b.Bounds().Min.Y)).(color.NRGBA)
			for _, d := range []float64{float64(c1.R) - float64(c2.R), float64(c1.G) - float64(c2.G), float64(c1.B) - float64(c2.B)} {
				sum += d * d
			}
		}
	}
	mse := sum / float64(3*r.Dx()*r.Dy())
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// TestWebPUploadLevels: a lossy WebP upload (limited-range VP8) is stored
// and its variant made at the levels libwebp's own decoder gives: the
// variant of a "fit" that does not resize is the upload re-encoded as
// JPEG, within JPEG's loss of dwebp's decode (measured 51.9 dB; with the
// limited range read as full, a medium variant was 28 dB from it while
// JPEG uploads were at 42). It runs with each WebP decoder: the system's
// libwebp where it loads, and golang.org/x/image/webp.
func TestWebPUploadLevels(t *testing.T) {
	src := testimage.Pattern(480, 320)
	upload := cwebp(t, src, "-q", "90")
	for _, engine := range []string{"auto", webpcodec.EngineWasm} {
		t.Run(engine, func(t *testing.T) {
			t.Setenv(webpcodec.EngineEnv, engine)
			t.Logf("decoded by %s", webpcodec.DecodeEngine())
			cfg := configWith(fitSpec("same", 1000))
			s, inner := newStore(t, cfg)
			put(t, s, "photos/a.webp", upload)
			img := imageFile(t, s, "photos/a.webp")
			if img.Format != codecs.WebP || img.Width != 480 {
				t.Fatalf("stored %s %dx%d", img.Format, img.Width, img.Height)
			}
			// -nofancy: chroma upsampled by repetition, as the pipeline
			// keeps 4:2:0 planes and the JPEG decoder upsamples them.
			ref := referenceDecode(t, "dwebp", "webp", upload, "-nofancy")
			v := img.Variants["same"]
			got, format := decodeKey(t, inner, v.Key)
			if format != codecs.JPEG {
				t.Fatalf("variant format %s", format)
			}
			// JPEG's own loss on this picture is about 2 dB at 54; levels
			// read as full range cost 20.
			if p := psnr(ref, got); p < 45 {
				t.Errorf("variant against dwebp's decode: %.1f dB, want ≥ 45", p)
			}
		})
	}
}

// TestModernOutputs: one rendering encoded as AVIF, WebP and JPEG; each
// encoding decodes with its reference decoder (avifdec, dwebp) to the
// variant's size and close to the JPEG fallback; a browser naming AVIF
// gets AVIF; a Display P3 upload's profile is carried into every encoding.
func TestModernOutputs(t *testing.T) {
	icc := testimage.ICC("Display P3")
	upload := testimage.JPEG(testimage.Pattern(800, 600), 92, iccSegment(icc))
	s, inner := newStore(t, configWith(multi("small", 200, codecs.AVIF, codecs.WebP, codecs.JPEG)))
	put(t, s, "photos/p3.jpg", upload)
	v := imageFile(t, s, "photos/p3.jpg").Variants["small"]
	if len(v.Alternates) != 2 || v.Alternates[0].Format != codecs.AVIF || v.Alternates[1].Format != codecs.WebP || v.Format != codecs.JPEG {
		t.Fatalf("small = %+v", v)
	}
	fallback, _ := decodeKey(t, inner, v.Key)
	for _, e := range v.Alternates {
		data, err := inner.ReadAll(context.Background(), e.Key)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := codecs.Sniff(data); err != nil || got != e.Format {
			t.Errorf("%s: stored bytes sniff as %s %v", e.Format, got, err)
		}
		if p, err := metadata.ICCProfile(e.Format, data); err != nil || !bytes.Equal(p, icc) {
			t.Errorf("%s: colour profile %d bytes, %v; want the upload's", e.Format, len(p), err)
		}
		var ref image.Image
		switch e.Format {
		case codecs.AVIF:
			ref = referenceDecode(t, "avifdec", "libavif-bin", data)
		case codecs.WebP:
			ref = referenceDecode(t, "dwebp", "webp", data)
		}
		if ref.Bounds().Size() != image.Pt(200, 150) {
			t.Errorf("%s decodes to %v", e.Format, ref.Bounds())
			continue
		}
		if p := psnr(fallback, ref); p < 30 {
			t.Errorf("%s against the JPEG fallback: %.1f dB", e.Format, p)
		}
	}
	if got := v.Negotiate("image/avif,image/webp,*/*"); got.Format != codecs.AVIF {
		t.Errorf("Chrome's Accept gets %s", got.Format)
	}
	if got := v.Negotiate("image/webp,*/*"); got.Format != codecs.WebP {
		t.Errorf("a WebP-only Accept gets %s", got.Format)
	}
}

// TestRecompressToModern: a recompressed original in WebP or AVIF.
func TestRecompressToModern(t *testing.T) {
	for _, f := range []codecs.Format{codecs.WebP, codecs.AVIF} {
		cfg := config{Config: variants.Config{Rules: []variants.Rule{{Match: "**",
			Original: variants.Original{Mode: variants.Recompress, Format: f, Quality: 60, MaxWidth: 400, MaxHeight: 400}}}}}
		s, inner := newStore(t, cfg)
		put(t, s, "a.jpg", testimage.JPEG(testimage.Pattern(1200, 900), 92))
		img := imageFile(t, s, "a.jpg")
		data, _ := inner.ReadAll(context.Background(), "a.jpg")
		got, err := codecs.Sniff(data)
		if err != nil || got != f || img.Format != f || img.Width != 400 || img.Height != 300 || img.ContentType != f.MediaType() {
			t.Errorf("%s: stored %s (%v) as %s %dx%d %s", f, got, err, img.Format, img.Width, img.Height, img.ContentType)
		}
	}
}
