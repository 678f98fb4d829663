package metadata_test

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"
	"unicode/utf16"

	"github.com/bep/imagemeta"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

// bigICC returns a profile larger than three JPEG APP2 segments can hold
// in two.
func bigICC() []byte {
	icc := testimage.ICC("Display P3")
	for i := 0; len(icc) < 150000; i++ {
		icc = append(icc, byte(i), byte(i>>8))
	}
	return icc
}

func countICCSegments(b []byte) int {
	return bytes.Count(b, []byte("ICC_PROFILE\x00"))
}

func TestICCRoundTrip(t *testing.T) {
	for _, icc := range [][]byte{testimage.ICC("Display P3"), bigICC()} {
		for _, tc := range []struct {
			f    codecs.Format
			data []byte
		}{
			{codecs.JPEG, jpegWith()},
			{codecs.JPEG, jpegWith(testimage.Segment{Marker: 0xE0, Payload: []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")})},
			{codecs.PNG, testimage.PNG(pattern())},
			{codecs.WebP, testimage.WebP(pattern(), nil)},
			{codecs.WebP, testimage.WebP(pattern(), fullEXIF.Bytes())},
		} {
			if p, err := metadata.ICCProfile(tc.f, tc.data); p != nil || err != nil {
				t.Errorf("%s: profile before embedding: %d bytes, %v", tc.f, len(p), err)
			}
			out, err := metadata.EmbedICC(tc.f, tc.data, icc)
			if err != nil {
				t.Fatalf("%s: EmbedICC: %v", tc.f, err)
			}
			p, err := metadata.ICCProfile(tc.f, out)
			if err != nil || !bytes.Equal(p, icc) {
				t.Errorf("%s: round trip of %d bytes: got %d bytes, %v", tc.f, len(icc), len(p), err)
			}
			samePixels(t, tc.f, tc.data, out)
			// Embedding again replaces the profile.
			again, err := metadata.EmbedICC(tc.f, out, icc)
			if err != nil || len(again) != len(out) {
				t.Errorf("%s: second EmbedICC: %d bytes, want %d (%v)", tc.f, len(again), len(out), err)
			}
			if tc.f == codecs.JPEG {
				want := (len(icc) + 65518) / 65519
				if n := countICCSegments(out); n != want {
					t.Errorf("jpeg: %d ICC segments for %d bytes, want %d", n, len(icc), want)
				}
				if m := jpegMarkers(t, out); bytes.HasPrefix(tc.data[2:], []byte{0xFF, 0xE0}) && m[0] != 0xE0 {
					t.Errorf("jpeg: JFIF APP0 no longer first: % X", m)
				}
			}
		}
	}
}

func TestEmbedICCEmpty(t *testing.T) {
	data := jpegWith()
	for _, icc := range [][]byte{nil, {}} {
		if out, err := metadata.EmbedICC(codecs.JPEG, data, icc); err != nil || !sameSlice(out, data) {
			t.Errorf("EmbedICC(%v): err %v, same %v", icc, err, sameSlice(out, data))
		}
	}
}

// iccSegments returns the ICC APP2 segments of a JPEG made by EmbedICC
// right after SOI, and where they end.
func iccSegments(b []byte) (segs [][]byte, end int) {
	pos := 2
	for pos+4 <= len(b) && b[pos+1] == 0xE2 {
		n := int(binary.BigEndian.Uint16(b[pos+2:]))
		segs = append(segs, b[pos:pos+2+n])
		pos += 2 + n
	}
	return segs, pos
}

func TestICCSegmentOrder(t *testing.T) {
	icc := bigICC()
	out, err := metadata.EmbedICC(codecs.JPEG, jpegWith(), icc)
	if err != nil {
		t.Fatal(err)
	}
	segs, end := iccSegments(out)
	if len(segs) != 3 {
		t.Fatalf("%d segments", len(segs))
	}
	build := func(order ...int) []byte {
		b := []byte{0xFF, 0xD8}
		for _, i := range order {
			b = append(b, segs[i]...)
		}
		return append(b, out[end:]...)
	}
	if p, err := metadata.ICCProfile(codecs.JPEG, build(2, 0, 1)); err != nil || !bytes.Equal(p, icc) {
		t.Errorf("shuffled segments: %d bytes, %v", len(p), err)
	}
	for name, data := range map[string][]byte{
		"missing":   build(0, 2),
		"duplicate": build(0, 1, 1),
		"extra":     build(0, 1, 2, 2),
	} {
		if _, err := metadata.ICCProfile(codecs.JPEG, data); err == nil {
			t.Errorf("%s segment: no error", name)
		}
	}
}

func TestICCPNGBomb(t *testing.T) {
	bomb := append([]byte("ICC profile\x00\x00"), zlibBytes(make([]byte, 5<<20))...)
	data := pngWith(chunk("iCCP", bomb))
	if p, err := metadata.ICCProfile(codecs.PNG, data); err == nil {
		t.Errorf("5 MiB profile: %d bytes, no error", len(p))
	}
}

// mlucICC returns a version 4 profile whose description is a
// multiLocalizedUnicodeType with the given records.
func mlucICC(records ...string) []byte {
	h := append([]byte(nil), testimage.ICC("x")[:128]...)
	tag := []byte("mluc\x00\x00\x00\x00")
	tag = binary.BigEndian.AppendUint32(tag, uint32(len(records)))
	tag = binary.BigEndian.AppendUint32(tag, 12)
	off := 16 + 12*len(records)
	var texts []byte
	for _, r := range records {
		u := utf16.Encode([]rune(r))
		tag = append(tag, "enUS"...)
		tag = binary.BigEndian.AppendUint32(tag, uint32(2*len(u)))
		tag = binary.BigEndian.AppendUint32(tag, uint32(off+len(texts)))
		for _, c := range u {
			texts = binary.BigEndian.AppendUint16(texts, c)
		}
	}
	tag = append(tag, texts...)
	icc := append(h, 0, 0, 0, 1)
	icc = append(icc, "desc"...)
	icc = binary.BigEndian.AppendUint32(icc, 144)
	icc = binary.BigEndian.AppendUint32(icc, uint32(len(tag)))
	return append(icc, tag...)
}

func TestIsSRGB(t *testing.T) {
	gray := testimage.ICC("sRGB IEC61966-2.1")
	copy(gray[16:], "GRAY")
	for _, tc := range []struct {
		name string
		icc  []byte
		want bool
	}{
		{"sRGB IEC61966-2.1", testimage.ICC("sRGB IEC61966-2.1"), true},
		{"sRGB built-in", testimage.ICC("sRGB built-in"), true},
		{"v4 mluc sRGB", mlucICC("sRGB v4 ICC preference"), true},
		{"v4 mluc second record", mlucICC("Farbraum", "sRGB"), true},
		{"Display P3", testimage.ICC("Display P3"), false},
		{"Adobe RGB", testimage.ICC("Adobe RGB (1998)"), false},
		{"linear sRGB", testimage.ICC("Linear sRGB"), false},
		{"v4 mluc P3", mlucICC("Display P3"), false},
		{"gray profile named sRGB", gray, false},
		{"truncated", testimage.ICC("sRGB IEC61966-2.1")[:140], false},
		{"nil", nil, false},
		{"garbage", bytes.Repeat([]byte("sRGB"), 100), false},
	} {
		if got := metadata.IsSRGB(tc.icc); got != tc.want {
			t.Errorf("%s: IsSRGB = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestStripAllReadableByImagemeta checks the orientation StripAll writes
// with imagemeta reading the whole file, which honours VP8X flags.
func TestStripAllReadableByImagemeta(t *testing.T) {
	for _, tc := range []struct {
		f    codecs.Format
		imf  imagemeta.ImageFormat
		data []byte
	}{
		{codecs.JPEG, imagemeta.JPEG, jpegWith(app1(fullEXIF.Bytes()))},
		{codecs.PNG, imagemeta.PNG, pngWith(chunk("eXIf", tiffOf(fullEXIF.Bytes())))},
		{codecs.WebP, imagemeta.WebP, testimage.WebP(pattern(), fullEXIF.Bytes())},
		{codecs.WebP, imagemeta.WebP, testimage.WebP(pattern(), nil)},
	} {
		out, err := metadata.StripAll(tc.f, tc.data, 7)
		if err != nil {
			t.Fatal(err)
		}
		var tags []string
		var orientation any
		_, err = imagemeta.Decode(imagemeta.Options{
			R: bytes.NewReader(out), ImageFormat: tc.imf, Sources: imagemeta.EXIF | imagemeta.XMP | imagemeta.IPTC,
			HandleTag: func(ti imagemeta.TagInfo) error {
				tags = append(tags, ti.Tag)
				if ti.Tag == "Orientation" {
					orientation = ti.Value
				}
				return nil
			},
		})
		if err != nil || !slices.Equal(tags, []string{"Orientation"}) || orientation != uint16(7) {
			t.Errorf("%s: imagemeta sees %v (orientation %v), %v", tc.f, tags, orientation, err)
		}
	}
}

func TestIsSRGBHostile(t *testing.T) {
	icc := mlucICC("sRGB")
	// Record count and size whose product wraps 64 bits.
	binary.BigEndian.PutUint32(icc[144+8:], 0xFFFFFFFF)
	binary.BigEndian.PutUint32(icc[144+12:], 0xFFFFFFFF)
	if metadata.IsSRGB(icc) {
		t.Error("hostile mluc: true")
	}
	icc = mlucICC("sRGB")
	binary.BigEndian.PutUint32(icc[144+8:], 0x40000000)
	binary.BigEndian.PutUint32(icc[144+12:], 0x10)
	if metadata.IsSRGB(icc) {
		t.Error("hostile mluc 2: true")
	}
	icc = testimage.ICC("sRGB")
	binary.BigEndian.PutUint32(icc[128:], 0xFFFFFFFF) // tag count
	if metadata.IsSRGB(icc) {
		t.Error("tag count: true")
	}
}
