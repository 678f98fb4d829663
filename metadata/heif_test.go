package metadata_test

// HEIC and AVIF fixtures are made at test time by Debian's encoders
// (heif-enc from libheif-examples, avifenc from libavif-bin) from files the
// test writes, and decoded for comparison by heif-convert and avifdec.
// Without the tools the tests skip, unless BLOBIMAGE_REQUIRE_TOOLS=1 (CI),
// where they fail.

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bep/imagemeta"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/heif"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

// needTool returns the path of a command-line tool, skipping the test when
// it is missing (failing it when BLOBIMAGE_REQUIRE_TOOLS=1).
func needTool(tb testing.TB, name string) string {
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

// run runs a tool and fails with its output when it fails.
func run(tb testing.TB, name string, args ...string) {
	tb.Helper()
	out, err := exec.Command(needTool(tb, name), args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func writeFile(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// heifFixture is a file made by a Debian encoder and how to decode it.
type heifFixture struct {
	name    string
	f       codecs.Format
	data    []byte
	decoder string // heif-convert or avifdec
}

// heifFixtures returns a HEIC made by heif-enc from a JPEG carrying
// fullEXIF (GPS included), an XMP packet with GPS and a Display P3
// profile (heif-enc copies all three), and an AVIF made by avifenc from a
// PNG with the same EXIF, XMP and profile given as files.
func heifFixtures(tb testing.TB) []heifFixture {
	tb.Helper()
	dir := tb.TempDir()
	icc := testimage.ICC("Display P3")
	jpg := writeFile(tb, dir, "in.jpg", jpegWith(app1(fullEXIF.Bytes()), app1(xmpGPS),
		testimage.Segment{Marker: 0xE2, Payload: append([]byte("ICC_PROFILE\x00\x01\x01"), icc...)}))
	heic := filepath.Join(dir, "out.heic")
	run(tb, "heif-enc", "-q", "80", "-o", heic, jpg)

	pngPath := writeFile(tb, dir, "in.png", testimage.PNG(pattern()))
	exifPath := writeFile(tb, dir, "exif.bin", fullEXIF.Bytes())
	xmpPath := writeFile(tb, dir, "xmp.xml", xmpPacket(xmpGPS))
	iccPath := writeFile(tb, dir, "p3.icc", icc)
	avif := filepath.Join(dir, "out.avif")
	run(tb, "avifenc", "-s", "10", "--exif", exifPath, "--xmp", xmpPath, "--icc", iccPath, pngPath, avif)

	var out []heifFixture
	for _, fx := range []heifFixture{{"heic", codecs.HEIC, nil, "heif-convert"}, {"avif", codecs.AVIF, nil, "avifdec"}} {
		p := heic
		if fx.f == codecs.AVIF {
			p = avif
		}
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		fx.data = data
		out = append(out, fx)
	}
	return out
}

// referenceDecode decodes a HEIC or AVIF with its Debian decoder.
func referenceDecode(t *testing.T, decoder string, data []byte) image.Image {
	t.Helper()
	dir := t.TempDir()
	in := writeFile(t, dir, "in", data)
	out := filepath.Join(dir, "out.png")
	run(t, decoder, in, out)
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

// sameImage fails unless a and b have the same size and pixels.
func sameImage(t *testing.T, what string, a, b image.Image) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("%s: bounds %v, want %v", what, b.Bounds(), a.Bounds())
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				t.Fatalf("%s: pixel (%d,%d) differs", what, x, y)
			}
		}
	}
}

// sameCodedImage checks that out holds the same image items as in, with
// the same coded data byte for byte (a grid's tiles, an alpha plane, a
// thumbnail), and decodes to the same pixels with the reference decoder
// and, where the codecs registry decodes the format, with it too.
func sameCodedImage(t *testing.T, fx heifFixture, in, out []byte) {
	t.Helper()
	a, err := heif.Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := heif.Parse(out)
	if err != nil {
		t.Fatalf("rewritten file: %v", err)
	}
	images := 0
	for _, it := range a.Items() {
		if it.Type == "Exif" || it.Type == "mime" {
			continue
		}
		da, err := a.ItemData(it.ID)
		if err != nil {
			continue
		}
		db, err := b.ItemData(it.ID)
		if err != nil || !bytes.Equal(da, db) {
			t.Fatalf("%s: item %d (%s): %d bytes after rewriting, %d before (%v)", fx.name, it.ID, it.Type, len(db), len(da), err)
		}
		images++
	}
	if images == 0 {
		t.Fatalf("%s: no image item compared", fx.name)
	}
	if pa, pb := a.Primary(), b.Primary(); pa != pb {
		t.Fatalf("%s: primary %+v, want %+v", fx.name, pb, pa)
	}
	sameImage(t, fx.name+" "+fx.decoder, referenceDecode(t, fx.decoder, in), referenceDecode(t, fx.decoder, out))
	if _, ok := codecs.Lookup(fx.f); ok {
		ia, _, err := codecs.Decode(context.Background(), in, codecs.Limits{})
		if err != nil {
			t.Fatalf("%s: codecs.Decode before: %v", fx.name, err)
		}
		ib, _, err := codecs.Decode(context.Background(), out, codecs.Limits{})
		if err != nil {
			t.Fatalf("%s: codecs.Decode after: %v", fx.name, err)
		}
		sameImage(t, fx.name+" codecs.Decode", ia, ib)
	}
}

// imagemetaTags reads data with imagemeta, which parses HEIF itself: an
// independent reader of what this package reads and writes.
func imagemetaTags(t *testing.T, data []byte) map[string]any {
	t.Helper()
	tags := map[string]any{}
	_, err := imagemeta.Decode(imagemeta.Options{
		R: bytes.NewReader(data), ImageFormat: imagemeta.HEIF, Sources: imagemeta.EXIF | imagemeta.XMP,
		HandleTag: func(ti imagemeta.TagInfo) error {
			if _, ok := tags[ti.Tag]; !ok {
				tags[ti.Tag] = ti.Value
			}
			return nil
		},
		Warnf: func(string, ...any) {},
	})
	if err != nil {
		t.Fatalf("imagemeta: %v", err)
	}
	return tags
}

// gpsTags returns the GPS tag names among tags.
func gpsTags(tags map[string]any) []string {
	var gps []string
	for k := range tags {
		if strings.HasPrefix(strings.ToLower(k), "gps") {
			gps = append(gps, k)
		}
	}
	return gps
}

func TestHEIFRead(t *testing.T) {
	for _, fx := range heifFixtures(t) {
		f, err := metadata.Parse(fx.f, fx.data)
		if err != nil {
			t.Fatalf("%s: %v", fx.name, err)
		}
		m, err := f.Metadata()
		if err != nil {
			t.Errorf("%s: Metadata: %v", fx.name, err)
		}
		if d := diffMeta(fullMeta(), m); d != "" {
			t.Errorf("%s: Metadata (-want +got):\n%s", fx.name, d)
		}
		if !bytes.Equal(f.EXIF(), tiffOf(fullEXIF.Bytes())) {
			t.Errorf("%s: EXIF of %d bytes is not the TIFF structure given to the encoder", fx.name, len(f.EXIF()))
		}
		if !bytes.Equal(f.XMP(), xmpPacket(xmpGPS)) {
			t.Errorf("%s: XMP of %d bytes is not the packet given to the encoder", fx.name, len(f.XMP()))
		}
		icc, err := f.ICC()
		if err != nil || !bytes.Equal(icc, testimage.ICC("Display P3")) {
			t.Errorf("%s: ICC of %d bytes (%v), want the Display P3 profile", fx.name, len(icc), err)
		}
		// The same file format name for every HEIF flavour.
		for _, other := range []codecs.Format{codecs.HEIC, codecs.HEIF, codecs.AVIF} {
			if m2, err := metadata.Read(other, fx.data); err != nil || diffMeta(m, m2) != "" {
				t.Errorf("%s read as %s: %+v, %v", fx.name, other, m2, err)
			}
		}
		// imagemeta, reading the HEIF container itself, agrees.
		tags := imagemetaTags(t, fx.data)
		if tags["Make"] != "Canon" || tags["Model"] != "EOS R5" || len(gpsTags(tags)) == 0 {
			t.Errorf("%s: imagemeta reads Make %q, Model %q, GPS tags %v", fx.name, tags["Make"], tags["Model"], gpsTags(tags))
		}
	}
}

func TestHEIFStripGPS(t *testing.T) {
	for _, fx := range heifFixtures(t) {
		in := bytes.Clone(fx.data)
		out, err := metadata.StripGPS(fx.f, in)
		if err != nil {
			t.Fatalf("%s: %v", fx.name, err)
		}
		if !bytes.Equal(in, fx.data) {
			t.Fatalf("%s: StripGPS modified its input", fx.name)
		}
		f, err := metadata.Parse(fx.f, out)
		if err != nil {
			t.Fatalf("%s: the stripped file does not parse: %v", fx.name, err)
		}
		m, err := f.Metadata()
		if err != nil {
			t.Errorf("%s: Metadata after StripGPS: %v", fx.name, err)
		}
		if d := diffMeta(noGPS(fullMeta()), m); d != "" {
			t.Errorf("%s: Metadata after StripGPS (-want +got):\n%s", fx.name, d)
		}
		// The Exif item was rewritten in place, the XMP item (which
		// mentions GPS) dropped, the profile kept.
		if len(f.EXIF()) != len(tiffOf(fullEXIF.Bytes())) {
			t.Errorf("%s: EXIF of %d bytes after StripGPS, want %d", fx.name, len(f.EXIF()), len(tiffOf(fullEXIF.Bytes())))
		}
		if f.XMP() != nil {
			t.Errorf("%s: XMP with GPS left", fx.name)
		}
		if icc, _ := f.ICC(); !bytes.Equal(icc, testimage.ICC("Display P3")) {
			t.Errorf("%s: ICC profile lost", fx.name)
		}
		if bytes.Contains(out, []byte("GPSLatitude")) {
			t.Errorf("%s: GPSLatitude still in the bytes", fx.name)
		}
		tags := imagemetaTags(t, out)
		if g := gpsTags(tags); len(g) > 0 || tags["Model"] != "EOS R5" {
			t.Errorf("%s: imagemeta reads GPS tags %v, Model %q after StripGPS", fx.name, g, tags["Model"])
		}
		sameCodedImage(t, fx, fx.data, out)
		// Nothing left to strip: the same slice back.
		again, err := metadata.StripGPS(fx.f, out)
		if err != nil || !sameSlice(again, out) {
			t.Errorf("%s: second StripGPS: err %v, same slice %v", fx.name, err, sameSlice(again, out))
		}
	}
}

func TestHEIFStripAll(t *testing.T) {
	for _, fx := range heifFixtures(t) {
		// The orientation is not written: HEIF's is irot/imir, kept.
		out, err := metadata.StripAll(fx.f, fx.data, 6)
		if err != nil {
			t.Fatalf("%s: %v", fx.name, err)
		}
		f, err := metadata.Parse(fx.f, out)
		if err != nil {
			t.Fatalf("%s: the stripped file does not parse: %v", fx.name, err)
		}
		if m, err := f.Metadata(); err != nil || diffMeta(metadata.Metadata{}, m) != "" {
			t.Errorf("%s: Metadata after StripAll: %+v, %v", fx.name, m, err)
		}
		if f.EXIF() != nil || f.XMP() != nil {
			t.Errorf("%s: EXIF (%d bytes) or XMP (%d bytes) left", fx.name, len(f.EXIF()), len(f.XMP()))
		}
		if icc, _ := f.ICC(); !bytes.Equal(icc, testimage.ICC("Display P3")) {
			t.Errorf("%s: ICC profile lost", fx.name)
		}
		if tags := imagemetaTags(t, out); len(tags) > 0 {
			t.Errorf("%s: imagemeta still reads %d tags", fx.name, len(tags))
		}
		sameCodedImage(t, fx, fx.data, out)
	}
}

// TestHEIFCompressedXMP checks an XMP item stored deflated (heif-enc
// --enable-metadata-compression): read, and dropped by StripGPS since it
// mentions GPS.
func TestHEIFCompressedXMP(t *testing.T) {
	dir := t.TempDir()
	jpg := writeFile(t, dir, "in.jpg", jpegWith(app1(withoutGPS(fullEXIF).Bytes()), app1(xmpGPS)))
	heic := filepath.Join(dir, "out.heic")
	run(t, "heif-enc", "--enable-metadata-compression", "-q", "80", "-o", heic, jpg)
	data, err := os.ReadFile(heic)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("GPSLatitude")) {
		t.Skip("this heif-enc does not compress XMP")
	}
	m, err := metadata.Read(codecs.HEIC, data)
	if err != nil || m.GPS == nil || math.Abs(m.GPS.Lat-43.4671) > 1e-3 {
		t.Fatalf("Read: GPS %+v from the deflated XMP, %v", m.GPS, err)
	}
	out, err := metadata.StripGPS(codecs.HEIC, data)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := metadata.Read(codecs.HEIC, out); err != nil || m.GPS != nil || m.Model != "EOS R5" {
		t.Errorf("after StripGPS: %+v, %v", m, err)
	}
}

