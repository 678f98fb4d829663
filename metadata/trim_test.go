package metadata_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/gif"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

// payload is something appended to an image: what a polyglot or a padded
// upload carries, and a string that tells it is there.
type payload struct {
	name   string
	data   []byte
	marker []byte // nil: the payload is told by its length alone
}

// payloads returns 20 MiB of zeros, a zip archive and an HTML page with a
// script.
func payloads(t testing.TB) []payload {
	t.Helper()
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, err := zw.Create("trim-marker/payload.txt")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(bytes.Repeat([]byte("a zip that rides along with an image\n"), 100))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return []payload{
		{"zeros", make([]byte, 20<<20), nil},
		{"zip", z.Bytes(), []byte("trim-marker/payload.txt")},
		{"html", []byte("<html><script>alert(document.cookie)</script></html>"), []byte("<script>")},
	}
}

// appended returns base followed by p, in a new slice.
func appended(base []byte, p payload) []byte {
	return append(bytes.Clone(base), p.data...)
}

// noPayload fails when out holds p's marker, or is longer than n bytes
// (the output made from the image alone).
func noPayload(t *testing.T, what string, out []byte, p payload, n int) {
	t.Helper()
	if p.marker != nil && bytes.Contains(out, p.marker) {
		t.Errorf("%s: the appended %s is in the output", what, p.name)
	}
	if len(out) > n {
		t.Errorf("%s: %d bytes, want at most %d: the appended %s was kept", what, len(out), n, p.name)
	}
}

