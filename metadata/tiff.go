package metadata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// The TIFF structure inside EXIF: a header ("II" or "MM", 42, the offset of
// IFD0) and image file directories, each a 2-byte entry count, 12-byte
// entries (tag, type, count, value or offset) and a 4-byte offset of the
// next IFD. All offsets are relative to the header.

const (
	tagSubIFD      = 0x014a
	tagOrientation = 0x0112
	tagExifIFD     = 0x8769
	tagGPSIFD      = 0x8825
	tagInteropIFD  = 0xa005
	tagXMP         = 0x02bc // XMP packet inside TIFF
	tagPhotoshop   = 0x8649 // Photoshop image resources inside TIFF

	// maxIFDs bounds the directories visited in one EXIF block. Real files
	// have IFD0, IFD1, the Exif, GPS and interoperability IFDs and rarely a
	// few SubIFDs.
	maxIFDs = 64
)

// exifHeader starts a JPEG APP1 EXIF payload; PNG eXIf and WebP EXIF chunks
// should start with the TIFF header directly, but some writers add it.
var exifHeader = []byte("Exif\x00\x00")

// isEXIF reports whether p starts with an EXIF header: "Exif\0" and a pad
// byte that readers (exiftool, imagemeta) do not check, usually 0.
func isEXIF(p []byte) bool {
	return len(p) >= 6 && string(p[:5]) == "Exif\x00"
}

// tiffTypeSize is the size in bytes of one value of each TIFF field type
// (13 is IFD, a LONG offset); unknown types are 0.
var tiffTypeSize = [...]uint64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

func typeSize(typ uint16) uint64 {
	if int(typ) < len(tiffTypeSize) {
		return tiffTypeSize[typ]
	}
	return 0
}

var errNotTIFF = errors.New("no TIFF header (II*\\0 or MM\\0*)")

// tiffBlock is a TIFF structure held in memory.
type tiffBlock struct {
	b  []byte
	bo binary.ByteOrder
}

// ifd locates one image file directory: the entry count at off, entries
// from off+2 to entriesEnd, and tableEnd past the next-IFD offset (equal to
// entriesEnd when the block ends right after the entries).
type ifd struct {
	off, n, entriesEnd, tableEnd int
}

func parseTIFF(b []byte) (tiffBlock, uint32, error) {
	if len(b) < 8 {
		return tiffBlock{}, 0, errNotTIFF
	}
	var t tiffBlock
	switch string(b[:2]) {
	case "II":
		t.bo = binary.LittleEndian
	case "MM":
		t.bo = binary.BigEndian
	default:
		return tiffBlock{}, 0, errNotTIFF
	}
	if t.bo.Uint16(b[2:]) != 42 {
		return tiffBlock{}, 0, errNotTIFF
	}
	t.b = b
	return t, t.bo.Uint32(b[4:]), nil
}

// readIFD reads the directory at off. ok is false when the directory starts
// past the end (a dangling pointer no reader can follow); an error means it
// starts inside the block but its entries run past the end.
func (t tiffBlock) readIFD(off uint32) (d ifd, ok bool, err error) {
	if uint64(off)+2 > uint64(len(t.b)) {
		return ifd{}, false, nil
	}
	o := int(off)
	n := int(t.bo.Uint16(t.b[o:]))
	end := o + 2 + 12*n
	if end > len(t.b) {
		return ifd{}, false, fmt.Errorf("IFD at offset %d: %d entries run past the end of the %d-byte EXIF block", o, n, len(t.b))
	}
	d = ifd{off: o, n: n, entriesEnd: end, tableEnd: end}
	if end+4 <= len(t.b) {
		d.tableEnd = end + 4
	}
	return d, true, nil
}

// next returns the offset of the directory following d, or 0.
func (t tiffBlock) next(d ifd) uint32 {
	if d.tableEnd == d.entriesEnd {
		return 0
	}
	return t.bo.Uint32(t.b[d.entriesEnd:])
}