// TestHEIFDamagedExif checks an Exif item whose TIFF structure is broken:
// Metadata says so and still reads the XMP, StripGPS refuses (so that the
// caller falls back to StripAll), StripAll drops it.
func TestHEIFDamagedExif(t *testing.T) {
	for _, fx := range heifFixtures(t) {
		tiff := tiffOf(fullEXIF.Bytes())
		for name, damage := range map[string]func([]byte){
			"no TIFF header": func(b []byte) { copy(b, "XX") },
			"IFD loop": func(b []byte) {
				// IFD0's next-IFD offset points back at IFD0.
				n := int(b[8]) | int(b[9])<<8
				at := 10 + 12*n
				b[at], b[at+1], b[at+2], b[at+3] = 8, 0, 0, 0
			},
		} {
			data := bytes.Clone(fx.data)
			i := bytes.Index(data, tiff)
			if i < 0 {
				t.Fatalf("%s: the TIFF structure is not stored as given", fx.name)
			}
			damage(data[i : i+len(tiff)])
			f, err := metadata.Parse(fx.f, data)
			if err != nil {
				t.Fatalf("%s, %s: Parse: %v", fx.name, name, err)
			}
			m, err := f.Metadata()
			if err == nil {
				t.Errorf("%s, %s: Metadata: no error", fx.name, name)
			}
			if m.GPS == nil {
				t.Errorf("%s, %s: the XMP position was not read", fx.name, name)
			}
			if _, err := f.StripGPS(); err == nil {
				t.Errorf("%s, %s: StripGPS: no error", fx.name, name)
			}
			out, err := f.StripAll(1)
			if err != nil {
				t.Fatalf("%s, %s: StripAll: %v", fx.name, name, err)
			}
			if m, err := metadata.Read(fx.f, out); err != nil || diffMeta(metadata.Metadata{}, m) != "" {
				t.Errorf("%s, %s: after StripAll: %+v, %v", fx.name, name, m, err)
			}
		}
	}
}

