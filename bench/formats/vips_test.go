package main

import (
	"context"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseVipsFormats(t *testing.T) {
	out := []byte(`version 8.14.1
heic-decode 0 300000000 290000000
heic-decode 1 100000000 90000000
heic-decode 2 200000000 180000000
unavailable avif-encode VipsForeignSaveHeif: Unsupported compression
webp-encode 0 50000000 50000000
`)
	v, err := parseVipsFormats(out)
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != "8.14.1" {
		t.Errorf("version %q", v.Version)
	}
	h := v.result(vipsHEICDecode)
	if len(h.WallMS) != 3 || h.wall() != 200 || h.cpu() != 180 || h.Unavailable != "" {
		t.Errorf("heic %+v, wall %v, cpu %v", h, h.wall(), h.cpu())
	}
	if a := v.result(vipsAVIFEncode); a.Unavailable != "VipsForeignSaveHeif: Unsupported compression" {
		t.Errorf("avif-encode %+v", a)
	}
	if a := v.result(vipsAVIFDecode); a.Unavailable != "not measured" {
		t.Errorf("avif-decode %+v", a)
	}
	if w := v.result(vipsWebPEncode); w.wall() != 50 {
		t.Errorf("webp %+v", w)
	}
	if got := vipsCells(400, h, 2); got != "100 (90) | 4.00×" {
		t.Errorf("cells %q", got)
	}
	if got := vipsCells(400, v.result(vipsAVIFEncode), 2); !strings.HasPrefix(got, "not available: ") || !strings.HasSuffix(got, "| –") {
		t.Errorf("cells %q", got)
	}
	skipped := &vipsRun{Skipped: "no libvips-dev"}
	if r := skipped.result(vipsWebPEncode); r.Unavailable != "no libvips-dev" {
		t.Errorf("skipped %+v", r)
	}

	for _, bad := range []string{
		"heic-decode 0 1 2\n",                         // no version
		"version 8\nheic-decode 0 x 2\n",              // bad number
		"version 8\nsomething else entirely here x\n", // unknown
		"version 8\nunavailable webp-encode no\nwebp-encode 0 1 1\n",
	} {
		if _, err := parseVipsFormats([]byte(bad)); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

// TestRunVips builds vips_formats.c and runs it on tiny inputs; it is
// skipped without libvips-dev, gcc or the HEIF/AVIF tools.
func TestRunVips(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a C program")
	}
	for _, tool := range []string{"pkg-config", "gcc", "heif-enc", "avifenc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	if err := exec.Command("pkg-config", "--exists", "vips").Run(); err != nil {
		t.Skip("libvips-dev not installed")
	}
	dir := t.TempDir()
	img := fit(testPicture(), 64, 48)
	png := write(dir, "in.png", encodePNG(img))
	heic, avif := filepath.Join(dir, "in.heic"), filepath.Join(dir, "in.avif")
	if err := run("heif-enc", "-q", "85", "-o", heic, png); err != nil {
		t.Skip(err)
	}
	if err := run("avifenc", "--jobs", "1", "-s", "9", png, avif); err != nil {
		t.Skip(err)
	}
	webp := filepath.Join(dir, "t.webp")
	if err := run("cwebp", "-quiet", "-q", "80", png, "-o", webp); err != nil {
		t.Skip(err)
	}
	v := runVips(context.Background(), dir, 2, heic, avif, png, 75, 4, 63, 9, png, webp)
	if v.Skipped != "" {
		t.Fatalf("skipped: %s", v.Skipped)
	}
	for _, name := range []string{vipsHEICDecode, vipsAVIFDecode, vipsWebPDecode, vipsWebPEncode, vipsAVIFEncode, vipsPNGDecode} {
		r := v.result(name)
		if r.Unavailable != "" && name != vipsPNGDecode {
			t.Logf("%s not available: %s", name, r.Unavailable)
			continue
		}
		if len(r.WallMS) != 2 || r.wall() <= 0 {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "vips_formats")); err != nil {
		t.Error(err)
	}
}

// testPicture is a small photo-like gradient.
func testPicture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 128, 96))
	for y := range 96 {
		for x := range 128 {
			img.Set(x, y, color.RGBA{R: uint8(2 * x), G: uint8(2 * y), B: uint8(x ^ y), A: 255})
		}
	}
	return img
}

// TestPillowDecode runs the PNG row's Pillow timing on a small PNG; it is
// skipped without a Python with PIL.
func TestPillowDecode(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import PIL").Run(); err != nil {
		t.Skipf("%s has no PIL", py)
	}
	dir := t.TempDir()
	png := write(dir, "in.png", encodePNG(fit(testPicture(), 64, 48)))
	ms, version, err := pillowDecode(dir, py, png, 3)
	if err != nil {
		t.Fatal(err)
	}
	if ms <= 0 || version == "" {
		t.Errorf("median %v ms, version %q", ms, version)
	}
	if _, _, err := pillowDecode(dir, py, filepath.Join(dir, "missing.png"), 3); err == nil {
		t.Error("no error for a missing file")
	}
}
