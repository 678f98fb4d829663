package metadata_test

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strconv"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

func noGPS(m metadata.Metadata) metadata.Metadata {
	m.GPS = nil
	return m
}

var (
	xmpGPS   = xmpWith("exif:GPSLatitude", "43,28.026N", "exif:GPSLongitude", "11,53.118W", "tiff:Make", "Canon")
	xmpNoGPS = xmpWith("tiff:Make", "Canon", "xmp:CreatorTool", "Darktable")
)

func TestStripGPSJPEG(t *testing.T) {
	for _, big := range []bool{false, true} {
		e := fullEXIF
		e.BigEndian = big
		data := jpegWith(app1(e.Bytes()), app1(xmpGPS))
		out, err := metadata.StripGPS(codecs.JPEG, data)
		if err != nil {
			t.Fatalf("BigEndian=%v: %v", big, err)
		}
		got := read(t, codecs.JPEG, out)
		if d := diffMeta(noGPS(fullMeta()), got); d != "" {
			t.Errorf("BigEndian=%v: Read after StripGPS (-want +got):\n%s", big, d)
		}
		if bytes.Contains(out, []byte("GPSLatitude")) {
			t.Error("the XMP packet with GPS is still there")
		}
		// The EXIF segment keeps its size; only the XMP segment went.
		if want := len(data) - 4 - len(xmpGPS); len(out) != want {
			t.Errorf("len %d, want %d", len(out), want)
		}
		samePixels(t, codecs.JPEG, data, out)
		// Idempotent: nothing left to strip.
		again, err := metadata.StripGPS(codecs.JPEG, out)
		if err != nil || !sameSlice(again, out) {
			t.Errorf("second StripGPS: err %v, same slice %v", err, sameSlice(again, out))
		}
	}
}

// TestStripGPSZeroesValues checks that the GPS rationals are gone from the
// bytes, not just unlinked.
func TestStripGPSZeroesValues(t *testing.T) {
	e := testimage.EXIF{Make: "X", GPS: &testimage.GPS{Lat: 12.3456, Lon: 65.4321, Alt: 99}}
	data := jpegWith(app1(e.Bytes()))
	out, err := metadata.StripGPS(codecs.JPEG, data)
	if err != nil {
		t.Fatal(err)
	}
	// The seconds rational of the latitude, 0.3456° = 20'44.16" → 441600/10000.
	sec := binary.LittleEndian.AppendUint32(nil, 441600)
	if !bytes.Contains(data, sec) || bytes.Contains(out, sec) {
		t.Errorf("latitude seconds: in input %v, in output %v", bytes.Contains(data, sec), bytes.Contains(out, sec))
	}
	if bytes.Contains(out, []byte{0x25, 0x88}) { // tag 0x8825, little-endian
		t.Error("GPS pointer entry still present")
	}
}

func TestStripGPSKeepsOther(t *testing.T) {
	data := jpegWith(app1(fullEXIF.Bytes()), app1(xmpNoGPS))
	out, err := metadata.StripGPS(codecs.JPEG, data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, xmpNoGPS) {
		t.Error("XMP without GPS was dropped")
	}
	if len(out) != len(data) {
		t.Errorf("len %d, want %d", len(out), len(data))
	}
}

func TestStripGPSUnchanged(t *testing.T) {
	cases := map[string]struct {
		f    codecs.Format
		data []byte
	}{
		"jpeg exif": {codecs.JPEG, jpegWith(app1(withoutGPS(fullEXIF).Bytes()), app1(xmpNoGPS))},
		"jpeg bare": {codecs.JPEG, jpegWith()},
		"png eXIf":  {codecs.PNG, pngWith(chunk("eXIf", tiffOf(withoutGPS(fullEXIF).Bytes())), iTXt("XML:com.adobe.xmp", xmpPacket(xmpNoGPS)))},
		"png bare":  {codecs.PNG, testimage.PNG(pattern())},
		"webp exif": {codecs.WebP, testimage.WebP(pattern(), withoutGPS(fullEXIF).Bytes())},
		"webp bare": {codecs.WebP, testimage.WebP(pattern(), nil)},
		"gif":       {codecs.GIF, testimage.GIF(pattern())},
	}
	for name, tc := range cases {
		out, err := metadata.StripGPS(tc.f, tc.data)
		if err != nil || !sameSlice(out, tc.data) {
			t.Errorf("%s: err %v, same slice %v", name, err, sameSlice(out, tc.data))
		}
		// With bytes appended, the same slice ends before them.
		appended := append(bytes.Clone(tc.data), "some appended bytes"...)
		out, err = metadata.StripGPS(tc.f, appended)
		if err != nil || !sameSlice(out, appended[:len(tc.data)]) || cap(out) != len(tc.data) {
			t.Errorf("%s with bytes appended: err %v, a prefix of the input ending at the image %v", name, err, sameSlice(out, appended[:len(tc.data)]))
		}
	}
}