// TestHEIFTruncated checks that a cut file is refused cleanly by every
// entry point.
func TestHEIFTruncated(t *testing.T) {
	for _, fx := range heifFixtures(t) {
		for _, n := range []int{0, 8, 24, len(fx.data) / 4, len(fx.data) / 2} {
			data := fx.data[:n]
			if f, err := metadata.Parse(fx.f, data); err == nil {
				// The meta box is whole; items past the end are
				// refused by the operations that need them.
				noBugs(t, f)
				continue
			} else if !errors.Is(err, codecs.ErrCorrupt) && !errors.Is(err, codecs.ErrUnsupportedFormat) {
				t.Errorf("%s cut at %d: Parse error %v is not typed", fx.name, n, err)
			}
			for what, err := range map[string]error{
				"Read":       second(metadata.Read(fx.f, data)),
				"StripGPS":   second(metadata.StripGPS(fx.f, data)),
				"StripAll":   second(metadata.StripAll(fx.f, data, 1)),
				"ICCProfile": second(metadata.ICCProfile(fx.f, data)),
			} {
				if err == nil {
					t.Errorf("%s cut at %d: %s: no error", fx.name, n, what)
				}
				noBug(t, what, err)
			}
		}
	}
}

func second[T any](_ T, err error) error { return err }

