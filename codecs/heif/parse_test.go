package heif_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/heif"
	"github.com/blobimage/blobimage/internal/testimage"
)

// exifFixture is the EXIF block the metadata fixtures carry.
var exifFixture = testimage.EXIF{Make: "Blob", Model: "Cam 1", Orientation: 6,
	GPS: &testimage.GPS{Lat: 43.4671, Lon: 11.8853}}

// heicWithExif makes a HEIC whose Exif item comes from a JPEG's APP1.
func heicWithExif(tb testing.TB) []byte {
	tb.Helper()
	jpg := testimage.JPEG(photo(320, 240, false), 95, testimage.Segment{Marker: 0xE1, Payload: exifFixture.Bytes()})
	return testimage.Convert(tb, "heif-enc", jpg, ".jpg", ".heic", "-q", "90")
}

// avifWithMetadata makes an AVIF with an Exif item and an XMP item.
func avifWithMetadata(tb testing.TB) (data, xmp []byte) {
	tb.Helper()
	dir := tb.TempDir()
	xmp = []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>`)
	ex := testimage.WriteFile(tb, dir, "exif.bin", exifFixture.Bytes()[6:])
	xm := testimage.WriteFile(tb, dir, "xmp.xml", xmp)
	data = testimage.Convert(tb, "avifenc", testimage.PNG(photo(200, 150, false)), ".png", ".avif", "-s", "9", "--exif", ex, "--xmp", xm)
	return data, xmp
}

func mustParse(tb testing.TB, data []byte) *heif.File {
	tb.Helper()
	f, err := heif.Parse(data)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func TestParseHEIC(t *testing.T) {
	data := heifEnc(t, photo(300, 200, false), "-q", "80")
	f := mustParse(t, data)
	if !f.HasBrand("heic") || f.Handler != "pict" {
		t.Errorf("brands %q %q, handler %q", f.MajorBrand, f.CompatibleBrands, f.Handler)
	}
	if p := f.Primary(); p.Type != "hvc1" {
		t.Errorf("primary %+v", p)
	}
	m, err := f.Image()
	if err != nil {
		t.Fatal(err)
	}
	if m.Coding != "hvc1" || m.Width != 300 || m.Height != 200 || m.Grid || m.BitDepth != 8 || m.ChromaFormat != 1 {
		t.Errorf("image %+v", m)
	}
	if ex, err := f.Exif(); ex != nil || err != nil {
		t.Errorf("Exif() = %d bytes, %v; want none", len(ex), err)
	}
}

func TestParseAVIF(t *testing.T) {
	data, xmp := avifWithMetadata(t)
	f := mustParse(t, data)
	m, err := f.Image()
	if err != nil {
		t.Fatal(err)
	}
	// avifenc turns the Exif orientation (6) into irot 270: displayed
	// upright, 150×200.
	if m.Coding != "av01" || m.Width != 150 || m.Height != 200 || m.ChromaFormat != 3 || len(m.Transforms) != 1 {
		t.Errorf("image %+v", m)
	}
	if n, ok := f.NCLX(); !ok || !n.FullRange || n.MatrixCoefficients != 6 {
		t.Errorf("nclx %+v %v, want avifenc's default for PNG (full range, matrix 6)", n, ok)
	}
	ex, err := f.Exif()
	if err != nil {
		t.Fatal(err)
	}
	if want := exifFixture.Bytes()[6:]; !bytes.Equal(ex, want) {
		t.Errorf("Exif() = %q…, want the TIFF block given to avifenc", ex[:min(16, len(ex))])
	}
	got, err := f.XMP()
	if err != nil || !bytes.Equal(got, xmp) {
		t.Errorf("XMP() = %q, %v", got, err)
	}
}

func TestExifFromHEIC(t *testing.T) {
	f := mustParse(t, heicWithExif(t))
	ex, err := f.Exif()
	if err != nil {
		t.Fatal(err)
	}
	if want := exifFixture.Bytes()[6:]; !bytes.Equal(ex, want) {
		t.Errorf("Exif() = %q…, want the JPEG's TIFF block", ex[:min(16, len(ex))])
	}
	var found bool
	for _, m := range f.MetadataItems() {
		if m.Type == "Exif" {
			found = true
			if !bytes.Equal(m.Data[m.TIFFOffset:], ex) || len(m.Describes) != 1 || m.Describes[0] != f.Primary().ID {
				t.Errorf("metadata item %d: offset %d, describes %v", m.ID, m.TIFFOffset, m.Describes)
			}
		}
	}
	if !found {
		t.Error("no Exif item among MetadataItems")
	}
}

// corpusHEIC returns the iPhone photo of the corpus, or skips.
func corpusHEIC(tb testing.TB) []byte {
	tb.Helper()
	dir := os.Getenv("BLOBIMAGE_CORPUS")
	if dir == "" {
		tb.Skip("BLOBIMAGE_CORPUS is not set")
	}
	data, err := os.ReadFile(filepath.Join(dir, "iphone_IMG_5195.heic"))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestParseCorpusHEIC(t *testing.T) {
	f := mustParse(t, corpusHEIC(t))
	m, err := f.Image()
	if err != nil {
		t.Fatal(err)
	}
	if !m.Grid || m.TileWidth != 512 || m.Width != 2566 || m.Height != 3313 || len(m.Tiles) != m.Rows*m.Cols {
		t.Errorf("image %+v", m)
	}
	ex, err := f.Exif()
	if err != nil || len(ex) < 100 || string(ex[:4]) != "MM\x00*" {
		t.Errorf("Exif() = %d bytes %q, %v", len(ex), ex[:min(4, len(ex))], err)
	}
	x, err := f.XMP()
	if err != nil || !bytes.Contains(x, []byte("x:xmpmeta")) {
		t.Errorf("XMP() = %d bytes, %v", len(x), err)
	}
	if icc := f.ICC(); len(icc) < 128 || string(icc[36:40]) != "acsp" {
		t.Errorf("ICC() = %d bytes, not a profile", len(icc))
	}
}

func TestParseRefusesNonHEIF(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":   nil,
		"png":     testimage.PNG(photo(8, 8, false)),
		"no meta": []byte("\x00\x00\x00\x10ftypheic\x00\x00\x00\x00"),
		"short":   []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"),
	} {
		if _, err := heif.Parse(data); !errors.Is(err, codecs.ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
}