func TestStripGPSPNG(t *testing.T) {
	data := pngWith(
		chunk("eXIf", tiffOf(fullEXIF.Bytes())),
		iTXt("XML:com.adobe.xmp", xmpPacket(xmpGPS)),
		chunk("tEXt", []byte("Comment\x00hello")),
	)
	out, err := metadata.StripGPS(codecs.PNG, data)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffMeta(noGPS(fullMeta()), read(t, codecs.PNG, out)); d != "" {
		t.Errorf("Read after StripGPS (-want +got):\n%s", d)
	}
	if got, want := pngChunkTypes(t, out), []string{"IHDR", "eXIf", "tEXt", "IDAT", "IEND"}; !slices.Equal(got, want) {
		t.Errorf("chunks %v, want %v", got, want)
	}
	samePixels(t, codecs.PNG, data, out) // image/png checks every CRC
}

func TestStripGPSPNGCompressedXMP(t *testing.T) {
	// A compressed iTXt and an ImageMagick raw profile both hide "GPS".
	itxt := append([]byte("XML:com.adobe.xmp\x00\x01\x00\x00\x00"), zlibBytes(xmpPacket(xmpGPS))...)
	raw := []byte("\nexif\n      " + strconv.Itoa(len(fullEXIF.Bytes())) + "\n" + hexLines(fullEXIF.Bytes()))
	ztxt := append([]byte("Raw profile type exif\x00\x00"), zlibBytes(raw)...)
	data := pngWith(chunk("iTXt", itxt), chunk("zTXt", ztxt))
	if m := read(t, codecs.PNG, data); m.GPS == nil || m.Make != "Canon" {
		t.Errorf("Read: %+v; want the raw profile's EXIF", m)
	}
	out, err := metadata.StripGPS(codecs.PNG, data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pngChunkTypes(t, out), []string{"IHDR", "IDAT", "IEND"}; !slices.Equal(got, want) {
		t.Errorf("chunks %v, want %v", got, want)
	}
}

func TestStripGPSWebP(t *testing.T) {
	data := webpAppend(testimage.WebP(pattern(), fullEXIF.Bytes()), "XMP ", xmpPacket(xmpGPS), 0x04)
	out, err := metadata.StripGPS(codecs.WebP, data)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffMeta(noGPS(fullMeta()), read(t, codecs.WebP, out)); d != "" {
		t.Errorf("Read after StripGPS (-want +got):\n%s", d)
	}
	if got, want := webpChunks(t, out), []string{"VP8X", "VP8L", "EXIF"}; !slices.Equal(got, want) {
		t.Errorf("chunks %v, want %v", got, want)
	}
	if out[20]&0x04 != 0 {
		t.Error("VP8X XMP flag still set")
	}
	samePixels(t, codecs.WebP, data, out)
}

func TestStripGPSTrailingJPEG(t *testing.T) {
	// A second image appended after EOI, as MPF writes it, with GPS.
	second := jpegWith(app1(fullEXIF.Bytes()))
	mpf := testimage.Segment{Marker: 0xE2, Payload: []byte("MPF\x00MM\x00\x2a\x00\x00\x00\x08")}
	first := jpegWith(app1(withoutGPS(fullEXIF).Bytes()), mpf)
	data := append(append([]byte(nil), first...), second...)
	out, err := metadata.StripGPS(codecs.JPEG, data)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("MPF\x00")) || len(out) != len(first)-4-len(mpf.Payload) {
		t.Errorf("appended image with GPS or MPF segment kept (len %d of %d)", len(out), len(data))
	}
	// Without GPS in the appended image, it goes all the same: the file
	// ends where the first image ends.
	second = jpegWith(app1(withoutGPS(fullEXIF).Bytes()))
	data = append(append([]byte(nil), first...), second...)
	out, err = metadata.StripGPS(codecs.JPEG, data)
	if err != nil || bytes.Contains(out, []byte("MPF\x00")) || len(out) != len(first)-4-len(mpf.Payload) {
		t.Errorf("no GPS appended: err %v, appended image or MPF segment kept (len %d of %d)", err, len(out), len(data))
	}
}

