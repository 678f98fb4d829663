package metadata

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

const (
	// maxICC bounds an ICC profile read from an image.
	maxICC = 4 << 20
	// maxMeta bounds decompressed or decoded metadata (PNG text chunks,
	// raw profiles).
	maxMeta = 4 << 20
)

// iccDescription returns the text of the profile description tag ('desc'):
// the ASCII part of a v2 textDescriptionType or the records of a v4
// multiLocalizedUnicodeType (every record). It returns nil when icc is not
// a profile or the tag cannot be read.
func iccDescription(icc []byte) []string {
	if len(icc) < 132 || string(icc[36:40]) != "acsp" {
		return nil
	}
	n := uint64(binary.BigEndian.Uint32(icc[128:]))
	if 132+12*n > uint64(len(icc)) {
		return nil
	}
	for i := range int(n) {
		e := icc[132+12*i:]
		if string(e[:4]) != "desc" {
			continue
		}
		off, size := uint64(binary.BigEndian.Uint32(e[4:])), uint64(binary.BigEndian.Uint32(e[8:]))
		if off+size > uint64(len(icc)) || size < 12 {
			return nil
		}
		tag := icc[off : off+size]
		switch string(tag[:4]) {
		case "desc":
			count := uint64(binary.BigEndian.Uint32(tag[8:]))
			if 12+count > uint64(len(tag)) {
				return nil
			}
			return []string{strings.TrimRight(string(tag[12:12+count]), "\x00")}
		case "mluc":
			if len(tag) < 16 {
				return nil
			}
			records := uint64(binary.BigEndian.Uint32(tag[8:]))
			recSize := uint64(binary.BigEndian.Uint32(tag[12:]))
			if recSize < 12 || recSize > uint64(len(tag)) || records > (uint64(len(tag))-16)/recSize {
				return nil
			}
			var texts []string
			for r := range records {
				rec := tag[16+r*recSize:]
				l, o := uint64(binary.BigEndian.Uint32(rec[4:])), uint64(binary.BigEndian.Uint32(rec[8:]))
				if o+l > uint64(len(tag)) {
					continue
				}
				s := tag[o : o+l]
				u := make([]uint16, len(s)/2)
				for k := range u {
					u[k] = binary.BigEndian.Uint16(s[2*k:])
				}
				texts = append(texts, strings.TrimRight(string(utf16.Decode(u)), "\x00"))
			}
			return texts
		}
		return nil
	}
	return nil
}

// isSRGB implements IsSRGB: an RGB profile whose description names sRGB
// (and not a linear variant of it).
func isSRGB(icc []byte) (srgb bool) {
	defer func() {
		if recover() != nil {
			srgb = false
		}
	}()
	if len(icc) < 132 || string(icc[16:20]) != "RGB " {
		return false
	}
	for _, d := range iccDescription(icc) {
		d = strings.ToLower(d)
		if strings.Contains(d, "srgb") && !strings.Contains(d, "linear") {
			return true
		}
	}
	return false
}

// hasGPSText reports whether an XMP packet (or any metadata text) mentions
// GPS, case-insensitively: exif:GPSLatitude and friends, but also vendor
// properties such as drone-dji:GpsLatitude. A packet that merely mentions
// the word is dropped too; that is the safe side.
func hasGPSText(b []byte) bool {
	for i := 0; i+3 <= len(b); i++ {
		if b[i]|0x20 == 'g' && b[i+1]|0x20 == 'p' && b[i+2]|0x20 == 's' {
			return true
		}
	}
	return false
}
