package blobimage_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
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