func TestStripGPSIFD1AndExifIFD(t *testing.T) {
	// GPS pointers in IFD1 or in the Exif IFD are found too; two GPS
	// pointers make an EXIF that cannot be walked safely (imagemeta would
	// read past the second one misaligned): the segment is dropped.
	gpsIFD := ifdBytes(0, ent{0x0001, 2, 2, 'N'}) // GPSLatitudeRef "N"
	for name, tc := range map[string]struct {
		tiff     []byte
		wantDrop bool
	}{
		// IFD0 at 8 (one entry, ends at 26); the next IFD at 26 ends at 44.
		"exif IFD":      {exifOf(ifdBytes(0, ent{0x8769, 4, 1, 26}), ifdBytes(0, ent{0x8825, 4, 1, 44}), gpsIFD), false},
		"IFD1":          {exifOf(ifdBytes(26, orient6), ifdBytes(0, ent{0x8825, 4, 1, 44}), gpsIFD), false},
		"both":          {exifOf(ifdBytes(44, ent{0x8769, 4, 1, 26}), ifdBytes(0, ent{0x8825, 4, 1, 62}), ifdBytes(0, ent{0x8825, 4, 1, 62}), gpsIFD), true},
		"twice in IFD0": {exifOf(ifdBytes(0, ent{0x8769, 4, 1, 1000}, ent{0x8769, 4, 1, 2000}, ent{0, 1, 1, 50}), gpsIFD), true},
	} {
		data := jpegWith(app1(tc.tiff))
		out, err := metadata.StripGPS(codecs.JPEG, data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if dropped := !bytes.Contains(out, []byte("Exif\x00\x00")); dropped != tc.wantDrop {
			t.Errorf("%s: EXIF dropped %v, want %v", name, dropped, tc.wantDrop)
		}
		if bytes.Contains(out, []byte{0x25, 0x88}) || bytes.Contains(out, []byte("N\x00\x00\x00")) {
			t.Errorf("%s: GPS left behind", name)
		}
	}
}

func TestStripGPSGIF(t *testing.T) {
	g := testimage.GIF(pattern())
	xmpExt := gifAppExt("XMP DataXMP", xmpPacket(xmpGPS))
	data := gifInsert(g, xmpExt)
	out, err := metadata.StripGPS(codecs.GIF, data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, g) {
		t.Error("XMP extension with GPS kept")
	}
	data = gifInsert(g, gifAppExt("XMP DataXMP", xmpPacket(xmpNoGPS)))
	if out, err := metadata.StripGPS(codecs.GIF, data); err != nil || !sameSlice(out, data) {
		t.Errorf("no GPS: err %v, same %v", err, sameSlice(out, data))
	}
}

func TestStripAllJPEG(t *testing.T) {
	icc := testimage.ICC("Display P3")
	base := jpegWith(
		testimage.Segment{Marker: 0xE0, Payload: []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")},
		app1(fullEXIF.Bytes()),
		app1(xmpGPS),
		testimage.Segment{Marker: 0xED, Payload: []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x00")},
		testimage.Segment{Marker: 0xFE, Payload: []byte("a comment")},
		testimage.Segment{Marker: 0xEE, Payload: []byte("Adobe\x00\x64\x00\x00\x00\x00\x01")},
		testimage.Segment{Marker: 0xEC, Payload: []byte("Ducky\x00\x01")},
	)
	data, err := metadata.EmbedICC(codecs.JPEG, base, icc)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []int{6, 1, 0, 9} {
		out, err := metadata.StripAll(codecs.JPEG, data, o)
		if err != nil {
			t.Fatal(err)
		}
		want := metadata.Metadata{}
		wantMarkers := []byte{0xE0, 0xE2, 0xEE}
		if o == 6 {
			want.Orientation = 6
			wantMarkers = []byte{0xE0, 0xE1, 0xE2, 0xEE}
		}
		if d := diffMeta(want, read(t, codecs.JPEG, out)); d != "" {
			t.Errorf("orientation %d: Read after StripAll (-want +got):\n%s", o, d)
		}
		got := jpegMarkers(t, out)
		if !bytes.HasPrefix(got, wantMarkers) || slices.ContainsFunc(got[len(wantMarkers):], func(m byte) bool { return m >= 0xE0 && m <= 0xEF || m == 0xFE }) {
			t.Errorf("orientation %d: markers % X, want % X then tables", o, got, wantMarkers)
		}
		if p, err := metadata.ICCProfile(codecs.JPEG, out); err != nil || !bytes.Equal(p, icc) {
			t.Errorf("orientation %d: ICC profile lost (%v)", o, err)
		}
		samePixels(t, codecs.JPEG, data, out)
	}
}

func TestStripAllPNG(t *testing.T) {
	icc := testimage.ICC("Display P3")
	base := pngWith(
		chunk("eXIf", tiffOf(fullEXIF.Bytes())),
		iTXt("XML:com.adobe.xmp", xmpPacket(xmpGPS)),
		chunk("tEXt", []byte("Comment\x00hello")),
		chunk("zTXt", append([]byte("Comment\x00\x00"), zlibBytes([]byte("hello"))...)),
		chunk("tIME", []byte{0x07, 0xE7, 6, 15, 14, 30, 45}),
		chunk("pHYs", []byte{0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1}),
		chunk("prVt", []byte("private")),
	)
	data, err := metadata.EmbedICC(codecs.PNG, base, icc)
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, "after IEND"...)
	for _, o := range []int{6, 1} {
		out, err := metadata.StripAll(codecs.PNG, data, o)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"IHDR", "iCCP", "pHYs", "IDAT", "IEND"}
		wantMeta := metadata.Metadata{}
		if o == 6 {
			want = []string{"IHDR", "iCCP", "pHYs", "eXIf", "IDAT", "IEND"}
			wantMeta.Orientation = 6
		}
		if got := pngChunkTypes(t, out); !slices.Equal(got, want) {
			t.Errorf("orientation %d: chunks %v, want %v", o, got, want)
		}
		if bytes.HasSuffix(out, []byte("after IEND")) {
			t.Errorf("orientation %d: bytes after IEND kept", o)
		}
		if d := diffMeta(wantMeta, read(t, codecs.PNG, out)); d != "" {
			t.Errorf("orientation %d: Read after StripAll (-want +got):\n%s", o, d)
		}
		if p, err := metadata.ICCProfile(codecs.PNG, out); err != nil || !bytes.Equal(p, icc) {
			t.Errorf("orientation %d: ICC profile lost (%v)", o, err)
		}
		samePixels(t, codecs.PNG, data, out)
	}
}

func TestStripAllWebP(t *testing.T) {
	icc := testimage.ICC("Display P3")
	base := webpAppend(testimage.WebP(pattern(), fullEXIF.Bytes()), "XMP ", xmpPacket(xmpGPS), 0x04)
	base = webpAppend(base, "ABCD", []byte("unknown"), 0)
	data, err := metadata.EmbedICC(codecs.WebP, base, icc)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := webpChunks(t, data), []string{"VP8X", "ICCP", "VP8L", "EXIF", "XMP ", "ABCD"}; !slices.Equal(got, want) {
		t.Fatalf("EmbedICC chunks %v, want %v", got, want)
	}
	for _, o := range []int{6, 1} {
		out, err := metadata.StripAll(codecs.WebP, data, o)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"VP8X", "ICCP", "VP8L"}
		wantMeta := metadata.Metadata{}
		flags := byte(0x20)
		if o == 6 {
			want = append(want, "EXIF")
			wantMeta.Orientation = 6
			flags |= 0x08
		}
		if got := webpChunks(t, out); !slices.Equal(got, want) {
			t.Errorf("orientation %d: chunks %v, want %v", o, got, want)
		}
		if out[20] != flags {
			t.Errorf("orientation %d: VP8X flags %#x, want %#x", o, out[20], flags)
		}
		if d := diffMeta(wantMeta, read(t, codecs.WebP, out)); d != "" {
			t.Errorf("orientation %d: Read after StripAll (-want +got):\n%s", o, d)
		}
		if p, err := metadata.ICCProfile(codecs.WebP, out); err != nil || !bytes.Equal(p, icc) {
			t.Errorf("orientation %d: ICC profile lost (%v)", o, err)
		}
		samePixels(t, codecs.WebP, data, out)
	}
}

