package metadata_test

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

// TIFF builders for hand-made EXIF, little-endian.

type ent struct {
	tag, typ     uint16
	count, value uint32
}

// ifdBytes returns an IFD with entries and a next-IFD offset.
func ifdBytes(next uint32, es ...ent) []byte {
	b := binary.LittleEndian.AppendUint16(nil, uint16(len(es)))
	for _, e := range es {
		b = binary.LittleEndian.AppendUint16(b, e.tag)
		b = binary.LittleEndian.AppendUint16(b, e.typ)
		b = binary.LittleEndian.AppendUint32(b, e.count)
		b = binary.LittleEndian.AppendUint32(b, e.value)
	}
	return binary.LittleEndian.AppendUint32(b, next)
}

// exifOf returns an APP1 payload: the TIFF header (IFD0 at 8) and body.
func exifOf(body ...[]byte) []byte {
	b := []byte("Exif\x00\x00II*\x00\x08\x00\x00\x00")
	for _, p := range body {
		b = append(b, p...)
	}
	return b
}

var orient6 = ent{0x0112, 3, 1, 6}

func TestMalformed(t *testing.T) {
	full := jpegWith(app1(fullEXIF.Bytes()))
	exifEnd := 2 + 4 + len(fullEXIF.Bytes())
	png := pngWith(chunk("eXIf", tiffOf(fullEXIF.Bytes())))
	webp := testimage.WebP(pattern(), fullEXIF.Bytes())

	// An IFD is 2 + 12n + 4 bytes: IFD0 at 8 ends at 26 with one entry, 38
	// with two.
	cases := []struct {
		name string
		f    codecs.Format
		data []byte
		// which calls must fail
		readErr, gpsErr, allErr bool
		// what Read must still report (partial result)
		want metadata.Metadata
	}{
		// JPEG structure.
		{name: "jpeg empty", f: codecs.JPEG, data: nil, readErr: true, gpsErr: true, allErr: true},
		{name: "jpeg no SOI", f: codecs.JPEG, data: []byte("hello, world"), readErr: true, gpsErr: true, allErr: true},
		{name: "jpeg SOI only", f: codecs.JPEG, data: []byte{0xFF, 0xD8}, readErr: true, gpsErr: true, allErr: true},
		{name: "jpeg truncated inside EXIF", f: codecs.JPEG, data: full[:exifEnd-40], readErr: true, gpsErr: true, allErr: true},
		{name: "jpeg truncated after EXIF", f: codecs.JPEG, data: full[:exifEnd+3], readErr: true, gpsErr: true, allErr: true, want: fullMeta()},
		{name: "jpeg length past end", f: codecs.JPEG, data: []byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x', 'i', 'f', 0, 0}, readErr: true, gpsErr: true, allErr: true},
		{name: "jpeg length below 2", f: codecs.JPEG, data: []byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0xFF, 0xDA}, readErr: true, gpsErr: true, allErr: true},
		{name: "jpeg no marker", f: codecs.JPEG, data: []byte{0xFF, 0xD8, 0x12, 0x34, 0xFF, 0xDA}, readErr: true, gpsErr: true, allErr: true},
		{name: "jpeg marker 00", f: codecs.JPEG, data: []byte{0xFF, 0xD8, 0xFF, 0x00, 0xFF, 0xDA}, readErr: true, gpsErr: true, allErr: true},
		{name: "jpeg fill bytes only", f: codecs.JPEG, data: bytes.Repeat([]byte{0xFF}, 64), readErr: true, gpsErr: true, allErr: true},
		{name: "jpeg scan truncated", f: codecs.JPEG, data: full[:len(full)-20], want: fullMeta()},

		// EXIF structure (in a well-formed JPEG): StripGPS drops an EXIF
		// segment it cannot walk, keeping the orientation Read finds.
		{name: "exif no TIFF header", f: codecs.JPEG, data: jpegWith(app1([]byte("Exif\x00\x00XX*\x00\x08\x00\x00\x00"))), readErr: true},
		{name: "exif header only", f: codecs.JPEG, data: jpegWith(app1([]byte("Exif\x00\x00II*\x00"))), readErr: true},
		{name: "exif IFD0 past end", f: codecs.JPEG, data: jpegWith(app1(exifOf())), readErr: true},
		{
			name: "exif IFD0 → IFD1 → IFD0 loop", f: codecs.JPEG, readErr: true,
			data: jpegWith(app1(exifOf(ifdBytes(26, orient6), ifdBytes(8, ent{0x0112, 3, 1, 3})))),
			want: metadata.Metadata{Orientation: 6},
		},
		{
			name: "exif IFD0 next is itself", f: codecs.JPEG, readErr: true,
			data: jpegWith(app1(exifOf(ifdBytes(8, orient6)))),
			want: metadata.Metadata{Orientation: 6},
		},
		{
			name: "exif Exif IFD pointing at IFD0", f: codecs.JPEG, readErr: true,
			data: jpegWith(app1(exifOf(ifdBytes(0, orient6, ent{0x8769, 4, 1, 8})))),
			want: metadata.Metadata{Orientation: 6},
		},
		{
			name: "exif entry count 65535", f: codecs.JPEG, readErr: true,
			data: jpegWith(app1(exifOf([]byte{0xFF, 0xFF}, make([]byte, 40)))),
		},
		{
			name: "exif value count wrapping 8×count", f: codecs.JPEG, readErr: true,
			data: jpegWith(app1(exifOf(ifdBytes(0, ent{0x829A, 5, 0x20000001, 8}, orient6)))),
			want: metadata.Metadata{Orientation: 6},
		},
		{
			name: "exif GPS value count wrapping", f: codecs.JPEG, readErr: true,
			data: jpegWith(app1(exifOf(ifdBytes(0, orient6, ent{0x8825, 4, 1, 38}), ifdBytes(0, ent{0x0002, 5, 0x20000003, 8})))),
			want: metadata.Metadata{Orientation: 6},
		},
		{
			name: "exif unknown type", f: codecs.JPEG, readErr: true,
			data: jpegWith(app1(exifOf(ifdBytes(0, orient6, ent{0x0110, 99, 4, 0})))),
			want: metadata.Metadata{Orientation: 6},
		},
		{
			name: "exif SubIFD array of 100000", f: codecs.JPEG, readErr: true,
			data: jpegWith(app1(exifOf(ifdBytes(0, ent{0x014a, 4, 100000, 8}, orient6)))),
			want: metadata.Metadata{Orientation: 6},
		},
		{
			name: "exif GPS IFD is IFD0", f: codecs.JPEG, readErr: false,
			data: jpegWith(app1(exifOf(ifdBytes(0, orient6, ent{0x8825, 4, 1, 8})))),
			want: metadata.Metadata{Orientation: 6},
		},
		{
			name: "exif GPS IFD past end", f: codecs.JPEG, readErr: true,
			data: jpegWith(app1(exifOf(ifdBytes(0, orient6, ent{0x8825, 4, 1, 5000})))),
			want: metadata.Metadata{Orientation: 6},
		},
		{
			name: "exif zero denominators", f: codecs.JPEG,
			data: jpegWith(app1(testimage.EXIF{ExposureTime: [2]uint32{1, 0}, FNumber: [2]uint32{0, 0}, FocalLength: [2]uint32{5, 0}, Orientation: 6}.Bytes())),
			want: metadata.Metadata{Orientation: 6},
		},

		// PNG structure.
		{name: "png no signature", f: codecs.PNG, data: []byte("GIF89a"), readErr: true, gpsErr: true, allErr: true},
		{name: "png truncated", f: codecs.PNG, data: png[:len(png)-12], readErr: true, gpsErr: true, allErr: true, want: fullMeta()},
		{name: "png chunk past end", f: codecs.PNG, data: func() []byte {
			b := append([]byte(nil), png...)
			binary.BigEndian.PutUint32(b[8:], 0x7FFFFFF0)
			return b
		}(), readErr: true, gpsErr: true, allErr: true},
		{name: "png chunk length over 2^31", f: codecs.PNG, data: func() []byte {
			b := append([]byte(nil), png...)
			binary.BigEndian.PutUint32(b[8:], 0xFFFFFFF0)
			return b
		}(), readErr: true, gpsErr: true, allErr: true},
		{name: "png bad chunk type", f: codecs.PNG, data: func() []byte {
			b := append([]byte(nil), png...)
			b[12] = '1'
			return b
		}(), readErr: true, gpsErr: true, allErr: true},
		{name: "png eXIf loop", f: codecs.PNG, readErr: true, gpsErr: true,
			data: pngWith(chunk("eXIf", tiffOf(exifOf(ifdBytes(26, orient6), ifdBytes(8, orient6))))),
			want: metadata.Metadata{Orientation: 6}},
		{name: "png bad XMP compression", f: codecs.PNG, readErr: true,
			data: pngWith(chunk("iTXt", []byte("XML:com.adobe.xmp\x00\x01\x00\x00\x00not zlib")))},

		// WebP structure.
		{name: "webp no RIFF", f: codecs.WebP, data: []byte("RIFX\x00\x00\x00\x00WEBP"), readErr: true, gpsErr: true, allErr: true},
		{name: "webp RIFF size past end", f: codecs.WebP, data: func() []byte {
			b := append([]byte(nil), webp...)
			binary.LittleEndian.PutUint32(b[4:], uint32(len(b)))
			return b
		}(), readErr: true, gpsErr: true, allErr: true},
		// A RIFF size of 0 to 3 ends the container before its own WEBP
		// form type (found by FuzzStripGPS: cut there, the file was no
		// WebP at all).
		{name: "webp RIFF size 0", f: codecs.WebP, data: func() []byte {
			b := append([]byte(nil), webp...)
			binary.LittleEndian.PutUint32(b[4:], 0)
			return b
		}(), readErr: true, gpsErr: true, allErr: true},
		{name: "webp RIFF size 3", f: codecs.WebP, data: []byte("RIFF\x03\x00\x00\x00WEBP"), readErr: true, gpsErr: true, allErr: true},
		{name: "webp chunk size past end", f: codecs.WebP, data: func() []byte {
			b := append([]byte(nil), webp...)
			binary.LittleEndian.PutUint32(b[16:], 0xFFFFFFF0)
			return b
		}(), readErr: true, gpsErr: true, allErr: true},
		{name: "webp truncated chunk header", f: codecs.WebP, data: func() []byte {
			b := append([]byte(nil), webp...)
			b = append(b, 'X', 'M')
			binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
			return b
		}(), readErr: true, gpsErr: true, allErr: true, want: fullMeta()},
		{name: "webp EXIF loop", f: codecs.WebP, readErr: true, gpsErr: true,
			data: webpWith(0x08, webpChunk("EXIF", tiffOf(exifOf(ifdBytes(26, orient6), ifdBytes(8, orient6))))),
			want: metadata.Metadata{Orientation: 6}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := metadata.Read(tc.f, tc.data)
			noBug(t, "Read", err)
			if (err != nil) != tc.readErr {
				t.Errorf("Read error %v, want error %v", err, tc.readErr)
			}
			if d := diffMeta(tc.want, m); d != "" {
				t.Errorf("Read partial result (-want +got):\n%s", d)
			}
			out, err := metadata.StripGPS(tc.f, tc.data)
			noBug(t, "StripGPS", err)
			if (err != nil) != tc.gpsErr {
				t.Errorf("StripGPS error %v, want error %v", err, tc.gpsErr)
			}
			if err == nil {
				m, _ := metadata.Read(tc.f, out)
				if m.GPS != nil {
					t.Errorf("StripGPS left GPS %+v", m.GPS)
				}
				if m.Orientation != tc.want.Orientation {
					t.Errorf("orientation %d after StripGPS, want %d", m.Orientation, tc.want.Orientation)
				}
			}
			out, err = metadata.StripAll(tc.f, tc.data, 6)
			noBug(t, "StripAll", err)
			if (err != nil) != tc.allErr {
				t.Errorf("StripAll error %v, want error %v", err, tc.allErr)
			}
			if err == nil {
				if m, _ := metadata.Read(tc.f, out); diffMeta(metadata.Metadata{Orientation: 6}, m) != "" {
					t.Errorf("Read after StripAll: %+v", m)
				}
			}
			_, err = metadata.ICCProfile(tc.f, tc.data)
			noBug(t, "ICCProfile", err)
			_, err = metadata.EmbedICC(tc.f, tc.data, testimage.ICC("Display P3"))
			noBug(t, "EmbedICC", err)
		})
	}
}