// noBugs runs every operation of f and fails on a recovered panic.
func noBugs(t *testing.T, f *metadata.File) {
	t.Helper()
	noBug(t, "Metadata", second(f.Metadata()))
	noBug(t, "ICC", second(f.ICC()))
	noBug(t, "StripGPS", second(f.StripGPS()))
	noBug(t, "StripAll", second(f.StripAll(1)))
}

func TestHEIFConcurrentUse(t *testing.T) {
	for _, fx := range heifFixtures(t) {
		concurrentUse(t, fx.f, fx.data)
	}
}

func TestHEIFEmbedICC(t *testing.T) {
	// The fixtures carry a Display P3 profile: EmbedICC replaces it.
	icc := testimage.ICC("Adobe RGB (1998)")
	for _, fx := range heifFixtures(t) {
		out, err := metadata.EmbedICC(fx.f, fx.data, icc)
		if err != nil {
			t.Fatalf("%s: EmbedICC: %v", fx.name, err)
		}
		if got, err := metadata.ICCProfile(fx.f, out); err != nil || !bytes.Equal(got, icc) {
			t.Errorf("%s: ICCProfile after EmbedICC: %d bytes, %v", fx.name, len(got), err)
		}
	}
	data := []byte("not looked at")
	for _, f := range []codecs.Format{codecs.HEIC, codecs.HEIF, codecs.AVIF} {
		if out, err := metadata.EmbedICC(f, data, nil); err != nil || !sameSlice(out, data) {
			t.Errorf("%s: EmbedICC without a profile: %v", f, err)
		}
		if _, err := metadata.EmbedICC(f, data, icc); !errors.Is(err, codecs.ErrCorrupt) {
			t.Errorf("%s: EmbedICC into garbage: %v, want ErrCorrupt", f, err)
		}
	}
}