func TestStripAllSimpleWebP(t *testing.T) {
	data := testimage.WebP(pattern(), nil)
	out, err := metadata.StripAll(codecs.WebP, data, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := webpChunks(t, out), []string{"VP8X", "VP8L", "EXIF"}; !slices.Equal(got, want) {
		t.Errorf("chunks %v, want %v", got, want)
	}
	if out[20] != 0x08 {
		t.Errorf("VP8X flags %#x, want EXIF", out[20])
	}
	if m := read(t, codecs.WebP, out); m.Orientation != 3 {
		t.Errorf("orientation %d, want 3", m.Orientation)
	}
	samePixels(t, codecs.WebP, data, out)
	// Transparent pixels: the VP8X alpha flag follows the VP8L header.
	img := pattern()
	img.Pix[3] = 0
	data = testimage.WebP(img, nil)
	out, err = metadata.StripAll(codecs.WebP, data, 8)
	if err != nil {
		t.Fatal(err)
	}
	if out[20] != 0x18 {
		t.Errorf("VP8X flags %#x, want alpha and EXIF", out[20])
	}
	samePixels(t, codecs.WebP, data, out)
}

func TestStripAllGIF(t *testing.T) {
	g := testimage.GIF(pattern())
	data := gifInsert(g, append([]byte("\x21\xFE\x05hello\x00"), gifAppExt("XMP DataXMP", xmpPacket(xmpNoGPS))...))
	data = append(data, "trailing"...)
	out, err := metadata.StripAll(codecs.GIF, data, 6)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, g) {
		t.Errorf("StripAll GIF: got %d bytes, want the %d bytes of the plain GIF", len(out), len(g))
	}
	samePixels(t, codecs.GIF, data, out)
}

