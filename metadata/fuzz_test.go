package metadata_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"os/exec"
	"slices"
	"testing"
	"unicode/utf8"

	"golang.org/x/image/webp"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

var fuzzFormats = []codecs.Format{codecs.JPEG, codecs.PNG, codecs.WebP, codecs.GIF}

func fuzzFormat(b uint8) codecs.Format { return fuzzFormats[int(b)%len(fuzzFormats)] }

func formatIndex(f codecs.Format) uint8 {
	for i, g := range fuzzFormats {
		if g == f {
			return uint8(i)
		}
	}
	panic(f)
}

// fuzzSeeds returns small generated files of every format, with and
// without metadata, well formed and not, and JPEGs damaged as decoders
// tolerate.
func fuzzSeeds() []struct {
	f    codecs.Format
	data []byte
} {
	img := testimage.Pattern(8, 8)
	jpg := func(segs ...testimage.Segment) []byte { return testimage.JPEG(img, 50, segs...) }
	full := fullEXIF.Bytes()
	mm := fullEXIF
	mm.BigEndian = true
	icc := testimage.ICC("Display P3")
	withICC := func(f codecs.Format, b []byte) []byte {
		out, err := metadata.EmbedICC(f, b, icc)
		if err != nil {
			panic(err)
		}
		return out
	}
	withMluc := func(b []byte) []byte {
		out, err := metadata.EmbedICC(codecs.JPEG, b, mlucICC("sRGB", "Display P3"))
		if err != nil {
			panic(err)
		}
		return out
	}
	pngOf := func(chunks ...[]byte) []byte {
		p := testimage.PNG(img)
		out := append([]byte(nil), p[:33]...)
		for _, c := range chunks {
			out = append(out, c...)
		}
		return append(out, p[33:]...)
	}
	seeds := []struct {
		f    codecs.Format
		data []byte
	}{
		{codecs.JPEG, jpg()},
		{codecs.JPEG, jpg(app1(full), app1(xmpGPS))},
		{codecs.JPEG, withICC(codecs.JPEG, jpg(app1(mm.Bytes()), app1(xmpNoGPS), testimage.Segment{Marker: 0xFE, Payload: []byte("c")}))},
		{codecs.JPEG, append(jpg(app1(withoutGPS(fullEXIF).Bytes()), testimage.Segment{Marker: 0xE2, Payload: []byte("MPF\x00")}), jpg(app1(full))...)},
		{codecs.JPEG, jpg(app1(exifOf(ifdBytes(26, orient6), ifdBytes(8, orient6))))},
		{codecs.JPEG, jpg(app1(exifOf(ifdBytes(0, orient6, ent{0x8769, 4, 1, 50}, ent{0x8825, 4, 1, 50}), ifdBytes(0, ent{0x0001, 2, 2, 'N'}))))},
		{codecs.JPEG, jpg(testimage.Segment{Marker: 0xED, Payload: irb(res{0x0404, []byte("\x1c\x02\x78\x00\x01x")}, res{0x0424, xmpPacket(xmpGPS)}, res{0x0422, tiffOf(full)})})},
		{codecs.JPEG, jpg(app1(exifOf(ifdBytes(0, orient6, ent{0x02bc, 1, 22, 38}), []byte("<x exif:GPSLatitude=''>"))))},
		{codecs.JPEG, jpg(app1(append([]byte("http://ns.adobe.com/xmp/extension/\x000123456789ABCDEF0123456789ABCDEF\x00\x00\x00\x10\x00\x00\x00\x00"), "exif:GPSAltitude"...)))},
		{codecs.JPEG, withMluc(jpg())},
		{codecs.PNG, testimage.PNG(img)},
		{codecs.PNG, withICC(codecs.PNG, pngOf(chunk("eXIf", tiffOf(full)), iTXt("XML:com.adobe.xmp", xmpPacket(xmpGPS)), chunk("tEXt", []byte("a\x00b"))))},
		{codecs.PNG, pngOf(chunk("zTXt", append([]byte("Raw profile type exif\x00\x00"), zlibBytes([]byte("\nexif\n  10\n45786966000049492a00\n"))...)))},
		{codecs.WebP, testimage.WebP(img, nil)},
		{codecs.WebP, testimage.WebP(img, full)},
		{codecs.WebP, withICC(codecs.WebP, webpAppend(testimage.WebP(img, mm.Bytes()), "XMP ", xmpPacket(xmpGPS), 0x04))},
		{codecs.GIF, testimage.GIF(img)},
		{codecs.GIF, gifInsert(testimage.GIF(img), append([]byte("\x21\xFE\x01x\x00"), gifAppExt("XMP DataXMP", xmpPacket(xmpGPS))...))},
	}
	// JPEGs damaged as decoders tolerate (see damagedJPEGs).
	for _, d := range damagedJPEGs(img, 50) {
		seeds = append(seeds, struct {
			f    codecs.Format
			data []byte
		}{codecs.JPEG, d.data})
	}
	return seeds
}

