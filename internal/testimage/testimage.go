// Package testimage generates the images blobimage's tests feed through the
// public API: an asymmetric pattern whose orientation can be checked from
// pixels, a photo-like picture, JPEGs carrying hand-built EXIF (every
// orientation, GPS, camera, date, exposure), PNG with alpha, GIF and
// lossless WebP. Everything is made in code; no binary fixture is
// committed.
//
// It also holds what the format tests share to compare with the reference
// tools: Debian's encoders and decoders run at test time (Tool, Run,
// Convert, ReferenceDecode; a missing tool skips the test, or fails it
// when BLOBIMAGE_REQUIRE_TOOLS=1 as in CI) and PSNR.
package testimage

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
)

// Quadrant colours of Pattern, as displayed: each channel is 0 or 255, so
// they survive JPEG compression recognisably and the WebP encoder can code
// them.
var (
	TopLeft     = color.NRGBA{255, 0, 0, 255}   // red
	TopRight    = color.NRGBA{0, 255, 0, 255}   // green
	BottomLeft  = color.NRGBA{0, 0, 255, 255}   // blue
	BottomRight = color.NRGBA{255, 255, 0, 255} // yellow
)

// Pattern returns a w×h image split into four quadrants coloured TopLeft,
// TopRight, BottomLeft and BottomRight. No rotation or flip of it equals
// another, so sampling the quadrant centres of a result tells its
// orientation.
func Pattern(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := TopLeft
			switch {
			case 2*x >= w && 2*y >= h:
				c = BottomRight
			case 2*x >= w:
				c = TopRight
			case 2*y >= h:
				c = BottomLeft
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// Quadrants samples the centres of img's four quadrants (TL, TR, BL, BR).
func Quadrants(img image.Image) [4]color.NRGBA {
	b := img.Bounds()
	at := func(fx, fy int) color.NRGBA {
		x := b.Min.X + b.Dx()*fx/4
		y := b.Min.Y + b.Dy()*fy/4
		return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	}
	return [4]color.NRGBA{at(1, 1), at(3, 1), at(1, 3), at(3, 3)}
}

// Near reports whether a and b differ by at most tol in every channel.
func Near(a, b color.Color, tol int) bool {
	x := color.NRGBAModel.Convert(a).(color.NRGBA)
	y := color.NRGBAModel.Convert(b).(color.NRGBA)
	d := func(p, q uint8) bool {
		v := int(p) - int(q)
		return v <= tol && -v <= tol
	}
	return d(x.R, y.R) && d(x.G, y.G) && d(x.B, y.B) && d(x.A, y.A)
}

// YCbCr returns img converted to an image.YCbCr of chroma subsampling r,
// as a JPEG decoder gives it: each chroma sample is that of the last pixel
// of its block (the block's colour, for pictures flat at that scale).
func YCbCr(img image.Image, r image.YCbCrSubsampleRatio) *image.YCbCr {
	b := img.Bounds()
	out := image.NewYCbCr(b, r)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			out.Y[out.YOffset(x, y)] = yy
			ci := out.COffset(x, y)
			out.Cb[ci], out.Cr[ci] = cb, cr
		}
	}
	return out
}

// Stored returns the pixels a camera would store for a picture that
// displays as displayed when tagged with EXIF orientation o (1–8): the
// inverse of the transform the orientation asks a viewer to apply. It is
// written from the EXIF specification independently of variants.Orient.
func Stored(displayed image.Image, o int) *image.NRGBA {
	b := displayed.Bounds()
	w, h := b.Dx(), b.Dy()
	sw, sh := w, h
	if o >= 5 && o <= 8 {
		sw, sh = h, w
	}
	out := image.NewNRGBA(image.Rect(0, 0, sw, sh))
	// For each stored pixel (x, y), find the displayed pixel a viewer
	// puts it at. EXIF 2.32, tag 0x0112: the stored row 0 / column 0 are
	// displayed at 1 top/left, 2 top/right, 3 bottom/right, 4 bottom/left,
	// 5 left/top, 6 right/top, 7 right/bottom, 8 left/bottom.
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = w-1-y, x
			case 7:
				dx, dy = w-1-y, h-1-x
			case 8:
				dx, dy = y, h-1-x
			default:
				dx, dy = x, y
			}
			out.Set(x, y, displayed.At(b.Min.X+dx, b.Min.Y+dy))
		}
	}
	return out
}

// EXIF describes an EXIF block to build. Zero fields are left out.
type EXIF struct {
	Orientation int
	Make, Model string
	Lens        string
	Taken       time.Time // written as DateTimeOriginal, in Taken's zone
	Offset      string    // OffsetTimeOriginal, e.g. "+02:00"
	// ExposureTime, FNumber and FocalLength are rationals {num, den}.
	ExposureTime, FNumber, FocalLength [2]uint32
	ISO                                int
	GPS                                *GPS
	// BigEndian writes a Motorola ("MM") TIFF header instead of "II".
	BigEndian bool
}