// gifAppExt returns a GIF application extension with data in sub-blocks.
func gifAppExt(app string, data []byte) []byte {
	out := append([]byte{0x21, 0xFF, 11}, app...)
	for len(data) > 0 {
		n := min(len(data), 255)
		out = append(out, byte(n))
		out = append(out, data[:n]...)
		data = data[n:]
	}
	return append(out, 0)
}

// gifInsert inserts blocks after the header and global colour table.
func gifInsert(g, blocks []byte) []byte {
	pos := 13
	if g[10]&0x80 != 0 {
		pos += 3 << (g[10]&7 + 1)
	}
	out := append([]byte(nil), g[:pos]...)
	out = append(out, blocks...)
	return append(out, g[pos:]...)
}

// hexLines hex-encodes b in lines of 72 digits, as ImageMagick does.
func hexLines(b []byte) string {
	const digits = "0123456789abcdef"
	var s []byte
	for i, c := range b {
		if i > 0 && i%36 == 0 {
			s = append(s, '\n')
		}
		s = append(s, digits[c>>4], digits[c&15])
	}
	return string(s) + "\n"
}

func TestStripGPSOddHeaders(t *testing.T) {
	// "Exif\0" with a non-zero pad byte is still EXIF to readers.
	p := fullEXIF.Bytes()
	p[5] = 0xFF
	data := jpegWith(app1(p))
	if m := read(t, codecs.JPEG, data); m.GPS == nil {
		t.Error("Read missed the EXIF")
	}
	out, err := metadata.StripGPS(codecs.JPEG, data)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffMeta(noGPS(fullMeta()), read(t, codecs.JPEG, out)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// XMP under a non-standard header is dropped when it mentions GPS.
	odd := append([]byte("XMP\x00://ns.adobe.com/xap/1.0/\x00"), xmpPacket(xmpGPS)...)
	out, err = metadata.StripGPS(codecs.JPEG, jpegWith(app1(odd)))
	if err != nil || bytes.Contains(out, []byte("GPSLatitude")) {
		t.Errorf("odd XMP header: err %v, GPS kept %v", err, bytes.Contains(out, []byte("GPSLatitude")))
	}
}

// irb returns an APP13 payload with the given 8BIM resources.
func irb(res ...struct {
	id   uint16
	data []byte
}) []byte {
	b := []byte("Photoshop 3.0\x00")
	for _, r := range res {
		b = append(b, "8BIM"...)
		b = binary.BigEndian.AppendUint16(b, r.id)
		b = append(b, 0, 0) // empty name, padded
		b = binary.BigEndian.AppendUint32(b, uint32(len(r.data)))
		b = append(b, r.data...)
		if len(r.data)%2 == 1 {
			b = append(b, 0)
		}
	}
	return b
}

type res = struct {
	id   uint16
	data []byte
}

func TestStripGPSPhotoshop(t *testing.T) {
	iptc := res{0x0404, []byte("\x1c\x02\x78\x00\x05hello")}
	for name, tc := range map[string]struct {
		payload []byte
		drop    bool
	}{
		"iptc only":        {irb(iptc), false},
		"xmp without GPS":  {irb(iptc, res{0x0424, xmpPacket(xmpNoGPS)}), false},
		"xmp with GPS":     {irb(iptc, res{0x0424, xmpPacket(xmpGPS)}), true},
		"exif with GPS":    {irb(res{0x0422, tiffOf(fullEXIF.Bytes())}), true},
		"exif without GPS": {irb(res{0x0422, tiffOf(withoutGPS(fullEXIF).Bytes())}), false},
		"broken, GPS text": {[]byte("Photoshop 3.0\x008BIM\x04\x24\x00\x00\xFF\xFF\xFF\xFFexif:GPSLatitude"), true},
		"no signature":     {[]byte("something GPS"), true},
	} {
		data := jpegWith(testimage.Segment{Marker: 0xED, Payload: tc.payload})
		out, err := metadata.StripGPS(codecs.JPEG, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if dropped := !bytes.Contains(out, tc.payload); dropped != tc.drop {
			t.Errorf("%s: APP13 dropped %v, want %v", name, dropped, tc.drop)
		}
		if !tc.drop && !sameSlice(out, data) {
			t.Errorf("%s: data changed", name)
		}
	}
}

func TestStripGPSEmbeddedXMPTag(t *testing.T) {
	packet := xmpPacket(xmpGPS)
	// IFD0 at 8 with two entries (ends at 38): Orientation, XMP at 38.
	tiff := exifOf(ifdBytes(0, orient6, ent{0x02bc, 1, uint32(len(packet)), 38}), packet)
	data := jpegWith(app1(tiff))
	out, err := metadata.StripGPS(codecs.JPEG, data)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("GPSLatitude")) || bytes.Contains(out, []byte{0xbc, 0x02}) {
		t.Error("embedded XMP with GPS kept")
	}
	if m := read(t, codecs.JPEG, out); m.Orientation != 6 {
		t.Errorf("orientation %d, want 6", m.Orientation)
	}
	// Without GPS it stays.
	packet = xmpPacket(xmpNoGPS)
	data = jpegWith(app1(exifOf(ifdBytes(0, orient6, ent{0x02bc, 1, uint32(len(packet)), 38}), packet)))
	if out, err := metadata.StripGPS(codecs.JPEG, data); err != nil || !sameSlice(out, data) {
		t.Errorf("no GPS: err %v, same %v", err, sameSlice(out, data))
	}
}

func TestStripGPSExtendedXMP(t *testing.T) {
	// An extended packet split so that "GPS" straddles two segments.
	packet := xmpPacket(xmpWith("exif:GPSLatitude", "43,28.026N"))
	cut := bytes.Index(packet, []byte("GPSLatitude")) + 1
	guid := []byte("0123456789ABCDEF0123456789ABCDEF")
	ext := func(off int, part []byte) testimage.Segment {
		p := append([]byte("http://ns.adobe.com/xmp/extension/\x00"), guid...)
		p = binary.BigEndian.AppendUint32(p, uint32(len(packet)))
		p = binary.BigEndian.AppendUint32(p, uint32(off))
		return app1(append(p, part...))
	}
	seg1, seg2 := ext(0, packet[:cut]), ext(cut, packet[cut:])
	if bytes.Contains(bytes.ToLower(seg1.Payload), []byte("gps")) || bytes.Contains(bytes.ToLower(seg2.Payload), []byte("gps")) {
		t.Fatal("bad split")
	}
	main := app1(xmpWith("xmpNote:HasExtendedXMP", "0123456789ABCDEF0123456789ABCDEF"))
	data := jpegWith(main, seg2, seg1) // out of order, as allowed
	out, err := metadata.StripGPS(codecs.JPEG, data)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(out, []byte("http://ns.adobe.com/xmp/extension/")); n != 0 {
		t.Errorf("%d extended XMP segments kept", n)
	}
	if !bytes.Contains(out, main.Payload) {
		t.Error("main XMP packet dropped")
	}
}