// decodeSmall decodes b when its header declares at most 64 Ki pixels.
func decodeSmall(f codecs.Format, b []byte) (image.Image, bool) {
	var (
		cfg image.Config
		err error
		dec func([]byte) (image.Image, error)
	)
	switch f {
	case codecs.JPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(b))
		dec = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	case codecs.PNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(b))
		dec = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case codecs.WebP:
		cfg, err = webp.DecodeConfig(bytes.NewReader(b))
		dec = func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }
	case codecs.GIF:
		cfg, err = gif.DecodeConfig(bytes.NewReader(b))
		dec = func(b []byte) (image.Image, error) { return gif.Decode(bytes.NewReader(b)) }
	}
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > 1<<16 {
		return nil, false
	}
	img, err := dec(b)
	return img, err == nil
}

// checkPixels fails if in decodes but out does not, or to other pixels.
func checkPixels(t *testing.T, f codecs.Format, in, out []byte) {
	t.Helper()
	a, ok := decodeSmall(f, in)
	if !ok {
		return
	}
	b, ok := decodeSmall(f, out)
	if !ok {
		t.Fatalf("%s: input decodes, output does not", f)
	}
	if a.Bounds() != b.Bounds() {
		t.Fatalf("%s: bounds %v, want %v", f, b.Bounds(), a.Bounds())
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				t.Fatalf("%s: pixel (%d,%d) differs", f, x, y)
			}
		}
	}
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// checkMeta checks the ranges Read promises.
func checkMeta(t *testing.T, m metadata.Metadata) {
	t.Helper()
	if m.Orientation < 0 || m.Orientation > 8 {
		t.Errorf("orientation %d", m.Orientation)
	}
	for _, v := range []float64{m.ExposureTime, m.FNumber, m.FocalLength} {
		if !finite(v) || v < 0 {
			t.Errorf("value %v", v)
		}
	}
	if m.ISO < 0 {
		t.Errorf("ISO %d", m.ISO)
	}
	if !m.Taken.IsZero() && (m.Taken.Year() < 1800 || m.Taken.Year() > 2200) {
		t.Errorf("taken %v", m.Taken)
	}
	for _, s := range []string{m.Make, m.Model, m.Lens} {
		if len(s) > 128 || !utf8.ValidString(s) {
			t.Errorf("text %q", s)
		}
	}
	if g := m.GPS; g != nil {
		if !finite(g.Lat) || !finite(g.Lon) || math.Abs(g.Lat) > 90 || math.Abs(g.Lon) > 180 {
			t.Errorf("GPS %+v", g)
		}
		if g.Alt != nil && !finite(*g.Alt) {
			t.Errorf("altitude %v", *g.Alt)
		}
	}
	if _, err := json.Marshal(m); err != nil {
		t.Errorf("json: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s.data, formatIndex(s.f))
	}
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		fm := fuzzFormat(format)
		m, err := metadata.Read(fm, data)
		noBug(t, "Read", err)
		checkMeta(t, m)
		icc, err := metadata.ICCProfile(fm, data)
		noBug(t, "ICCProfile", err)
		metadata.IsSRGB(icc)
		metadata.IsSRGB(data)
	})
}

func FuzzStripGPS(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s.data, formatIndex(s.f))
	}
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		fm := fuzzFormat(format)
		in := bytes.Clone(data)
		out, err := metadata.StripGPS(fm, data)
		noBug(t, "StripGPS", err)
		if !bytes.Equal(in, data) {
			t.Fatal("StripGPS modified its input")
		}
		if err != nil {
			return
		}
		if m, _ := metadata.Read(fm, out); m.GPS != nil {
			t.Fatalf("GPS %+v left after StripGPS", m.GPS)
		}
		again, err := metadata.StripGPS(fm, out)
		if err != nil || !sameSlice(again, out) && len(out) > 0 {
			t.Fatalf("second StripGPS: err %v, changed %v", err, !bytes.Equal(again, out))
		}
		checkPixels(t, fm, data, out)
	})
}