// GPS is a position in decimal degrees; negative is south or west.
type GPS struct {
	Lat, Lon float64
	Alt      float64 // metres; 0 is left out
}

// Bytes returns the APP1 payload: "Exif\x00\x00" followed by the TIFF
// structure (IFD0 with the camera tags and pointers to the Exif and GPS
// IFDs).
func (e EXIF) Bytes() []byte {
	var order byteOrder = binary.LittleEndian
	tiff := []byte("II")
	if e.BigEndian {
		order = binary.BigEndian
		tiff = []byte("MM")
	}
	ifd0 := &tiffIFD{order: order}
	exif := &tiffIFD{order: order}
	gps := &tiffIFD{order: order}

	// IFD0 (TIFF 6.0 baseline tags).
	if e.Make != "" {
		ifd0.ascii(0x010F, e.Make)
	}
	if e.Model != "" {
		ifd0.ascii(0x0110, e.Model)
	}
	if e.Orientation != 0 {
		ifd0.short(0x0112, uint16(e.Orientation))
	}

	// Exif IFD (EXIF 2.32, section 4.6.5).
	if e.ExposureTime != [2]uint32{} {
		exif.rational(0x829A, e.ExposureTime)
	}
	if e.FNumber != [2]uint32{} {
		exif.rational(0x829D, e.FNumber)
	}
	if e.ISO != 0 {
		// PhotographicSensitivity is a SHORT; 65535 stands for "65535 or more".
		exif.short(0x8827, uint16(min(e.ISO, 0xFFFF)))
	}
	if !e.Taken.IsZero() {
		exif.ascii(0x9003, e.Taken.Format("2006:01:02 15:04:05"))
	}
	if e.Offset != "" {
		exif.ascii(0x9011, e.Offset)
	}
	if e.FocalLength != [2]uint32{} {
		exif.rational(0x920A, e.FocalLength)
	}
	if e.Lens != "" {
		exif.ascii(0xA434, e.Lens)
	}
	if len(exif.entries) > 0 {
		// ExifVersion is mandatory in an Exif IFD.
		exif.bytes(0x9000, tiffUndefined, []byte("0232"))
	}

	// GPS IFD (EXIF 2.32, section 4.6.6).
	if g := e.GPS; g != nil {
		gps.bytes(0x0000, tiffByte, []byte{2, 3, 0, 0}) // GPSVersionID 2.3.0.0
		ns, ew := "N", "E"
		if g.Lat < 0 {
			ns = "S"
		}
		if g.Lon < 0 {
			ew = "W"
		}
		lat, lon := dms(g.Lat), dms(g.Lon)
		gps.ascii(0x0001, ns)
		gps.rational(0x0002, lat[:]...)
		gps.ascii(0x0003, ew)
		gps.rational(0x0004, lon[:]...)
		if g.Alt != 0 {
			ref := byte(0) // above sea level
			if g.Alt < 0 {
				ref = 1
			}
			gps.bytes(0x0005, tiffByte, []byte{ref})
			gps.rational(0x0006, [2]uint32{uint32(math.Round(math.Abs(g.Alt) * 1000)), 1000})
		}
	}

	// The sub-IFDs follow IFD0 (and its values); their pointers are
	// inline LONGs, so IFD0's size does not depend on their values.
	if len(exif.entries) > 0 {
		ifd0.long(0x8769, 0)
	}
	if len(gps.entries) > 0 {
		ifd0.long(0x8825, 0)
	}
	const ifd0Off = 8
	next := ifd0Off + ifd0.size()
	var subIFDs []*tiffIFD
	for _, sub := range []struct {
		pointer uint16
		ifd     *tiffIFD
	}{{0x8769, exif}, {0x8825, gps}} {
		if len(sub.ifd.entries) == 0 {
			continue
		}
		ifd0.setLong(sub.pointer, next)
		subIFDs = append(subIFDs, sub.ifd)
		next += sub.ifd.size()
	}

	tiff = order.AppendUint16(tiff, 42)
	tiff = order.AppendUint32(tiff, ifd0Off)
	tiff = ifd0.appendTo(tiff, ifd0Off)
	for _, sub := range subIFDs {
		tiff = sub.appendTo(tiff, uint32(len(tiff)))
	}
	return append([]byte("Exif\x00\x00"), tiff...)
}

