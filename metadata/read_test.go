package metadata_test

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

func TestReadJPEG(t *testing.T) {
	for _, big := range []bool{false, true} {
		e := fullEXIF
		e.BigEndian = big
		data := jpegWith(app1(e.Bytes()))
		got := read(t, codecs.JPEG, data)
		if d := diffMeta(fullMeta(), got); d != "" {
			t.Errorf("BigEndian=%v: Read mismatch (-want +got):\n%s", big, d)
		}
		if _, off := got.Taken.Zone(); off != 2*3600 {
			t.Errorf("BigEndian=%v: Taken zone offset %d, want 7200", big, off)
		}
	}
}

func TestReadPNGAndWebP(t *testing.T) {
	exif := fullEXIF.Bytes()
	cases := map[string]struct {
		f    codecs.Format
		data []byte
	}{
		"png eXIf":                {codecs.PNG, pngWith(chunk("eXIf", tiffOf(exif)))},
		"png eXIf with prefix":    {codecs.PNG, pngWith(chunk("eXIf", exif))},
		"webp":                    {codecs.WebP, testimage.WebP(pattern(), exif)},
		"webp EXIF with prefix":   {codecs.WebP, webpWith(0x08, webpChunk("EXIF", exif))},
		"png iTXt XMP fallback":   {codecs.PNG, pngWith(chunk("eXIf", tiffOf(withoutGPS(fullEXIF).Bytes())), iTXt("XML:com.adobe.xmp", xmpPacket(xmpWith("exif:GPSLatitude", "43,28.026N", "exif:GPSLongitude", "11,53.118W", "exif:GPSAltitude", "1234/10"))))},
		"webp XMP chunk fallback": {codecs.WebP, webpAppend(testimage.WebP(pattern(), withoutGPS(fullEXIF).Bytes()), "XMP ", xmpPacket(xmpWith("exif:GPSLatitude", "43,28.026N", "exif:GPSLongitude", "11,53.118W", "exif:GPSAltitude", "1234/10")), 0x04)},
	}
	for name, tc := range cases {
		got := read(t, tc.f, tc.data)
		if d := diffMeta(fullMeta(), got); d != "" {
			t.Errorf("%s: Read mismatch (-want +got):\n%s", name, d)
		}
	}
}

func TestReadOffsets(t *testing.T) {
	wall := time.Date(2021, 12, 31, 23, 59, 58, 0, time.UTC)
	cases := []struct {
		offset string
		zone   int // seconds east of UTC
	}{
		{"+02:00", 2 * 3600},
		{"-05:30", -(5*3600 + 30*60)},
		{"+00:00", 0},
		{"+14:00", 14 * 3600},
		{"", 0},           // none: wall clock as UTC
		{"+25:00", 0},     // invalid: ignored
		{"02:00", 0},      // no sign: ignored
		{"   ", 0},        // blank: ignored
		{"+0a:00", 0},     // not digits: ignored
		{"-12:3", 0},      // short: ignored
		{"+05:45", 20700}, // Nepal
	}
	for _, tc := range cases {
		data := jpegWith(app1(testimage.EXIF{Taken: wall, Offset: tc.offset}.Bytes()))
		got := read(t, codecs.JPEG, data)
		want := time.Date(2021, 12, 31, 23, 59, 58, 0, time.FixedZone("", tc.zone))
		if !got.Taken.Equal(want) {
			t.Errorf("offset %q: Taken %v, want %v", tc.offset, got.Taken, want)
		}
		if _, off := got.Taken.Zone(); off != tc.zone {
			t.Errorf("offset %q: zone offset %d, want %d", tc.offset, off, tc.zone)
		}
	}
}

