package metadata_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"math"

	"github.com/blobimage/blobimage/internal/testimage"
)

// damagedJPEG is a JPEG damaged as real uploads are, around a file that
// image/jpeg encoded: the encoder's segments and scan data are intact,
// the damage is in or between the metadata segments before them.
type damagedJPEG struct {
	name string
	data []byte
	// clean is the file before the damage and the metadata: what the
	// coded image is made of, byte for byte.
	clean []byte
	// goDecodes is whether image/jpeg and codecs/jpeg accept the file;
	// libjpeg accepts them all.
	goDecodes bool
}

// rawSegment returns a marker segment whose length field says n, whatever
// the payload's size.
func rawSegment(marker byte, n int, payload []byte) []byte {
	b := []byte{0xFF, marker}
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	return append(b, payload...)
}

// seg returns a well-formed marker segment.
func seg(marker byte, payload []byte) []byte { return rawSegment(marker, len(payload)+2, payload) }

// damagedJPEGs returns img encoded at quality with metadata holding
// fullEXIF's position and orientation 6, damaged in each of the ways
// decoders tolerate. pre goes after SOI, before the encoder's segments;
// mid between its quantisation tables (DQT) and its frame header (SOF).
func damagedJPEGs(img image.Image, quality int) []damagedJPEG {
	clean := testimage.JPEG(img, quality)
	sof := bytes.Index(clean, []byte{0xFF, 0xC0})
	build := func(pre, mid []byte) []byte {
		var b []byte
		b = append(b, clean[:2]...)
		b = append(b, pre...)
		b = append(b, clean[2:sof]...)
		b = append(b, mid...)
		return append(b, clean[sof:]...)
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	exif, noGPS := fullEXIF.Bytes(), withoutGPS(fullEXIF).Bytes()
	comment := bytes.Repeat([]byte("a comment "), 4)
	// A Photoshop block whose EXIF resource holds the position (no "GPS"
	// text to find), with the IPTC resource's size running past the end.
	psd := irb(res{0x0404, []byte("\x1c\x02\x78\x00\x05hello")}, res{0x0422, tiffOf(exif)})
	brokenPSD := bytes.Clone(psd)
	binary.BigEndian.PutUint32(brokenPSD[len("Photoshop 3.0\x00")+8:], 0x7FFF0000)
	return []damagedJPEG{
		// The last 40 bytes of the EXIF block (the GPS values) are left
		// where the next marker should be.
		{"APP1 length too short", build(rawSegment(0xE1, len(exif)+2-40, exif), nil), clean, true},
		// The APP1 swallows the COM segment's header and the start of its
		// text; the rest of the text is left where a marker should be.
		{"APP1 length too long", build(cat(rawSegment(0xE1, len(exif)+2+12, exif), seg(0xFE, comment)), nil), clean, true},
		// An EXIF block without GPS whose length swallows most of the XMP
		// segment after it: the position is then in the EXIF segment,
		// after the TIFF structure, where no EXIF reader looks.
		{"APP1 length too long, swallowing XMP", build(cat(rawSegment(0xE1, len(noGPS)+2+4+len(xmpGPS)-12, noGPS), seg(0xE1, xmpGPS)), nil), clean, true},
		{"junk after APP1", build(cat(seg(0xE1, exif), []byte("\x12\x34junk")), nil), clean, true},
		{"junk between DQT and SOF", build(seg(0xE1, exif), []byte("junk\x00\x01")), clean, true},
		{"FF 00 between header segments", build(cat(seg(0xE1, exif), []byte{0xFF, 0x00}, seg(0xE1, xmpGPS)), []byte{0xFF, 0x00}), clean, true},
		{"Photoshop APP13 with a damaged resource", build(cat(seg(0xE1, noGPS), seg(0xED, brokenPSD)), nil), clean, true},
		{"Photoshop APP13 length too short", build(cat(seg(0xE1, noGPS), rawSegment(0xED, len(psd)+2-20, psd)), nil), clean, true},
		{"fill bytes before markers", build(cat([]byte{0xFF, 0xFF}, seg(0xE1, exif), []byte{0xFF, 0xFF}), []byte{0xFF, 0xFF, 0xFF}), clean, true},
		{"stray RST between segments", build(cat(seg(0xE1, exif), []byte{0xFF, 0xD3}), nil), clean, true},
		// Damage libjpeg skips silently and image/jpeg and codecs/jpeg
		// refuse: a length below 2 (libjpeg reads the length field alone)
		// and a TEM marker (no parameters).
		{"APP1 length 0", build(cat(rawSegment(0xE1, 0, nil), seg(0xE1, exif)), nil), clean, false},
		{"TEM between segments", build(cat(seg(0xE1, exif), []byte{0xFF, 0x01}), nil), clean, false},
	}
}

// hasGPS reports whether b holds fullEXIF's position: its GPS IFD's
// values, or XMP GPS properties.
func hasGPS(b []byte) bool {
	return bytes.Contains(b, gpsSeconds()) || bytes.Contains(b, []byte("GPSLatitude"))
}

// gpsSeconds is the EXIF rational (little-endian) of the seconds of
// fullEXIF's latitude: bytes found only in its GPS IFD's values.
func gpsSeconds() []byte {
	const den = 10000
	s := uint32(uint64(math.Round(fullEXIF.GPS.Lat*3600*den)) % (60 * den))
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, s), den)
}

// strictJPEG walks b allowing no damage at all: SOI, then marker segments
// each right after the one before (no fill bytes, no extraneous bytes),
// up to the first SOS. It returns those segments and the bytes from SOS to
// the end, or ok false.
func strictJPEG(b []byte) (segs [][]byte, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, nil, false
	}
	for pos := 2; ; {
		if pos+4 > len(b) || b[pos] != 0xFF {
			return nil, nil, false
		}
		if b[pos+1] == 0xDA {
			return segs, b[pos:], true
		}
		n := int(binary.BigEndian.Uint16(b[pos+2:]))
		if n < 2 || pos+2+n > len(b) {
			return nil, nil, false
		}
		segs = append(segs, b[pos:pos+2+n])
		pos += 2 + n
	}
}

// codedImage returns what b's image is made of: its segments before SOS
// that are not APPn or COM, and everything from SOS to the end. ok is
// false when b is not strictly well formed.
func codedImage(b []byte) ([]byte, bool) {
	segs, rest, ok := strictJPEG(b)
	if !ok {
		return nil, false
	}
	var out []byte
	for _, s := range segs {
		if m := s[1]; m >= 0xE0 && m <= 0xEF || m == 0xFE {
			continue
		}
		out = append(out, s...)
	}
	return append(out, rest...), true
}

// headerText returns b up to its first SOS, for searching metadata.
func headerText(b []byte) []byte {
	if i := bytes.Index(b, []byte{0xFF, 0xDA}); i >= 0 {
		return b[:i]
	}
	return b
}