// operations runs Trim, StripGPS and StripAll (orientation 6) on one
// File parsed from data.
func operations(t *testing.T, f codecs.Format, data []byte) map[string][]byte {
	t.Helper()
	file, err := metadata.Parse(f, data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	out := map[string][]byte{}
	if out["Trim"], err = file.Trim(); err != nil {
		t.Fatalf("Trim: %v", err)
	}
	if out["StripGPS"], err = file.StripGPS(); err != nil {
		t.Fatalf("StripGPS: %v", err)
	}
	if out["StripAll"], err = file.StripAll(6); err != nil {
		t.Fatalf("StripAll: %v", err)
	}
	return out
}

// sameDecoded checks that a and b decode to the same pixels with
// codecs.Decode and with the format's reference decoder (image/jpeg,
// image/png, x/image/webp, image/gif).
func sameDecoded(t *testing.T, what string, f codecs.Format, a, b []byte) {
	t.Helper()
	samePixels(t, f, a, b)
	ia, _, err := codecs.Decode(context.Background(), a, codecs.Limits{})
	if err != nil {
		t.Fatalf("%s: codecs.Decode of the image: %v", what, err)
	}
	ib, _, err := codecs.Decode(context.Background(), b, codecs.Limits{})
	if err != nil {
		t.Fatalf("%s: codecs.Decode of the output: %v", what, err)
	}
	sameImage(t, what+" codecs.Decode", ia, ib)
}

// checkEndsAtImage appends each payload to base, an image that Trim
// returns unchanged, and checks that Trim returns base again (a prefix of
// the input, not a copy), that StripGPS and StripAll return what they
// return for base alone, byte for byte, that all three decode to base's
// pixels and that nothing of the payload is left.
func checkEndsAtImage(t *testing.T, f codecs.Format, base []byte) {
	t.Helper()
	checkEndsAtImageBy(t, f, base, sameDecoded)
}

// checkEndsAtImageBy is checkEndsAtImage comparing pixels with same.
func checkEndsAtImageBy(t *testing.T, f codecs.Format, base []byte, same func(t *testing.T, what string, f codecs.Format, a, b []byte)) {
	t.Helper()
	want := operations(t, f, base)
	if !sameSlice(want["Trim"], base) {
		t.Fatalf("Trim of the image alone: %d bytes, not the input itself (%d bytes)", len(want["Trim"]), len(base))
	}
	for op, out := range want {
		same(t, op+" of the image alone", f, base, out)
	}
	for _, p := range payloads(t) {
		data := appended(base, p)
		got := operations(t, f, data)
		for op, out := range got {
			if !bytes.Equal(out, want[op]) {
				t.Errorf("%s with %s appended: %d bytes, want the %d of the image alone", op, p.name, len(out), len(want[op]))
			}
			noPayload(t, op+" with "+p.name+" appended", out, p, len(want[op]))
		}
		if !sameSlice(got["Trim"], data[:len(base)]) || cap(got["Trim"]) != len(base) {
			t.Errorf("Trim with %s appended is not the input's prefix, capped at its end", p.name)
		}
	}
}

// gpsEXIF is an APP1 EXIF payload holding GPS, so that StripGPS has work
// to do in every test image.
var gpsEXIF = fullEXIF.Bytes()

func TestTrimJPEG(t *testing.T) {
	checkEndsAtImage(t, codecs.JPEG, jpegWith(app1(gpsEXIF), app1(xmpGPS)))
}

func TestTrimPNG(t *testing.T) {
	base := pngWith(chunk("eXIf", tiffOf(gpsEXIF)), iTXt("XML:com.adobe.xmp", xmpPacket(xmpGPS)))
	checkEndsAtImage(t, codecs.PNG, base)
	// Chunks after IEND, another IEND among them, are not part of it.
	data := append(bytes.Clone(base), chunk("tEXt", []byte("Comment\x00<html><script>x</script>"))...)
	data = append(data, chunk("IEND", nil)...)
	for op, out := range operations(t, codecs.PNG, data) {
		if bytes.Contains(out, []byte("<script>")) || bytes.Count(out, []byte("IEND")) != 1 {
			t.Errorf("%s: a chunk after IEND was kept", op)
		}
	}
	if out, err := metadata.Trim(codecs.PNG, data); err != nil || !bytes.Equal(out, base) {
		t.Errorf("Trim with chunks after IEND: %d bytes, %v; want the %d of the image", len(out), err, len(base))
	}
}

func TestTrimWebP(t *testing.T) {
	checkEndsAtImage(t, codecs.WebP, webpAppend(testimage.WebP(pattern(), gpsEXIF), "XMP ", xmpPacket(xmpGPS), 0x04))

	// Odd chunk sizes, each followed by its padding byte: an EXIF block of
	// odd length and an unknown chunk of 3 bytes.
	tiff := tiffOf(gpsEXIF)
	if len(tiff)%2 == 0 {
		tiff = append(bytes.Clone(tiff), 0)
	}
	odd := webpWith(0x08, webpChunk("EXIF", tiff), webpChunk("UNKN", []byte{1, 2, 3}))
	if ids := webpChunks(t, odd); strings.Join(ids, ",") != "VP8X,VP8L,EXIF,UNKN" {
		t.Fatalf("chunks %v", ids)
	}
	checkEndsAtImage(t, codecs.WebP, odd)
	for op, out := range operations(t, codecs.WebP, appended(odd, payloads(t)[2])) {
		webpChunks(t, out) // the RIFF size is the output's
		if op != "Trim" && len(out)%2 != 0 {
			t.Errorf("%s: odd length %d", op, len(out))
		}
	}

	// A RIFF size that leaves out the last chunk's padding byte: the
	// container, padded to even, keeps that byte and nothing after it.
	short := bytes.Clone(odd)
	binary.LittleEndian.PutUint32(short[4:], binary.LittleEndian.Uint32(short[4:])-1)
	data := appended(short, payloads(t)[2])
	out, err := metadata.Trim(codecs.WebP, data)
	if err != nil || !bytes.Equal(out, short) {
		t.Errorf("Trim, odd RIFF size: %d bytes, %v; want %d", len(out), err, len(short))
	}
	for _, op := range []func() ([]byte, error){
		func() ([]byte, error) { return metadata.StripGPS(codecs.WebP, data) },
		func() ([]byte, error) { return metadata.StripAll(codecs.WebP, data, 1) },
	} {
		out, err := op()
		if err != nil {
			t.Fatal(err)
		}
		webpChunks(t, out)
		if bytes.Contains(out, []byte("<script>")) {
			t.Error("payload kept after a RIFF container of odd size")
		}
		sameDecoded(t, "odd RIFF size", codecs.WebP, short, out)
	}
}

// gifFrames returns a GIF of three frames of the pattern (each shifted),
// looping (a NETSCAPE2.0 extension), with a comment and an XMP
// application extension holding GPS.
func gifFrames(t *testing.T) []byte {
	t.Helper()
	g := &gif.GIF{LoopCount: 0}
	for i := range 3 {
		src := testimage.Pattern(64, 48)
		frame := image.NewPaletted(src.Bounds(), nil)
		single, err := gif.Decode(bytes.NewReader(testimage.GIF(src)))
		if err != nil {
			t.Fatal(err)
		}
		p := single.(*image.Paletted)
		frame.Palette = p.Palette
		for y := range 48 {
			for x := range 64 {
				frame.SetColorIndex(x, y, p.ColorIndexAt((x+8*i)%64, y))
			}
		}
		g.Image = append(g.Image, frame)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return gifInsert(b.Bytes(), append([]byte("\x21\xFE\x07comment\x00"), gifAppExt("XMP DataXMP", xmpPacket(xmpGPS))...))
}

// sameFrames checks that a and b decode, with image/gif, to the same
// frames.
func sameFrames(t *testing.T, what string, a, b []byte) {
	t.Helper()
	ga, err := gif.DecodeAll(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	gb, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(ga.Image) != len(gb.Image) || ga.LoopCount != gb.LoopCount {
		t.Fatalf("%s: %d frames looping %d, want %d looping %d", what, len(gb.Image), gb.LoopCount, len(ga.Image), ga.LoopCount)
	}
	for i := range ga.Image {
		sameImage(t, what, ga.Image[i], gb.Image[i])
	}
}

func TestTrimGIF(t *testing.T) {
	base := gifFrames(t)
	if n := bytes.Count(base, []byte{0x21, 0xF9}); n != 3 {
		t.Fatalf("%d frames", n)
	}
	checkEndsAtImage(t, codecs.GIF, base)
	for op, out := range operations(t, codecs.GIF, appended(base, payloads(t)[1])) {
		sameFrames(t, op, base, out)
	}

	// Where a block should start and none does, the image ends, as it
	// does for decoders: a file without its trailer, a page appended.
	noTrailer := base[:len(base)-1]
	data := append(bytes.Clone(noTrailer), "<html><script>x</script>"...)
	for op, out := range operations(t, codecs.GIF, data) {
		if bytes.Contains(out, []byte("<script>")) {
			t.Errorf("%s: bytes that start no block were kept", op)
		}
		sameDecoded(t, op+" without trailer", codecs.GIF, noTrailer, out)
	}
	if out, err := metadata.Trim(codecs.GIF, data); err != nil || !sameSlice(out, data[:len(noTrailer)]) {
		t.Errorf("Trim without trailer: %d bytes, %v; want the %d before the page", len(out), err, len(noTrailer))
	}

	// A GIF cut inside a block is kept whole: its end cannot be told.
	cut := base[:len(base)-20]
	if out, err := metadata.Trim(codecs.GIF, cut); err != nil || !sameSlice(out, cut) {
		t.Errorf("Trim of a cut GIF: %d of %d bytes, %v", len(out), len(cut), err)
	}
}

// jpegThumbnailEXIF returns an APP1 EXIF payload whose IFD1 holds a
// thumbnail, a whole JPEG with its own SOI and EOI, as cameras write.
func jpegThumbnailEXIF() []byte {
	thumb := testimage.JPEG(testimage.Pattern(16, 12), 80)
	// IFD0 at 8: one entry (orientation), next IFD at 26. IFD1 at 26: two
	// entries (JPEGInterchangeFormat, its length), ends at 56.
	const at = 56
	return exifOf(
		ifdBytes(26, orient6),
		ifdBytes(0, ent{0x0201, 4, 1, at}, ent{0x0202, 4, 1, uint32(len(thumb))}),
		thumb)
}

// jpegTool runs a libjpeg-turbo tool (jpegtran, djpeg) on a JPEG the
// test made, skipping when it is missing unless BLOBIMAGE_REQUIRE_TOOLS=1.
func jpegTool(t *testing.T, in []byte, name string, args ...string) []byte {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("BLOBIMAGE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is not installed (BLOBIMAGE_REQUIRE_TOOLS=1): apt-get install libjpeg-turbo-progs", name)
		}
		t.Skipf("%s is not installed (apt-get install libjpeg-turbo-progs)", name)
	}
	cmd := exec.Command(p, args...)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.Bytes())
	}
	return out
}

