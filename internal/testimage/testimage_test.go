package testimage_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bep/imagemeta"
	"golang.org/x/image/webp"

	"github.com/blobimage/blobimage/internal/testimage"
)

var quadrantColours = [4]color.NRGBA{testimage.TopLeft, testimage.TopRight, testimage.BottomLeft, testimage.BottomRight}

// withTransparency returns Pattern(w, h) with its left third fully
// transparent (NRGBA zero) and the top-right pixel transparent red.
func withTransparency(w, h int) *image.NRGBA {
	img := testimage.Pattern(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w/3; x++ {
			img.SetNRGBA(x, y, color.NRGBA{})
		}
	}
	img.SetNRGBA(w-1, 0, color.NRGBA{R: 255})
	return img
}

// sameNRGBA reports the first pixel where got and want differ in
// non-premultiplied RGBA, or "" if none does.
func sameNRGBA(got, want image.Image) string {
	gb, wb := got.Bounds(), want.Bounds()
	if gb.Dx() != wb.Dx() || gb.Dy() != wb.Dy() {
		return fmt.Sprintf("size %dx%d, want %dx%d", gb.Dx(), gb.Dy(), wb.Dx(), wb.Dy())
	}
	for y := 0; y < wb.Dy(); y++ {
		for x := 0; x < wb.Dx(); x++ {
			g := color.NRGBAModel.Convert(got.At(gb.Min.X+x, gb.Min.Y+y))
			w := color.NRGBAModel.Convert(want.At(wb.Min.X+x, wb.Min.Y+y))
			if g != w {
				return fmt.Sprintf("pixel (%d,%d) = %v, want %v", x, y, g, w)
			}
		}
	}
	return ""
}

func TestStoredSwapsDimensions(t *testing.T) {
	for o := 1; o <= 8; o++ {
		b := testimage.Stored(testimage.Pattern(30, 20), o).Bounds()
		w, h := 30, 20
		if o >= 5 {
			w, h = 20, 30
		}
		if b.Dx() != w || b.Dy() != h {
			t.Errorf("Stored(Pattern(30, 20), %d) is %dx%d, want %dx%d", o, b.Dx(), b.Dy(), w, h)
		}
	}
}

func TestPNG(t *testing.T) {
	for _, img := range []*image.NRGBA{testimage.Pattern(40, 30), withTransparency(40, 30)} {
		got, err := png.Decode(bytes.NewReader(testimage.PNG(img)))
		if err != nil {
			t.Fatal(err)
		}
		if d := sameNRGBA(got, img); d != "" {
			t.Error(d)
		}
	}
}

func TestGIF(t *testing.T) {
	img := testimage.Pattern(40, 30)
	got, err := gif.Decode(bytes.NewReader(testimage.GIF(img)))
	if err != nil {
		t.Fatal(err)
	}
	if d := sameNRGBA(got, img); d != "" {
		t.Error(d)
	}
}