// entry returns the fields of entry i of d and the offset of its 4-byte
// value field.
func (t tiffBlock) entry(d ifd, i int) (tag, typ uint16, count uint32, valueAt int) {
	e := d.off + 2 + 12*i
	return t.bo.Uint16(t.b[e:]), t.bo.Uint16(t.b[e+2:]), t.bo.Uint32(t.b[e+4:]), e + 8
}

// pointers returns the IFD offsets held by a pointer entry: LONG or IFD
// values, inline when there is one, else in an array (SubIFDs). An entry of
// another type points nowhere. More than maxIFDs offsets is an error.
func (t tiffBlock) pointers(typ uint16, count uint32, valueAt int) ([]uint32, error) {
	if typ != 4 && typ != 13 || count == 0 {
		return nil, nil
	}
	if count == 1 {
		return []uint32{t.bo.Uint32(t.b[valueAt:])}, nil
	}
	if count > maxIFDs {
		return nil, fmt.Errorf("pointer entry with %d IFD offsets", count)
	}
	at := uint64(t.bo.Uint32(t.b[valueAt:]))
	if at+4*uint64(count) > uint64(len(t.b)) {
		return nil, nil // out of the block: unreadable
	}
	ps := make([]uint32, count)
	for i := range ps {
		ps[i] = t.bo.Uint32(t.b[int(at)+4*i:])
	}
	return ps, nil
}

// gpsRef is an entry to remove from the directory dir: a GPS IFD pointer
// (the directories it points to are zeroed), or an embedded XMP packet or
// Photoshop resource block that mentions GPS (its value range is zeroed).
type gpsRef struct {
	dir     int // index into tiffScan.dirs
	index   int
	targets []uint32
	value   [2]int // out-of-line value to zero; empty when inline
}

type tiffScan struct {
	dirs []ifd
	gps  []gpsRef
}

// scan visits every directory an EXIF reader may visit: the chain IFD0,
// IFD1 (the thumbnail), …, and the directories the Exif, interoperability
// and SubIFD pointers of any visited directory lead to. It records the GPS
// pointers found, without following them. A directory referenced twice (an
// IFD loop) is an error, and so is one whose entries run past the end; a
// pointer past the end of the block is ignored, as no reader can follow it.
// A pointer tag appearing twice is an error too.
func (t tiffBlock) scan(ifd0 uint32) (tiffScan, error) {
	type ref struct {
		off   uint32
		chain bool // in the IFD0, IFD1, … chain
	}
	var s tiffScan
	seen := map[uint32]bool{}
	pointerTags := map[uint16]bool{}
	queue := []ref{{ifd0, true}}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		if seen[r.off] {
			return s, fmt.Errorf("IFD at offset %d is referenced twice (an IFD loop)", r.off)
		}
		seen[r.off] = true
		d, ok, err := t.readIFD(r.off)
		if err != nil {
			return s, err
		}
		if !ok {
			if r.off == ifd0 {
				return s, fmt.Errorf("IFD0 offset %d is past the end of the %d-byte EXIF block", r.off, len(t.b))
			}
			continue
		}
		if len(s.dirs) == maxIFDs {
			return s, fmt.Errorf("more than %d IFDs", maxIFDs)
		}
		s.dirs = append(s.dirs, d)
		if next := t.next(d); r.chain && next != 0 {
			queue = append(queue, ref{next, true})
		}
		for i := range d.n {
			tag, typ, count, valueAt := t.entry(d, i)
			switch tag {
			case tagGPSIFD, tagExifIFD, tagInteropIFD, tagSubIFD:
				// imagemeta follows one pointer of each kind and
				// reads the entries after a second one misaligned;
				// no valid file has two.
				if pointerTags[tag] {
					return s, fmt.Errorf("IFD pointer tag 0x%04x appears twice", tag)
				}
				pointerTags[tag] = true
			}
			switch tag {
			case tagGPSIFD:
				ps, err := t.pointers(typ, count, valueAt)
				if err != nil {
					return s, err
				}
				s.gps = append(s.gps, gpsRef{dir: len(s.dirs) - 1, index: i, targets: ps})
			case tagXMP, tagPhotoshop:
				v, r := t.value(typ, count, valueAt)
				var has bool
				if tag == tagXMP {
					has = hasGPSText(v)
				} else {
					has = resourcesHaveGPS(v)
				}
				if has {
					s.gps = append(s.gps, gpsRef{dir: len(s.dirs) - 1, index: i, value: r})
				}
			case tagExifIFD, tagInteropIFD, tagSubIFD:
				ps, err := t.pointers(typ, count, valueAt)
				if err != nil {
					return s, err
				}
				for _, p := range ps {
					queue = append(queue, ref{p, false})
				}
			}
		}
	}
	return s, nil
}