func TestReadXMPFallback(t *testing.T) {
	xmpAll := xmpWith(
		"tiff:Orientation", "8",
		"tiff:Make", "NIKON CORPORATION",
		"tiff:Model", "NIKON Z 6",
		"exifEX:LensModel", "NIKKOR Z 24-70mm f/4 S",
		"exif:DateTimeOriginal", "2021-03-04T05:06:07+01:00",
		"exif:ExposureTime", "1/60",
		"exif:FNumber", "4/1",
		"exif:FocalLength", "35/1",
		"exifEX:PhotographicSensitivity", "800",
		"exif:GPSLatitude", "33,52.5S",
		"exif:GPSLongitude", "151,12.6E",
		"exif:GPSAltitude", "1500/10",
		"exif:GPSAltitudeRef", "1",
	)
	alt := -150.0
	wantAll := metadata.Metadata{
		Taken:        time.Date(2021, 3, 4, 5, 6, 7, 0, time.FixedZone("", 3600)),
		Make:         "NIKON CORPORATION",
		Model:        "NIKON Z 6",
		Lens:         "NIKKOR Z 24-70mm f/4 S",
		Orientation:  8,
		ExposureTime: 1.0 / 60,
		FNumber:      4,
		ISO:          800,
		FocalLength:  35,
		GPS:          &metadata.GPS{Lat: -(33 + 52.5/60), Lon: 151 + 12.6/60, Alt: &alt},
	}
	t.Run("xmp only", func(t *testing.T) {
		got := read(t, codecs.JPEG, jpegWith(app1(xmpAll)))
		if d := diffMeta(wantAll, got); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("exif wins, xmp fills", func(t *testing.T) {
		e := testimage.EXIF{Make: "Canon", Orientation: 3}
		for _, order := range [][]testimage.Segment{
			{app1(e.Bytes()), app1(xmpAll)},
			{app1(xmpAll), app1(e.Bytes())}, // XMP before EXIF
		} {
			got := read(t, codecs.JPEG, jpegWith(order...))
			want := wantAll
			want.Make, want.Model, want.Orientation = "Canon", "NIKON Z 6", 3
			if d := diffMeta(want, got); d != "" {
				t.Errorf("mismatch (-want +got):\n%s", d)
			}
		}
	})
	t.Run("create date, aux lens, no zone", func(t *testing.T) {
		got := read(t, codecs.JPEG, jpegWith(app1(xmpWith(
			"xmp:CreateDate", "2019-07-01T10:20:30",
			"aux:Lens", " 50mm f/1.8 ",
		))))
		want := metadata.Metadata{Taken: time.Date(2019, 7, 1, 10, 20, 30, 0, time.UTC), Lens: "50mm f/1.8"}
		if d := diffMeta(want, got); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
	})
	t.Run("exif GPS wins", func(t *testing.T) {
		got := read(t, codecs.JPEG, jpegWith(app1(fullEXIF.Bytes()), app1(xmpAll)))
		if d := diffMeta(fullMeta(), got); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
	})
}

func TestReadGPSSigns(t *testing.T) {
	for _, tc := range []struct{ lat, lon, alt float64 }{
		{48.8584, 2.2945, 35},
		{-33.8568, 151.2153, 0},
		{40.6892, -74.0445, -12.5},
		{-22.9519, -43.2105, 700},
		{0, 0, 0},
		{90, 180, 0},
		{-90, -180, 0},
	} {
		for _, big := range []bool{false, true} {
			e := testimage.EXIF{GPS: &testimage.GPS{Lat: tc.lat, Lon: tc.lon, Alt: tc.alt}, BigEndian: big}
			got := read(t, codecs.JPEG, jpegWith(app1(e.Bytes())))
			want := &metadata.GPS{Lat: tc.lat, Lon: tc.lon}
			if tc.alt != 0 {
				want.Alt = &tc.alt
			}
			if d := diffMeta(metadata.Metadata{GPS: want}, got); d != "" {
				t.Errorf("%+v: mismatch (-want +got):\n%s", tc, d)
			}
		}
	}
}

func TestReadDropsOutOfRange(t *testing.T) {
	cases := map[string][]byte{
		"orientation 9":        testimage.EXIF{Orientation: 9}.Bytes(),
		"orientation 65535":    testimage.EXIF{Orientation: 0xFFFF}.Bytes(),
		"latitude 95":          testimage.EXIF{GPS: &testimage.GPS{Lat: 95, Lon: 10}}.Bytes(),
		"longitude 190":        testimage.EXIF{GPS: &testimage.GPS{Lat: 10, Lon: -190}}.Bytes(),
		"year 1700":            testimage.EXIF{Taken: time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)}.Bytes(),
		"year 2300":            testimage.EXIF{Taken: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)}.Bytes(),
		"exposure 1/0":         testimage.EXIF{ExposureTime: [2]uint32{1, 0}}.Bytes(),
		"f-number 0":           testimage.EXIF{FNumber: [2]uint32{0, 0xFFFFFFFF}}.Bytes(),
		"focal length 0/0":     testimage.EXIF{FocalLength: [2]uint32{7, 0}}.Bytes(),
		"xmp orientation 0":    xmpWith("tiff:Orientation", "0"),
		"xmp orientation text": xmpWith("tiff:Orientation", "six"),
		"xmp latitude NaN":     xmpWith("exif:GPSLatitude", "NaN", "exif:GPSLongitude", "10.5E"),
		"xmp longitude Inf":    xmpWith("exif:GPSLatitude", "10.5N", "exif:GPSLongitude", "Inf"),
		"xmp latitude 91":      xmpWith("exif:GPSLatitude", "91,0N", "exif:GPSLongitude", "10.5E"),
		"xmp year 1799":        xmpWith("exif:DateTimeOriginal", "1799-12-31T23:59:59Z"),
		"xmp year 2201":        xmpWith("xmp:CreateDate", "2201-01-01"),
		"xmp bad date":         xmpWith("xmp:CreateDate", "yesterday"),
		"xmp exposure -1":      xmpWith("exif:ExposureTime", "-1/60"),
		"xmp exposure 1/0":     xmpWith("exif:ExposureTime", "1/0"),
		"xmp fnumber inf":      xmpWith("exif:FNumber", "1e400"),
		"xmp iso negative":     xmpWith("exifEX:PhotographicSensitivity", "-100"),
		"xmp empty make":       xmpWith("tiff:Make", "  \t "),
	}
	for name, payload := range cases {
		m, err := metadata.Read(codecs.JPEG, jpegWith(app1(payload)))
		noBug(t, name, err)
		if d := diffMeta(metadata.Metadata{}, m); d != "" {
			t.Errorf("%s: not dropped (-want +got):\n%s", name, d)
		}
		if _, err := json.Marshal(m); err != nil {
			t.Errorf("%s: json: %v", name, err)
		}
	}
	// Out-of-range altitude goes; the position stays.
	m := read(t, codecs.JPEG, jpegWith(app1(testimage.EXIF{GPS: &testimage.GPS{Lat: 1, Lon: 2, Alt: 4e6}}.Bytes())))
	if m.GPS == nil || m.GPS.Alt != nil {
		t.Errorf("altitude 4000 km: GPS %+v, want a position without altitude", m.GPS)
	}
}

