package metadata

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// photoshopHeader starts a JPEG APP13 segment holding Photoshop image
// resources.
var photoshopHeader = []byte("Photoshop 3.0\x00")

// isResourceSignature reports whether s starts an image resource:
// Photoshop's 8BIM, or one of the signatures other writers use (as
// exiftool accepts them).
func isResourceSignature(s []byte) bool {
	switch string(s) {
	case "8BIM", "PHUT", "AgHg", "DCSR", "MeSa", "8B64":
		return true
	}
	return false
}

// resourcesHaveGPS reports whether Photoshop image resources hold GPS or
// cannot be walked (see resourcesGPS): either way a rewrite that removes
// GPS removes them.
func resourcesHaveGPS(b []byte) bool {
	has, err := resourcesGPS(b)
	return has || err != nil
}

// resourcesGPS walks Photoshop image resources (in a JPEG APP13 segment
// after photoshopHeader, a PNG "Raw profile type 8bim" or an EXIF tag
// 0x8649): each a signature, an ID, a padded Pascal name, a size and
// padded data. It reports whether one holds GPS: XMP (resource 0x0424)
// mentioning GPS or that is not XML, EXIF (0x0422, 0x0423) linking a GPS
// IFD or that cannot be walked. Resources that cannot be walked (no
// signature where one should start, a size running past the end) are an
// error; zero bytes after the last resource are padding.
func resourcesGPS(b []byte) (bool, error) {
	for pos := 0; pos < len(b); {
		if b[pos] == 0 && len(bytes.TrimLeft(b[pos:], "\x00")) == 0 {
			return false, nil
		}
		if pos+7 > len(b) || !isResourceSignature(b[pos:pos+4]) {
			return false, fmt.Errorf("no image resource at offset %d", pos)
		}
		id := binary.BigEndian.Uint16(b[pos+4:])
		nameLen := int(b[pos+6])
		p := pos + 6 + (1+nameLen+1)&^1
		if p+4 > len(b) {
			return false, fmt.Errorf("image resource 0x%04X at offset %d is cut short", id, pos)
		}
		n := int(binary.BigEndian.Uint32(b[p:]))
		p += 4
		if n < 0 || n > len(b)-p {
			return false, fmt.Errorf("image resource 0x%04X at offset %d: size %d runs past the end", id, pos, n)
		}
		d := b[p : p+n]
		switch id {
		case 0x0424:
			if hasGPSText(d) || checkXMP(d) != nil {
				return true, nil
			}
		case 0x0422, 0x0423:
			_, tiff := splitEXIF(d)
			if has, err := tiffHasGPS(tiff); has || err != nil {
				return true, nil
			}
		}
		pos = p + n + n&1
	}
	return false, nil
}