func FuzzStripAll(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s.data, formatIndex(s.f), uint8(6))
		f.Add(s.data, formatIndex(s.f), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, format, orientation uint8) {
		fm := fuzzFormat(format)
		o := int(orientation % 10)
		in := bytes.Clone(data)
		out, err := metadata.StripAll(fm, data, o)
		noBug(t, "StripAll", err)
		if !bytes.Equal(in, data) {
			t.Fatal("StripAll modified its input")
		}
		if err != nil {
			return
		}
		want := metadata.Metadata{}
		if o >= 2 && o <= 8 && fm != codecs.GIF {
			want.Orientation = o
		}
		if m, _ := metadata.Read(fm, out); diffMeta(want, m) != "" {
			t.Fatalf("Read after StripAll: %+v, want %+v", m, want)
		}
		checkPixels(t, fm, data, out)
		// The ICC profile survives.
		if p, err := metadata.ICCProfile(fm, data); err == nil && p != nil {
			if q, err := metadata.ICCProfile(fm, out); err != nil || !bytes.Equal(p, q) {
				t.Fatalf("ICC profile lost: %v", err)
			}
		}
	})
}

// parseFormats are the formats FuzzParse tries: the others and HEIF.
var parseFormats = append(append([]codecs.Format(nil), fuzzFormats...), codecs.HEIC, codecs.AVIF)

// heifSeeds returns the HEIC and AVIF fixtures when Debian's encoders are
// installed (the HEIF tests require them; the fuzz target runs without).
func heifSeeds(f *testing.F) []heifFixture {
	for _, name := range []string{"heif-enc", "avifenc"} {
		if _, err := exec.LookPath(name); err != nil {
			f.Logf("no HEIF seeds: %s is not installed", name)
			return nil
		}
	}
	return heifFixtures(f)
}

// FuzzParse checks the parse-once API: a File answers every operation as
// the one-off functions do, in any order, never modifies the parsed bytes,
// and Metadata stays within its ranges.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s.data, formatIndex(s.f), uint8(6))
	}
	for _, fx := range heifSeeds(f) {
		f.Add(fx.data, uint8(slices.Index(parseFormats, fx.f)), uint8(6))
	}
	f.Fuzz(func(t *testing.T, data []byte, format, orientation uint8) {
		fm := parseFormats[int(format)%len(parseFormats)]
		o := int(orientation % 10)
		in := bytes.Clone(data)
		got := parsedOnce(fm, data, o)
		if !bytes.Equal(in, data) {
			t.Fatal("the File's methods modified the parsed bytes")
		}
		if got.anyBugErr != nil {
			t.Fatalf("internal error: %v", got.anyBugErr)
		}
		checkMeta(t, got.meta)
		if got.parseErr == nil && !got.gpsErr {
			if m, _ := metadata.Read(fm, got.gps); m.GPS != nil {
				t.Fatalf("GPS %+v left after StripGPS", m.GPS)
			}
		}
		if d := sameOutcome(oneOff(fm, data, o), got); d != "" {
			t.Fatal(d)
		}
	})
}

// FuzzTrim checks Trim on anything: it never fails with an internal
// error, never modifies its input, never returns more bytes than it was
// given, and what it returns parses again, is returned unchanged by a
// second Trim, and decodes (when small) to the input's pixels. Apart from
// the rebuilt HEIF and JPEG files that lose an MPF segment, the output is
// a prefix of the input.
func FuzzTrim(f *testing.F) {
	html := []byte("<html><script>x</script>")
	for _, s := range fuzzSeeds() {
		i := uint8(slices.Index(parseFormats, s.f))
		f.Add(s.data, i)
		f.Add(append(bytes.Clone(s.data), html...), i)
	}
	for _, fx := range heifSeeds(f) {
		i := uint8(slices.Index(parseFormats, fx.f))
		f.Add(fx.data, i)
		f.Add(append(bytes.Clone(fx.data), html...), i)
	}
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		fm := parseFormats[int(format)%len(parseFormats)]
		in := bytes.Clone(data)
		out, err := metadata.Trim(fm, data)
		noBug(t, "Trim", err)
		if !bytes.Equal(in, data) {
			t.Fatal("Trim modified its input")
		}
		if err != nil {
			return
		}
		if len(out) > len(data) {
			t.Fatalf("Trim returned %d bytes of %d", len(out), len(data))
		}
		heifLike := fm == codecs.HEIC || fm == codecs.AVIF
		if !heifLike && fm != codecs.JPEG && !bytes.HasPrefix(data, out) {
			t.Fatal("Trim's output is not a prefix of its input")
		}
		file, err := metadata.Parse(fm, out)
		if err != nil {
			t.Fatalf("Trim's output does not parse: %v", err)
		}
		again, err := file.Trim()
		if err != nil || len(out) > 0 && !sameSlice(again, out) {
			t.Fatalf("second Trim: %d of %d bytes, %v", len(again), len(out), err)
		}
		if !heifLike {
			checkPixels(t, fm, data, out)
		}
	})
}