// TestHostileEXIFIsFast checks that the worst EXIF imagemeta can be made to
// walk (SubIFD arrays pointing at one directory of skipped entries) stays
// cheap.
func TestHostileEXIFIsFast(t *testing.T) {
	// A directory of 5000 entries whose huge counts make imagemeta skip
	// them without counting them against its tag limit.
	const n = 5000
	dir := binary.LittleEndian.AppendUint16(nil, n)
	for range n {
		dir = binary.LittleEndian.AppendUint16(dir, 0x9999)
		dir = binary.LittleEndian.AppendUint16(dir, 1)
		dir = binary.LittleEndian.AppendUint32(dir, 0x7FFFFFFF)
		dir = binary.LittleEndian.AppendUint32(dir, 0)
	}
	dir = binary.LittleEndian.AppendUint32(dir, 0)
	// IFD0 at 8: SubIFD array of 64 offsets (the LimitTagSize of 256
	// bytes), all pointing at the big directory.
	const subs = 64
	arrayAt := uint32(8 + 2 + 12 + 4)
	dirAt := arrayAt + 4*subs
	body := ifdBytes(0, ent{0x014a, 4, subs, arrayAt})
	for range subs {
		body = binary.LittleEndian.AppendUint32(body, dirAt)
	}
	tiff := append([]byte("II*\x00\x08\x00\x00\x00"), body...)
	tiff = append(tiff, dir...)
	for name, data := range map[string][]byte{
		"png":  pngWith(chunk("eXIf", tiff)),
		"webp": webpWith(0x08, webpChunk("EXIF", tiff)),
	} {
		f := codecs.PNG
		if name == "webp" {
			f = codecs.WebP
		}
		start := time.Now()
		_, err := metadata.Read(f, data)
		noBug(t, name, err)
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: Read took %v", name, d)
		} else {
			t.Logf("%s: Read of a %d-byte hostile EXIF took %v", name, len(tiff), d)
		}
	}
}