func TestReadLongText(t *testing.T) {
	// 204 bytes: over the 128-byte cap, under the 256 bytes imagemeta is
	// allowed to read for one value.
	long := "Make" + string(bytes.Repeat([]byte("é"), 100))
	m := read(t, codecs.JPEG, jpegWith(app1(testimage.EXIF{Make: long, Model: "A\x01B"}.Bytes())))
	if len(m.Make) > 128 || len(m.Make) < 120 || !bytes.HasPrefix([]byte(m.Make), []byte("Make")) {
		t.Errorf("Make of %d bytes: %q", len(m.Make), m.Make)
	}
	if m.Model != "AB" {
		t.Errorf("Model %q, want control characters removed", m.Model)
	}
}

func TestReadGIFAndUnsupported(t *testing.T) {
	m, err := metadata.Read(codecs.GIF, testimage.GIF(pattern()))
	if err != nil || diffMeta(metadata.Metadata{}, m) != "" {
		t.Errorf("GIF: %+v, %v; want zero and nil", m, err)
	}
	if _, err := metadata.Read(codecs.Format("tiff"), []byte("II*\x00")); err == nil {
		t.Error("tiff: no error")
	}
}

func TestReadNoMetadata(t *testing.T) {
	for _, tc := range []struct {
		f    codecs.Format
		data []byte
	}{
		{codecs.JPEG, jpegWith()},
		{codecs.PNG, testimage.PNG(pattern())},
		{codecs.WebP, testimage.WebP(pattern(), nil)},
	} {
		if m := read(t, tc.f, tc.data); diffMeta(metadata.Metadata{}, m) != "" {
			t.Errorf("%s: %+v, want zero", tc.f, m)
		}
	}
}

// TestReadPartial checks that a problem after the metadata keeps what was
// read before it.
func TestReadPartial(t *testing.T) {
	full := jpegWith(app1(fullEXIF.Bytes()))
	exifEnd := 2 + 4 + len(fullEXIF.Bytes())
	m, err := metadata.Read(codecs.JPEG, full[:exifEnd+10]) // cut inside the next segment
	if err == nil {
		t.Error("truncated JPEG: no error")
	}
	if d := diffMeta(fullMeta(), m); d != "" {
		t.Errorf("truncated JPEG: partial result mismatch (-want +got):\n%s", d)
	}
}

func TestReadJSON(t *testing.T) {
	m := read(t, codecs.JPEG, jpegWith(app1(fullEXIF.Bytes())))
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back metadata.Metadata
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if d := diffMeta(m, back); d != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", d)
	}
	if math.IsNaN(m.FNumber) {
		t.Error("NaN")
	}
}