// sameDjpeg checks that a and b decode to the same pixels with libjpeg's
// djpeg (for JPEGs image/jpeg cannot read) and with codecs.Decode.
func sameDjpeg(t *testing.T, what string, _ codecs.Format, a, b []byte) {
	t.Helper()
	if !bytes.Equal(jpegTool(t, a, "djpeg", "-pnm"), jpegTool(t, b, "djpeg", "-pnm")) {
		t.Fatalf("%s: djpeg decodes other pixels", what)
	}
	ia, _, err := codecs.Decode(context.Background(), a, codecs.Limits{})
	if err != nil {
		t.Fatalf("%s: codecs.Decode of the image: %v", what, err)
	}
	ib, _, err := codecs.Decode(context.Background(), b, codecs.Limits{})
	if err != nil {
		t.Fatalf("%s: codecs.Decode of the output: %v", what, err)
	}
	sameImage(t, what+" codecs.Decode", ia, ib)
}

// countMarkers counts the markers FF m in b, as a rough check of what a
// fixture holds (stuffed FF 00 are not markers).
func countMarkers(b []byte, lo, hi byte) int {
	n := 0
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 0xFF && b[i+1] >= lo && b[i+1] <= hi {
			n++
		}
	}
	return n
}

func TestTrimJPEGTricky(t *testing.T) {
	photo := testimage.Pattern(256, 192)
	for i := range photo.Pix {
		photo.Pix[i] ^= byte(i * 7 % 61) // texture, so the scans hold FF bytes to stuff
	}
	plain := testimage.JPEG(photo, 92)
	withMeta := testimage.JPEG(photo, 92, app1(gpsEXIF), app1(xmpGPS))

	t.Run("exif thumbnail", func(t *testing.T) {
		base := testimage.JPEG(photo, 92, app1(jpegThumbnailEXIF()), app1(xmpGPS))
		if countMarkers(base, 0xD9, 0xD9) < 2 {
			t.Fatal("no EOI inside the EXIF")
		}
		checkEndsAtImage(t, codecs.JPEG, base)
	})
	t.Run("FF D9 in APP and COM segments", func(t *testing.T) {
		base := testimage.JPEG(photo, 92, app1(gpsEXIF),
			testimage.Segment{Marker: 0xE9, Payload: []byte("vendor\x00\xFF\xD9\xFF\xD8\xFF\xD9")},
			testimage.Segment{Marker: 0xFE, Payload: []byte("\xFF\xD9 a comment \xFF\xD9")})
		checkEndsAtImage(t, codecs.JPEG, base)
	})
	t.Run("progressive", func(t *testing.T) {
		base := jpegTool(t, withMeta, "jpegtran", "-copy", "all", "-progressive")
		if n := countMarkers(base, 0xDA, 0xDA); n < 6 {
			t.Fatalf("%d scans, want a progressive JPEG's many", n)
		}
		checkEndsAtImage(t, codecs.JPEG, base)
	})
	t.Run("restart markers", func(t *testing.T) {
		base := jpegTool(t, withMeta, "jpegtran", "-copy", "all", "-restart", "1B")
		if n := countMarkers(base, 0xD0, 0xD7); n < 100 {
			t.Fatalf("%d restart markers", n)
		}
		checkEndsAtImage(t, codecs.JPEG, base)
	})
	t.Run("progressive with restart markers", func(t *testing.T) {
		// image/jpeg misreads restart intervals in the non-interleaved
		// scans of a 4:2:0 progressive JPEG: djpeg is the reference.
		base := jpegTool(t, withMeta, "jpegtran", "-copy", "all", "-progressive", "-restart", "2B")
		if countMarkers(base, 0xDA, 0xDA) < 6 || countMarkers(base, 0xD0, 0xD7) < 100 {
			t.Fatal("not progressive with restarts")
		}
		checkEndsAtImageBy(t, codecs.JPEG, base, sameDjpeg)
	})
	t.Run("multi-picture", func(t *testing.T) {
		// A second image after EOI, listed by an MPF segment, as phones
		// write depth maps and previews: both go.
		mpf := testimage.Segment{Marker: 0xE2, Payload: []byte("MPF\x00MM\x00\x2a\x00\x00\x00\x08")}
		primary := testimage.JPEG(photo, 92, app1(withoutGPS(fullEXIF).Bytes()))
		data := append(testimage.JPEG(photo, 92, app1(withoutGPS(fullEXIF).Bytes()), mpf), plain...)
		for op, out := range operations(t, codecs.JPEG, data) {
			if op != "StripAll" && !bytes.Equal(out, primary) {
				t.Errorf("%s: %d bytes, want the %d of the primary image without its MPF segment", op, len(out), len(primary))
			}
			if bytes.Contains(out, []byte("MPF\x00")) || countMarkers(out, 0xD8, 0xD8) != 1 {
				t.Errorf("%s: MPF segment or second image kept", op)
			}
			sameDecoded(t, op, codecs.JPEG, primary, out)
		}
	})
	t.Run("no EOI", func(t *testing.T) {
		// A file cut before EOI, or inside its last scan, is kept whole:
		// where the scan data ends cannot be told without decoding it.
		for _, cut := range [][]byte{withMeta[:len(withMeta)-2], withMeta[:len(withMeta)*2/3]} {
			out, err := metadata.Trim(codecs.JPEG, cut)
			if err != nil || !sameSlice(out, cut) {
				t.Errorf("Trim of %d bytes without EOI: %d bytes, %v; want the input itself", len(cut), len(out), err)
			}
			if out, err := metadata.StripAll(codecs.JPEG, cut, 1); err != nil || !bytes.HasSuffix(out, cut[len(cut)-1000:]) {
				t.Errorf("StripAll without EOI: scan data cut (%v)", err)
			}
		}
	})
	t.Run("damaged before the scan", func(t *testing.T) {
		// A segment running past the end: where the image ends is not
		// known, and Trim says so as StripGPS does.
		bad := append(bytes.Clone(withMeta[:2]), 0xFF, 0xE1, 0xFF, 0xF0, 'x')
		if _, err := metadata.Trim(codecs.JPEG, bad); err == nil {
			t.Error("Trim of a JPEG damaged before its scan: no error")
		}
	})
}