// JPEG encodes img at quality with image/jpeg and inserts the given APP
// segments right after SOI, in order. Each segment is {marker, payload},
// e.g. {0xE1, exif.Bytes()}.
func JPEG(img image.Image, quality int, segments ...Segment) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		panic(fmt.Sprintf("testimage.JPEG: %v", err))
	}
	enc := buf.Bytes()
	if len(enc) < 2 || enc[0] != 0xFF || enc[1] != 0xD8 {
		panic("testimage.JPEG: image/jpeg output does not start with SOI")
	}
	size := len(enc)
	for _, s := range segments {
		size += 4 + len(s.Payload)
	}
	out := make([]byte, 0, size)
	out = append(out, enc[:2]...)
	for _, s := range segments {
		// The length field counts itself and is 16 bits.
		if len(s.Payload) > 0xFFFF-2 {
			panic(fmt.Sprintf("testimage.JPEG: segment FF%02X payload of %d bytes exceeds %d", s.Marker, len(s.Payload), 0xFFFF-2))
		}
		out = append(out, 0xFF, s.Marker)
		out = binary.BigEndian.AppendUint16(out, uint16(len(s.Payload)+2))
		out = append(out, s.Payload...)
	}
	return append(out, enc[2:]...)
}

// Segment is a JPEG marker segment: Marker (e.g. 0xE1 for APP1) and its
// payload (without the length field).
type Segment struct {
	Marker  byte
	Payload []byte
}

// xmpNamespaces are declared on every rdf:Description XMP writes, so
// attributes may use these prefixes.
var xmpNamespaces = []struct{ prefix, uri string }{
	{"tiff", "http://ns.adobe.com/tiff/1.0/"},
	{"exif", "http://ns.adobe.com/exif/1.0/"},
	{"exifEX", "http://cipa.jp/exif/1.0/"},
	{"xmp", "http://ns.adobe.com/xap/1.0/"},
	{"aux", "http://ns.adobe.com/exif/1.0/aux/"},
	{"photoshop", "http://ns.adobe.com/photoshop/1.0/"},
}

// XMP returns an APP1 XMP payload ("http://ns.adobe.com/xap/1.0/\x00" and
// an x:xmpmeta packet) holding the given rdf:Description attributes, e.g.
// {"tiff:Orientation": "6", "exif:GPSLatitude": "43,28.02N"}.
func XMP(attrs map[string]string) []byte {
	var b bytes.Buffer
	b.WriteString("http://ns.adobe.com/xap/1.0/\x00")
	b.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">` + "\n")
	b.WriteString(` <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` + "\n")
	b.WriteString(`  <rdf:Description rdf:about=""`)
	for _, ns := range xmpNamespaces {
		b.WriteString("\n    xmlns:" + ns.prefix + `="` + ns.uri + `"`)
	}
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		if !validXMLName(name) {
			panic(fmt.Sprintf("testimage.XMP: invalid attribute name %q", name))
		}
		b.WriteString("\n    " + name + `="`)
		if err := xml.EscapeText(&b, []byte(attrs[name])); err != nil {
			panic(fmt.Sprintf("testimage.XMP: %v", err))
		}
		b.WriteString(`"`)
	}
	b.WriteString("/>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>")
	return b.Bytes()
}

// validXMLName reports whether s is a plain (ASCII) XML qualified name.
func validXMLName(s string) bool {
	if s == "" || strings.HasPrefix(s, ":") || strings.HasSuffix(s, ":") || strings.Count(s, ":") > 1 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_', r == ':':
		case i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return true
}

// ICC returns a small but well-formed ICC profile whose description tag is
// desc (e.g. "sRGB IEC61966-2.1" or "Display P3").
func ICC(desc string) []byte {
	// ICC.1:2001-04 (version 2.1): a display ("mntr") RGB profile with an
	// XYZ connection space, carrying only desc, wtpt and cprt.
	tags := []struct {
		sig  string
		data []byte
	}{
		{"desc", iccTextDescription(desc)},
		{"wtpt", iccXYZ(0.9642, 1.0, 0.8249)}, // D50
		{"cprt", iccText("No copyright, use freely")},
	}

	const headerLen = 128
	dataOff := headerLen + 4 + 12*len(tags) // multiple of 4
	table := binary.BigEndian.AppendUint32(nil, uint32(len(tags)))
	var data []byte
	for _, t := range tags {
		table = append(table, t.sig...)
		table = binary.BigEndian.AppendUint32(table, uint32(dataOff+len(data)))
		table = binary.BigEndian.AppendUint32(table, uint32(len(t.data)))
		data = append(data, t.data...)
		for len(data)%4 != 0 { // tag data starts on 4-byte boundaries
			data = append(data, 0)
		}
	}

	size := dataOff + len(data)
	h := make([]byte, 0, size)
	h = binary.BigEndian.AppendUint32(h, uint32(size)) // profile size
	h = append(h, 0, 0, 0, 0)                          // preferred CMM: none
	h = append(h, 0x02, 0x10, 0, 0)                    // version 2.1.0
	h = append(h, "mntrRGB XYZ "...)                   // class, colour space, PCS
	for _, v := range []uint16{2024, 1, 1, 0, 0, 0} {  // creation date and time
		h = binary.BigEndian.AppendUint16(h, v)
	}
	h = append(h, "acsp"...)
	h = append(h, make([]byte, 4+4+4+4+8+4)...) // platform, flags, manufacturer, model, attributes, intent
	h = append(h, iccXYZ(0.9642, 1.0, 0.8249)[8:]...)
	h = append(h, make([]byte, headerLen-len(h))...) // creator, profile ID, reserved
	h = append(h, table...)
	return append(h, data...)
}