// checkTIFF reports the first structural problem of the TIFF block b: what
// scan rejects, GPS directories that cannot be read, entries of unknown
// type and values lying outside the block. Read reports it; StripGPS does
// not need that much.
func checkTIFF(b []byte) error {
	t, ifd0, err := parseTIFF(b)
	if err != nil {
		return err
	}
	s, err := t.scan(ifd0)
	if err != nil {
		return err
	}
	dirs := s.dirs
	for _, g := range s.gps {
		for _, target := range g.targets {
			d, ok, err := t.readIFD(target)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("GPS IFD offset %d is past the end of the %d-byte EXIF block", target, len(t.b))
			}
			dirs = append(dirs, d)
		}
	}
	for _, d := range dirs {
		for i := range d.n {
			tag, typ, count, valueAt := t.entry(d, i)
			size := typeSize(typ) * uint64(count)
			switch {
			case typeSize(typ) == 0:
				return fmt.Errorf("IFD at offset %d: tag 0x%04x has unknown type %d", d.off, tag, typ)
			case size > 4 && uint64(t.bo.Uint32(t.b[valueAt:]))+size > uint64(len(t.b)):
				return fmt.Errorf("IFD at offset %d: tag 0x%04x: %d values of type %d run past the end of the %d-byte EXIF block", d.off, tag, count, typ, len(t.b))
			}
		}
	}
	return nil
}

// value returns the bytes of an entry's value and, when they are out of
// line, their range; a value lying outside the block is empty.
func (t tiffBlock) value(typ uint16, count uint32, valueAt int) ([]byte, [2]int) {
	size := typeSize(typ) * uint64(count)
	if size <= 4 {
		return t.b[valueAt : valueAt+int(size)], [2]int{}
	}
	at := uint64(t.bo.Uint32(t.b[valueAt:]))
	if at+size > uint64(len(t.b)) {
		return nil, [2]int{}
	}
	return t.b[at : at+size], [2]int{int(at), int(at + size)}
}

// gpsRanges returns the byte ranges of the GPS directory at off: its table
// and the values its entries hold out of line, clipped to the block.
func (t tiffBlock) gpsRanges(off uint32) [][2]int {
	if uint64(off)+2 > uint64(len(t.b)) {
		return nil
	}
	o := int(off)
	n := int(t.bo.Uint16(t.b[o:]))
	rs := [][2]int{{o, min(o+2+12*n+4, len(t.b))}}
	for i := range n {
		e := o + 2 + 12*i
		if e+12 > len(t.b) {
			break
		}
		typ, count := t.bo.Uint16(t.b[e+2:]), t.bo.Uint32(t.b[e+4:])
		size := typeSize(typ) * uint64(count)
		if size <= 4 {
			continue
		}
		at := uint64(t.bo.Uint32(t.b[e+8:]))
		if at+size <= uint64(len(t.b)) {
			rs = append(rs, [2]int{int(at), int(at + size)})
		}
	}
	return rs
}

// tiffHasGPS reports whether the TIFF block b links a GPS IFD (or embeds XMP
// or Photoshop resources mentioning GPS).
func tiffHasGPS(b []byte) (bool, error) {
	t, ifd0, err := parseTIFF(b)
	if err != nil {
		return false, err
	}
	s, err := t.scan(ifd0)
	if err != nil {
		return false, err
	}
	return len(s.gps) > 0, nil
}