// TestHEIFCorpusIPhone reads the iPhone HEIC of BLOBIMAGE_CORPUS (a grid
// of HEVC tiles with Exif, XMP and a Display P3 profile) and strips it.
func TestHEIFCorpusIPhone(t *testing.T) {
	dir := os.Getenv("BLOBIMAGE_CORPUS")
	if dir == "" {
		t.Skip("BLOBIMAGE_CORPUS not set")
	}
	data, err := os.ReadFile(filepath.Join(dir, "iphone_IMG_5195.heic"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := metadata.Parse(codecs.HEIC, data)
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.Metadata()
	if err != nil {
		t.Errorf("Metadata: %v", err)
	}
	if m.GPS == nil {
		t.Fatalf("no GPS in %+v", m)
	}
	alt := m.GPS.Alt
	want := metadata.Metadata{
		Taken: time.Date(2021, 4, 11, 15, 47, 53, 0, time.FixedZone("", -5*3600)),
		Make:  "Apple", Model: "iPhone 11 Pro Max", Lens: "iPhone 11 Pro Max back triple camera 4.25mm f/1.8",
		ExposureTime: 1 / 391.0, FNumber: 1.8, ISO: 32, FocalLength: 4.25,
		GPS: &metadata.GPS{Lat: 39.05134444444444, Lon: -94.28877222222222, Alt: alt},
	}
	if d := cmpMetaApprox(want, m); d != "" {
		t.Errorf("Metadata (-want +got):\n%s", d)
	}
	if alt == nil {
		t.Error("no altitude")
	}
	// imagemeta, reading the container itself, finds the same camera and
	// a position.
	tags := imagemetaTags(t, data)
	if tags["Make"] != "Apple" || tags["Model"] != "iPhone 11 Pro Max" || len(gpsTags(tags)) == 0 {
		t.Errorf("imagemeta: Make %q, Model %q, GPS tags %v", tags["Make"], tags["Model"], gpsTags(tags))
	}
	if icc, err := f.ICC(); err != nil || !metadataICCNamed(icc, "Display P3") {
		t.Errorf("ICC: %d bytes, %v; want Display P3", len(icc), err)
	}

	out, err := f.StripGPS()
	if err != nil {
		t.Fatal(err)
	}
	m2, err := metadata.Read(codecs.HEIC, out)
	if err != nil || m2.GPS != nil || m2.Model != "iPhone 11 Pro Max" || !m2.Taken.Equal(want.Taken) {
		t.Errorf("after StripGPS: %+v, %v", m2, err)
	}
	if g := gpsTags(imagemetaTags(t, out)); len(g) > 0 {
		t.Errorf("imagemeta reads %v after StripGPS", g)
	}
	sameCodedImage(t, heifFixture{name: "iphone", f: codecs.HEIC, decoder: "heif-convert"}, data, out)

	all, err := f.StripAll(1)
	if err != nil {
		t.Fatal(err)
	}
	if m3, err := metadata.Read(codecs.HEIC, all); err != nil || diffMeta(metadata.Metadata{}, m3) != "" {
		t.Errorf("after StripAll: %+v, %v", m3, err)
	}
}

// cmpMetaApprox compares with a relative tolerance (the exposure time is a
// rational written by the camera).
func cmpMetaApprox(want, got metadata.Metadata) string {
	if got.ExposureTime > 0 && math.Abs(got.ExposureTime-want.ExposureTime)/want.ExposureTime < 1e-3 {
		got.ExposureTime = want.ExposureTime
	}
	return diffMeta(want, got)
}

// metadataICCNamed reports whether an ICC profile's description mentions
// name.
func metadataICCNamed(icc []byte, name string) bool {
	return len(icc) > 132 && bytes.Contains(icc, []byte(name)) || bytes.Contains(icc, utf16BE(name))
}

func utf16BE(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>8), byte(r))
	}
	return b
}