// TestMisalignedGPSPointer builds the EXIF that exploits imagemeta's
// reading of a second pointer of a kind it already followed: it consumes 8
// of the entry's 12 bytes, so the next entry it reads is the duplicate's
// value (0x8825, LONG) followed by the next entry's tag and type (count 1)
// and count (the GPS IFD offset). Aligned readers see no GPS pointer; StripGPS
// must not leave a position imagemeta still finds: it drops the EXIF
// segment, which it cannot walk safely.
func TestMisalignedGPSPointer(t *testing.T) {
	rat := func(vs ...uint32) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint32(b, v)
			b = binary.LittleEndian.AppendUint32(b, 1)
		}
		return b
	}
	tiff := exifOf(
		// IFD0 at 8, three entries, ends at 50.
		ifdBytes(0,
			ent{0x8769, 4, 1, 50},         // Exif IFD (empty, at 50)
			ent{0x8769, 4, 1, 0x00048825}, // duplicate: its value reads as tag 0x8825, type 4
			ent{0x0001, 0, 56, 0},         // read as count 1, value 56
		),
		ifdBytes(0), // empty Exif IFD at 50, ends at 56
		// GPS IFD at 56, four entries, ends at 110.
		ifdBytes(0, ent{1, 2, 2, 'N'}, ent{2, 5, 3, 110}, ent{3, 2, 2, 'E'}, ent{4, 5, 3, 134}),
		rat(10, 0, 0), rat(20, 0, 0),
	)
	data := jpegWith(app1(tiff))
	m, err := metadata.Read(codecs.JPEG, data)
	if m.GPS == nil {
		t.Log("imagemeta no longer misreads the duplicate pointer")
	}
	if err == nil {
		t.Error("Read: no error for a duplicate IFD pointer")
	}
	out, err := metadata.StripGPS(codecs.JPEG, data)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := metadata.Read(codecs.JPEG, out); m.GPS != nil || bytes.Contains(out, tiff) {
		t.Errorf("StripGPS kept the EXIF with a duplicate IFD pointer (GPS %+v)", m.GPS)
	}
	out, err = metadata.StripAll(codecs.JPEG, data, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := metadata.Read(codecs.JPEG, out); m.GPS != nil {
		t.Errorf("GPS after StripAll: %+v", m.GPS)
	}
}