func TestJPEG(t *testing.T) {
	segs := []testimage.Segment{
		{Marker: 0xE1, Payload: []byte("first")},
		{Marker: 0xE2, Payload: nil},
		{Marker: 0xED, Payload: []byte("third")},
	}
	data := testimage.JPEG(testimage.Pattern(64, 48), 80, segs...)
	want := []byte("\xFF\xD8" +
		"\xFF\xE1\x00\x07first" +
		"\xFF\xE2\x00\x02" +
		"\xFF\xED\x00\x07third")
	if !bytes.HasPrefix(data, want) {
		t.Errorf("JPEG starts % X, want % X", data[:len(want)], want)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 48 {
		t.Errorf("size %v", b)
	}
	for i, c := range testimage.Quadrants(img) {
		if !testimage.Near(c, quadrantColours[i], 40) {
			t.Errorf("quadrant %d = %v, want %v", i, c, quadrantColours[i])
		}
	}
}

func TestJPEGPanicsOnHugeSegment(t *testing.T) {
	// The largest payload fits.
	testimage.JPEG(testimage.Pattern(8, 8), 50, testimage.Segment{Marker: 0xE1, Payload: make([]byte, 65533)})
	defer func() {
		if recover() == nil {
			t.Error("no panic on a 65534-byte payload")
		}
	}()
	testimage.JPEG(testimage.Pattern(8, 8), 50, testimage.Segment{Marker: 0xE1, Payload: make([]byte, 65534)})
}

// decodeMeta returns the tags imagemeta finds in data from sources, keyed
// by name.
func decodeMeta(t *testing.T, data []byte, format imagemeta.ImageFormat, sources imagemeta.Source) map[string]imagemeta.TagInfo {
	t.Helper()
	tags := map[string]imagemeta.TagInfo{}
	_, err := imagemeta.Decode(imagemeta.Options{
		R:           bytes.NewReader(data),
		ImageFormat: format,
		Sources:     sources,
		HandleTag: func(ti imagemeta.TagInfo) error {
			if _, dup := tags[ti.Tag]; dup {
				t.Errorf("tag %s reported twice", ti.Tag)
			}
			tags[ti.Tag] = ti
			return nil
		},
		Warnf: func(format string, args ...any) { t.Errorf("imagemeta warning: "+format, args...) },
	})
	if err != nil {
		t.Fatalf("imagemeta.Decode: %v", err)
	}
	return tags
}

// fullEXIF sets every field of EXIF.
var fullEXIF = testimage.EXIF{
	Orientation:  6,
	Make:         "Canon",
	Model:        "Canon EOS R5",
	Lens:         "RF24-105mm F4 L IS USM",
	Taken:        time.Date(2024, 5, 6, 7, 8, 9, 0, time.FixedZone("CEST", 2*3600)),
	Offset:       "+02:00",
	ExposureTime: [2]uint32{1, 250},
	FNumber:      [2]uint32{28, 10},
	FocalLength:  [2]uint32{50, 1},
	ISO:          400,
	GPS:          &testimage.GPS{Lat: 43.4671, Lon: -11.8853, Alt: -12.5},
}

// checkEXIFTags checks the tags imagemeta reports for fullEXIF (with GPS
// as given).
func checkEXIFTags(t *testing.T, tags map[string]imagemeta.TagInfo, gps testimage.GPS) {
	t.Helper()
	want := map[string]string{
		// Tag: fmt.Sprint of its value.
		"Orientation":        "6",
		"Make":               "Canon",
		"Model":              "Canon EOS R5",
		"LensModel":          "RF24-105mm F4 L IS USM",
		"DateTimeOriginal":   "2024:05:06 07:08:09",
		"OffsetTimeOriginal": "+02:00",
		"ExposureTime":       "1/250",
		"FNumber":            "14/5",
		"FocalLength":        "50",
		"ISO":                "400",
		"ExifVersion":        "0232",
		"GPSVersionID":       "2 3 0 0",
		"GPSLatitudeRef":     "N",
		"GPSLongitudeRef":    "W",
		"GPSAltitudeRef":     "1",
		"GPSAltitude":        "25/2",
	}
	for tag, v := range want {
		ti, ok := tags[tag]
		if !ok {
			t.Errorf("tag %s missing", tag)
			continue
		}
		if got := fmt.Sprint(ti.Value); got != v {
			t.Errorf("tag %s = %q (%T), want %q", tag, got, ti.Value, v)
		}
	}
	for tag, v := range map[string]float64{"GPSLatitude": math.Abs(gps.Lat), "GPSLongitude": math.Abs(gps.Lon)} {
		f, ok := tags[tag].Value.(float64)
		if !ok || math.Abs(f-v) > 1e-6 {
			t.Errorf("tag %s = %v (%T), want %v", tag, tags[tag].Value, tags[tag].Value, v)
		}
	}
	for tag, ns := range map[string]string{"Orientation": "IFD0", "ISO": "IFD0/ExifIFDP", "GPSLatitude": "IFD0/GPSInfoIFD"} {
		if tags[tag].Namespace != ns {
			t.Errorf("tag %s in namespace %q, want %q", tag, tags[tag].Namespace, ns)
		}
	}
	if len(tags) != len(want)+2 {
		t.Errorf("%d tags, want %d: %v", len(tags), len(want)+2, tags)
	}
}

func TestEXIF(t *testing.T) {
	for _, bigEndian := range []bool{false, true} {
		t.Run(fmt.Sprintf("BigEndian=%v", bigEndian), func(t *testing.T) {
			e := fullEXIF
			e.BigEndian = bigEndian
			payload := e.Bytes()
			if !bytes.HasPrefix(payload, []byte("Exif\x00\x00")) {
				t.Fatalf("payload starts %q", payload[:6])
			}
			checkTIFF(t, payload[6:], bigEndian)
			data := testimage.JPEG(testimage.Pattern(16, 16), 90, testimage.Segment{Marker: 0xE1, Payload: payload})
			tags := decodeMeta(t, data, imagemeta.JPEG, imagemeta.EXIF)
			checkEXIFTags(t, tags, *e.GPS)

			var all imagemeta.Tags
			for _, ti := range tags {
				all.Add(ti)
			}
			lat, lon, err := all.GetLatLong()
			if err != nil || math.Abs(lat-43.4671) > 1e-6 || math.Abs(lon+11.8853) > 1e-6 {
				t.Errorf("GetLatLong = %v, %v, %v", lat, lon, err)
			}
		})
	}
}

func TestEXIFLeavesOutZeroFields(t *testing.T) {
	for _, tc := range []struct {
		exif testimage.EXIF
		want []string
	}{
		{testimage.EXIF{Orientation: 3}, []string{"Orientation"}},
		{testimage.EXIF{Model: "X", BigEndian: true}, []string{"Model"}},
		{testimage.EXIF{ISO: 100}, []string{"ISO", "ExifVersion"}},
		{testimage.EXIF{GPS: &testimage.GPS{Lat: -33.85, Lon: 151.2}},
			[]string{"GPSVersionID", "GPSLatitudeRef", "GPSLatitude", "GPSLongitudeRef", "GPSLongitude"}},
	} {
		payload := tc.exif.Bytes()
		checkTIFF(t, payload[6:], tc.exif.BigEndian)
		data := testimage.JPEG(testimage.Pattern(8, 8), 90, testimage.Segment{Marker: 0xE1, Payload: payload})
		tags := decodeMeta(t, data, imagemeta.JPEG, imagemeta.EXIF)
		if len(tags) != len(tc.want) {
			t.Errorf("%+v: got tags %v, want %v", tc.exif, tags, tc.want)
		}
		for _, tag := range tc.want {
			if _, ok := tags[tag]; !ok {
				t.Errorf("%+v: tag %s missing", tc.exif, tag)
			}
		}
		if tc.exif.GPS != nil {
			if tags["GPSLatitudeRef"].Value != "S" || tags["GPSLongitudeRef"].Value != "E" {
				t.Errorf("refs %v %v", tags["GPSLatitudeRef"].Value, tags["GPSLongitudeRef"].Value)
			}
			if f, _ := tags["GPSLatitude"].Value.(float64); math.Abs(f-33.85) > 1e-6 {
				t.Errorf("GPSLatitude = %v", tags["GPSLatitude"].Value)
			}
		}
	}
}

// checkTIFF walks the TIFF structure independently of imagemeta and checks
// what TIFF 6 asks of it: header, IFDs and values on word boundaries and
// inside the data, entries sorted by tag, no next IFD after IFD0, and the
// counts matching each type.
func checkTIFF(t *testing.T, b []byte, bigEndian bool) {
	t.Helper()
	var order binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	wantHeader := "II*\x00"
	if bigEndian {
		wantHeader = "MM\x00*"
	}
	if string(b[:4]) != wantHeader {
		t.Fatalf("TIFF header % X", b[:4])
	}
	typeSize := map[uint16]uint32{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1}
	var walk func(name string, off uint32, isIFD0 bool)
	walk = func(name string, off uint32, isIFD0 bool) {
		if off%2 != 0 || int(off)+2 > len(b) {
			t.Errorf("%s at bad offset %d", name, off)
			return
		}
		n := uint32(order.Uint16(b[off:]))
		end := off + 2 + 12*n + 4
		if int(end) > len(b) {
			t.Errorf("%s overruns data", name)
			return
		}
		if n == 0 {
			t.Errorf("%s has no entries", name)
		}
		if next := order.Uint32(b[end-4:]); next != 0 {
			t.Errorf("%s next IFD offset %d", name, next)
		}
		prev := -1
		for i := range n {
			e := b[off+2+12*i:]
			tag, typ, count := order.Uint16(e), order.Uint16(e[2:]), order.Uint32(e[4:])
			if int(tag) <= prev {
				t.Errorf("%s: tag %#x after %#x", name, tag, prev)
			}
			prev = int(tag)
			size, ok := typeSize[typ]
			if !ok || count == 0 {
				t.Errorf("%s: tag %#x type %d count %d", name, tag, typ, count)
				continue
			}
			val := e[8:12]
			if size*count > 4 {
				voff := order.Uint32(e[8:])
				if voff%2 != 0 || voff < end || int(voff+size*count) > len(b) {
					t.Errorf("%s: tag %#x value at bad offset %d", name, tag, voff)
					continue
				}
				val = b[voff : voff+size*count]
			}
			if typ == 2 && val[count-1] != 0 {
				t.Errorf("%s: tag %#x ASCII not NUL-terminated", name, tag)
			}
			if isIFD0 && (tag == 0x8769 || tag == 0x8825) {
				if typ != 4 || count != 1 {
					t.Errorf("pointer %#x type %d count %d", tag, typ, count)
				}
				walk(fmt.Sprintf("IFD %#x", tag), order.Uint32(val), false)
			}
		}
	}
	walk("IFD0", order.Uint32(b[4:]), true)
}

func TestXMP(t *testing.T) {
	attrs := map[string]string{
		"tiff:Orientation":      "6",
		"tiff:Make":             `Tom & Jerry's <"cam">`,
		"exif:GPSLatitude":      "43,28.02N",
		"exif:GPSLongitude":     "11,53.118W",
		"exif:DateTimeOriginal": "2024-05-06T07:08:09+02:00",
		"aux:Lens":              "50mm",
		"xmp:Rating":            "4",
	}
	payload := testimage.XMP(attrs)
	if !bytes.HasPrefix(payload, []byte("http://ns.adobe.com/xap/1.0/\x00<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>")) {
		t.Errorf("payload starts %q", payload[:80])
	}
	if !bytes.HasSuffix(payload, []byte(`<?xpacket end="w"?>`)) {
		t.Errorf("payload ends %q", payload[len(payload)-30:])
	}
	// Attributes come sorted by name.
	if i, j := bytes.Index(payload, []byte("aux:Lens")), bytes.Index(payload, []byte("xmp:Rating")); i < 0 || j < i {
		t.Error("attributes not sorted")
	}
	data := testimage.JPEG(testimage.Pattern(8, 8), 90, testimage.Segment{Marker: 0xE1, Payload: payload})
	tags := decodeMeta(t, data, imagemeta.JPEG, imagemeta.XMP)
	want := map[string]any{
		"Orientation":      "6",
		"Make":             `Tom & Jerry's <"cam">`,
		"GPSLatitude":      43 + 28.02/60,
		"GPSLongitude":     -(11 + 53.118/60),
		"DateTimeOriginal": "2024-05-06T07:08:09+02:00",
		"Lens":             "50mm",
		"Rating":           "4",
	}
	for tag, v := range want {
		got := tags[tag].Value
		if f, ok := v.(float64); ok {
			if g, _ := got.(float64); math.Abs(g-f) > 1e-9 {
				t.Errorf("%s = %v, want %v", tag, got, v)
			}
		} else if got != v {
			t.Errorf("%s = %#v, want %#v", tag, got, v)
		}
	}
	if len(tags) != len(want) {
		t.Errorf("tags %v", tags)
	}
	if ns := tags["Orientation"].Namespace; ns != "http://ns.adobe.com/tiff/1.0/" {
		t.Errorf("Orientation namespace %q", ns)
	}
}

// iccDesc finds the 'desc' tag of an ICC profile and returns its ASCII and
// Unicode descriptions, checking the header and tag table on the way.
func iccDesc(t *testing.T, p []byte) (ascii, unicode string) {
	t.Helper()
	be := binary.BigEndian
	if int(be.Uint32(p)) != len(p) || len(p)%4 != 0 {
		t.Errorf("profile size field %d, len %d", be.Uint32(p), len(p))
	}
	if got := string(p[12:24]) + string(p[36:40]); got != "mntrRGB XYZ acsp" {
		t.Errorf("class/space/PCS/signature %q", got)
	}
	if p[8] != 2 || p[9] != 0x10 {
		t.Errorf("version % X", p[8:12])
	}
	n := be.Uint32(p[128:])
	sigs := map[string]bool{}
	for i := range n {
		e := p[132+12*i:]
		sig, off, size := string(e[:4]), be.Uint32(e[4:]), be.Uint32(e[8:])
		sigs[sig] = true
		if off%4 != 0 || int(off+size) > len(p) || off < 132+12*n {
			t.Fatalf("tag %s at %d+%d", sig, off, size)
		}
		data := p[off : off+size]
		switch sig {
		case "desc":
			if string(data[:4]) != "desc" {
				t.Fatalf("desc type %q", data[:4])
			}
			c := be.Uint32(data[8:])
			ascii = string(data[12 : 12+c-1])
			if data[12+c-1] != 0 {
				t.Error("ASCII description not NUL-terminated")
			}
			rest := data[12+c:]
			uc := be.Uint32(rest[4:])
			var u []rune
			for j := range uc - 1 {
				u = append(u, rune(be.Uint16(rest[8+2*j:])))
			}
			unicode = string(u)
			if want := 12 + c + 8 + 2*uc + 3 + 67; size != want {
				t.Errorf("desc size %d, want %d", size, want)
			}
		case "wtpt":
			if string(data[:4]) != "XYZ " || size != 20 || be.Uint32(data[12:]) != 0x10000 {
				t.Errorf("wtpt % X", data)
			}
		case "cprt":
			if string(data[:4]) != "text" || data[size-1] != 0 {
				t.Errorf("cprt %q", data)
			}
		}
	}
	if len(sigs) != 3 || !sigs["desc"] || !sigs["wtpt"] || !sigs["cprt"] {
		t.Errorf("tags %v", sigs)
	}
	return ascii, unicode
}

func TestICC(t *testing.T) {
	for _, desc := range []string{"sRGB IEC61966-2.1", "Display P3", "X", ""} {
		a, u := iccDesc(t, testimage.ICC(desc))
		if a != desc || u != desc {
			t.Errorf("ICC(%q) desc %q / %q", desc, a, u)
		}
	}
	a, u := iccDesc(t, testimage.ICC("Café"))
	if a != "Caf?" || u != "Café" {
		t.Errorf("ICC(Café) desc %q / %q", a, u)
	}
}

func TestWebP(t *testing.T) {
	tall := testimage.Pattern(3, 16384)
	for _, img := range []*image.NRGBA{
		testimage.Pattern(1, 1),
		testimage.Pattern(2, 1),
		testimage.Pattern(7, 3),
		testimage.Pattern(300, 200),
		withTransparency(300, 200),
		withTransparency(7, 3),
		tall,
		image.NewNRGBA(image.Rect(0, 0, 5, 5)), // all transparent black
	} {
		for _, exif := range [][]byte{nil, testimage.EXIF{Orientation: 8, Make: "Canon"}.Bytes()} {
			b := img.Bounds()
			name := fmt.Sprintf("%dx%d/exif=%v", b.Dx(), b.Dy(), exif != nil)
			data := testimage.WebP(img, exif)
			if string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" ||
				int(binary.LittleEndian.Uint32(data[4:])) != len(data)-8 || len(data)%2 != 0 {
				t.Errorf("%s: bad RIFF header % X (len %d)", name, data[:12], len(data))
			}
			got, err := webp.Decode(bytes.NewReader(data))
			if err != nil {
				t.Errorf("%s: webp.Decode: %v", name, err)
				continue
			}
			if d := sameNRGBA(got, img); d != "" {
				t.Errorf("%s: %s", name, d)
			}
			cfg, err := webp.DecodeConfig(bytes.NewReader(data))
			if err != nil || cfg.Width != b.Dx() || cfg.Height != b.Dy() {
				t.Errorf("%s: DecodeConfig %+v, %v", name, cfg, err)
			}

			// The alpha_is_used bit of the VP8L header, and VP8X flags.
			opaque := img.Opaque()
			vp8l := bytes.Index(data, []byte("VP8L")) + 8
			if alphaBit := data[vp8l+4]&0x10 != 0; alphaBit == opaque {
				t.Errorf("%s: alpha_is_used %v for opaque=%v", name, alphaBit, opaque)
			}
			if exif == nil {
				if string(data[12:16]) != "VP8L" {
					t.Errorf("%s: first chunk %q", name, data[12:16])
				}
				continue
			}
			wantFlags := byte(0x08)
			if !opaque {
				wantFlags |= 0x10
			}
			if string(data[12:16]) != "VP8X" || data[20] != wantFlags {
				t.Errorf("%s: VP8X chunk % X", name, data[12:30])
			}
			tags := decodeMeta(t, data, imagemeta.WebP, imagemeta.EXIF)
			if tags["Orientation"].Value != uint16(8) || tags["Make"].Value != "Canon" || len(tags) != 2 {
				t.Errorf("%s: EXIF tags %v", name, tags)
			}
			res, err := imagemeta.Decode(imagemeta.Options{R: bytes.NewReader(data), ImageFormat: imagemeta.WebP, Sources: imagemeta.CONFIG})
			if err != nil || res.ImageConfig.Width != b.Dx() || res.ImageConfig.Height != b.Dy() {
				t.Errorf("%s: imagemeta config %+v, %v", name, res.ImageConfig, err)
			}
		}
	}
}

func TestWebPFullEXIF(t *testing.T) {
	// A bare TIFF (no "Exif\0\0") is stored as is.
	for _, exif := range [][]byte{fullEXIF.Bytes(), fullEXIF.Bytes()[6:]} {
		data := testimage.WebP(testimage.Pattern(10, 10), exif)
		i := bytes.Index(data, []byte("EXIF"))
		if i < 0 || !bytes.HasPrefix(data[i+8:], []byte("II*\x00")) {
			t.Fatalf("EXIF chunk does not hold the bare TIFF")
		}
		checkEXIFTags(t, decodeMeta(t, data, imagemeta.WebP, imagemeta.EXIF), *fullEXIF.GPS)
	}
}

func TestWebPPanics(t *testing.T) {
	for name, img := range map[string]image.Image{
		"three reds": func() image.Image {
			img := testimage.Pattern(4, 4)
			img.SetNRGBA(0, 0, color.NRGBA{R: 128, A: 255})
			return img
		}(),
		"empty":     image.NewNRGBA(image.Rect(0, 0, 0, 3)),
		"too wide":  image.NewNRGBA(image.Rect(0, 0, 16385, 1)),
		"gray ramp": image.NewGray(image.Rect(0, 0, 1, 3)),
	} {
		if name == "gray ramp" {
			g := img.(*image.Gray)
			g.Pix[0], g.Pix[1], g.Pix[2] = 0, 1, 2
		}
		func() {
			defer func() {
				if v := recover(); v == nil {
					t.Errorf("%s: no panic", name)
				} else if !strings.HasPrefix(fmt.Sprint(v), "testimage.WebP: ") {
					t.Errorf("%s: panic %v", name, v)
				}
			}()
			testimage.WebP(img, nil)
		}()
	}
}

// TestSolidVP8L: x/image/webp reads the payload, in a RIFF container, as
// w×h pixels of the colour.
func TestSolidVP8L(t *testing.T) {
	c := color.NRGBA{R: 10, G: 20, B: 30, A: 40}
	payload := testimage.SolidVP8L(37, 21, c)
	padded := len(payload) + len(payload)%2
	file := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(12+padded))...)
	file = append(append(file, "WEBPVP8L"...), binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))...)
	file = append(file, payload...)
	file = append(file, make([]byte, padded-len(payload))...)
	img, err := webp.Decode(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, 37, 21) || color.NRGBAModel.Convert(img.At(36, 20)) != c {
		t.Errorf("decoded %v, %v; want 37×21 of %v", img.Bounds(), img.At(36, 20), c)
	}
}