// s15Fixed16 encodes v as an ICC s15Fixed16Number.
func s15Fixed16(v float64) uint32 {
	return uint32(int32(math.Round(v * 65536)))
}

// iccXYZ returns an XYZType tag holding one XYZ number.
func iccXYZ(x, y, z float64) []byte {
	b := append([]byte("XYZ "), 0, 0, 0, 0)
	for _, v := range []float64{x, y, z} {
		b = binary.BigEndian.AppendUint32(b, s15Fixed16(v))
	}
	return b
}

// iccText returns a textType tag holding s (7-bit ASCII).
func iccText(s string) []byte {
	b := append([]byte("text"), 0, 0, 0, 0)
	b = append(b, asciiOnly(s)...)
	return append(b, 0)
}

// iccTextDescription returns a (version 2) textDescriptionType tag: the
// description as 7-bit ASCII and as UTF-16BE, and an empty ScriptCode
// record.
func iccTextDescription(s string) []byte {
	b := append([]byte("desc"), 0, 0, 0, 0)
	ascii := append(asciiOnly(s), 0)
	b = binary.BigEndian.AppendUint32(b, uint32(len(ascii)))
	b = append(b, ascii...)
	u := append(utf16.Encode([]rune(s)), 0)
	b = binary.BigEndian.AppendUint32(b, 0) // Unicode language code
	b = binary.BigEndian.AppendUint32(b, uint32(len(u)))
	for _, c := range u {
		b = binary.BigEndian.AppendUint16(b, c)
	}
	b = append(b, 0, 0, 0) // ScriptCode code and count
	return append(b, make([]byte, 67)...)
}

// asciiOnly returns s with every non-ASCII or NUL character replaced by '?'.
func asciiOnly(s string) []byte {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r == 0 || r > 0x7F {
			r = '?'
		}
		b = append(b, byte(r))
	}
	return b
}

// PNG encodes img with image/png.
func PNG(img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(fmt.Sprintf("testimage.PNG: %v", err))
	}
	return buf.Bytes()
}

// GIF encodes img with image/gif (Plan 9 palette, so use Pattern colours).
func GIF(img image.Image) []byte {
	var buf bytes.Buffer
	// No quantizer means the Plan 9 palette; draw.Src maps each pixel to
	// its nearest palette entry without dithering, so colours in the
	// palette (all of Pattern's) come out exact.
	opts := &gif.Options{NumColors: 256, Drawer: draw.Src}
	if err := gif.Encode(&buf, img, opts); err != nil {
		panic(fmt.Sprintf("testimage.GIF: %v", err))
	}
	return buf.Bytes()
}

// WebP encodes img as a lossless (VP8L) WebP in a RIFF container, with an
// EXIF chunk (and the VP8X header it needs) when exif is not nil. It codes
// images whose every channel takes at most two distinct values (Pattern
// and its transparent variants qualify) and panics on others.
func WebP(img image.Image, exif []byte) []byte {
	vp8l, alpha, err := encodeVP8L(img)
	if err != nil {
		panic("testimage.WebP: " + err.Error())
	}
	body := []byte("WEBP")
	if exif != nil {
		// Extended format (RIFF container specification): VP8X, the
		// image, then metadata.
		const (
			alphaFlag = 0x10
			exifFlag  = 0x08
		)
		flags := byte(exifFlag)
		if alpha {
			flags |= alphaFlag
		}
		b := img.Bounds()
		w, h := b.Dx()-1, b.Dy()-1
		vp8x := []byte{flags, 0, 0, 0,
			byte(w), byte(w >> 8), byte(w >> 16),
			byte(h), byte(h >> 8), byte(h >> 16)}
		body = riffChunk(body, "VP8X", vp8x)
	}
	body = riffChunk(body, "VP8L", vp8l)
	if exif != nil {
		// The EXIF chunk holds the bare TIFF structure.
		body = riffChunk(body, "EXIF", bytes.TrimPrefix(exif, []byte("Exif\x00\x00")))
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}