// withMdatTail returns a HEIF whose last box, mdat, is grown to hold tail
// after the items' data: bytes inside a box that no item refers to.
func withMdatTail(t *testing.T, base, tail []byte) []byte {
	t.Helper()
	last := -1
	for pos := 0; pos+8 <= len(base); {
		n := int(binary.BigEndian.Uint32(base[pos:]))
		if n < 8 || pos+n > len(base) {
			t.Fatalf("box at %d: size %d", pos, n)
		}
		last = pos
		pos += n
	}
	if last < 0 || string(base[last+4:last+8]) != "mdat" {
		t.Fatal("the last top-level box is not mdat")
	}
	out := appended(base, payload{data: tail})
	binary.BigEndian.PutUint32(out[last:], uint32(len(out)-last))
	return out
}

func TestTrimHEIF(t *testing.T) {
	for _, fx := range heifFixtures(t) {
		t.Run(fx.name, func(t *testing.T) {
			base := fx.data
			// The encoders write nothing that no box or item refers to:
			// the file comes back as it is, without a rebuild.
			if out, err := metadata.Trim(fx.f, base); err != nil || !sameSlice(out, base) {
				t.Fatalf("Trim of the encoder's file: %d of %d bytes, %v; want the input itself", len(out), len(base), err)
			}
			want := operations(t, fx.f, base)
			html := payloads(t)[2]
			free := binary.BigEndian.AppendUint32(nil, uint32(8+len(html.data)))
			free = append(append(free, "free"...), html.data...)
			cases := map[string]payload{
				"free box after mdat": {"free box", free, html.marker},
				"mdat tail":           {"mdat tail", nil, html.marker},
			}
			for _, p := range payloads(t) {
				cases[p.name+" appended"] = p
			}
			for name, p := range cases {
				data := appended(base, p)
				if name == "mdat tail" {
					data = withMdatTail(t, base, html.data)
				}
				got := operations(t, fx.f, data)
				trimmed := got["Trim"]
				noPayload(t, name+": Trim", trimmed, p, len(base)+256)
				if again, err := metadata.Trim(fx.f, trimmed); err != nil || !sameSlice(again, trimmed) {
					t.Errorf("%s: Trim of Trim's output: %d of %d bytes, %v; want it unchanged", name, len(again), len(trimmed), err)
				}
				sameCodedImage(t, fx, base, trimmed)
				for _, op := range []string{"StripGPS", "StripAll"} {
					if !bytes.Equal(got[op], want[op]) {
						t.Errorf("%s: %s: %d bytes, want the %d it makes of the image alone", name, op, len(got[op]), len(want[op]))
					}
				}
			}
		})
	}
}