// stripTIFFGPS returns a copy of the TIFF block b with every GPS IFD pointer
// entry removed from its directory (later entries and the next-IFD offset
// shifted down, the count decremented) and the GPS directories' bytes and
// out-of-line values zeroed; embedded XMP or Photoshop resources mentioning
// GPS are removed and zeroed the same way. found is false, and b is returned, when there
// is no GPS pointer. Structures that cannot be rewritten safely (GPS data
// overlapping a directory that is kept) are errors.
func stripTIFFGPS(b []byte) (out []byte, found bool, err error) {
	t, ifd0, err := parseTIFF(b)
	if err != nil {
		return nil, false, err
	}
	s, err := t.scan(ifd0)
	if err != nil {
		return nil, false, err
	}
	if len(s.gps) == 0 {
		return b, false, nil
	}
	protected := [][2]int{{0, 8}}
	for _, d := range s.dirs {
		protected = append(protected, [2]int{d.off, d.tableEnd})
	}
	var zero [][2]int
	for _, g := range s.gps {
		var ranges [][2]int
		if g.value[1] > g.value[0] {
			ranges = append(ranges, g.value)
		}
		for _, target := range g.targets {
			ranges = append(ranges, t.gpsRanges(target)...)
		}
		for _, r := range ranges {
			for _, p := range protected {
				if r[0] < p[1] && p[0] < r[1] {
					return nil, true, fmt.Errorf("GPS data at %d–%d overlaps a directory at %d–%d", r[0], r[1], p[0], p[1])
				}
			}
			zero = append(zero, r)
		}
	}
	out = bytes.Clone(b)
	for _, r := range zero {
		clear(out[r[0]:r[1]])
	}
	// Remove the pointer entries, the highest index of each directory
	// first so the lower ones stay where they are.
	tail := map[int]int{}
	for gi := len(s.gps) - 1; gi >= 0; gi-- {
		g := s.gps[gi]
		d := s.dirs[g.dir]
		end, ok := tail[g.dir]
		if !ok {
			end = d.tableEnd
		}
		start := d.off + 2 + 12*g.index
		copy(out[start:], out[start+12:end])
		clear(out[end-12 : end])
		tail[g.dir] = end - 12
		n := t.bo.Uint16(out[d.off:])
		t.bo.PutUint16(out[d.off:], n-1)
	}
	if has, err := tiffHasGPS(out); err != nil || has {
		return nil, true, fmt.Errorf("GPS IFD still linked after removal (%v)", err)
	}
	return out, true, nil
}

// orientationTIFF returns a minimal big-endian TIFF block holding only an
// IFD0 with the orientation o.
func orientationTIFF(o int) []byte {
	b := []byte{
		'M', 'M', 0, 42, 0, 0, 0, 8, // header, IFD0 at 8
		0, 1, // one entry
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, // Orientation, SHORT, 1, o
		0, 0, 0, 0, // no IFD1
	}
	return b
}

// splitEXIF returns the TIFF block of an EXIF chunk payload (PNG eXIf, WebP
// EXIF), which may or may not start with "Exif\0\0", and the length of that
// prefix.
func splitEXIF(p []byte) (prefix int, tiff []byte) {
	if isEXIF(p) {
		return len(exifHeader), p[len(exifHeader):]
	}
	return 0, p
}

// stripPayloadGPS applies stripTIFFGPS to an EXIF payload of which the
// first prefix bytes precede the TIFF header.
func stripPayloadGPS(p []byte, prefix int) ([]byte, bool, error) {
	nt, found, err := stripTIFFGPS(p[prefix:])
	if err != nil || !found {
		return p, found, err
	}
	out := make([]byte, 0, len(p))
	out = append(out, p[:prefix]...)
	return append(out, nt...), true, nil
}