// corpusFormat returns the format a corpus file's name says, or false.
func corpusFormat(name string) (codecs.Format, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg":
		return codecs.JPEG, true
	case ".png":
		return codecs.PNG, true
	case ".webp":
		return codecs.WebP, true
	case ".gif":
		return codecs.GIF, true
	case ".heic":
		return codecs.HEIC, true
	case ".avif":
		return codecs.AVIF, true
	}
	return "", false
}

// TestTrimCorpus trims every image of BLOBIMAGE_CORPUS. A file that ends
// where its image ends comes back as it is (the same slice); one that
// carries bytes after its image (logged, with how many) loses them and
// nothing else: it decodes to the same pixels. With a page appended, the
// result is the same as without.
func TestTrimCorpus(t *testing.T) {
	dir := os.Getenv("BLOBIMAGE_CORPUS")
	if dir == "" {
		t.Skip("BLOBIMAGE_CORPUS not set")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	html := payloads(t)[2]
	n := 0
	for _, e := range entries {
		f, ok := corpusFormat(e.Name())
		if !ok {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out, err := metadata.Trim(f, data)
			if err != nil {
				t.Fatalf("Trim: %v", err)
			}
			heifLike := f == codecs.HEIC || f == codecs.AVIF
			switch {
			case sameSlice(out, data):
			case heifLike:
				t.Logf("%s: rebuilt, %d bytes of %d", e.Name(), len(out), len(data))
				sameCodedImage(t, heifFixture{name: e.Name(), f: f, decoder: "heif-convert"}, data, out)
			default:
				if !sameSlice(out, data[:len(out)]) {
					t.Fatal("the output is not a prefix of the file")
				}
				t.Logf("%s: %d bytes after the image (of %d): %q…", e.Name(), len(data)-len(out), len(data), data[len(out):min(len(data), len(out)+16)])
				sameDecoded(t, e.Name(), f, data, out)
			}
			more, err := metadata.Trim(f, appended(data, html))
			if err != nil {
				t.Fatalf("Trim with a page appended: %v", err)
			}
			noPayload(t, "Trim with a page appended", more, html, len(out))
			if !heifLike && !bytes.Equal(more, out) {
				t.Errorf("Trim with a page appended: %d bytes, want %d", len(more), len(out))
			}
			if heifLike {
				sameCodedImage(t, heifFixture{name: e.Name(), f: f, decoder: "heif-convert"}, data, more)
			}
		})
	}
	if n == 0 {
		t.Fatalf("no images in %s", dir)
	}
}
