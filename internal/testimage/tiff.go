package testimage

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// TIFF field types (TIFF 6.0, section 2).
const (
	tiffByte      = 1
	tiffASCII     = 2
	tiffShort     = 3
	tiffLong      = 4
	tiffRational  = 5
	tiffUndefined = 7
)

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// tiffEntry is one IFD entry. data holds the value already encoded in the
// file's byte order; count is the number of values of type typ in it.
type tiffEntry struct {
	tag   uint16
	typ   uint16
	count uint32
	data  []byte
}

// tiffIFD builds the entries of one IFD in a given byte order.
type tiffIFD struct {
	order   byteOrder
	entries []tiffEntry
}

func (d *tiffIFD) add(tag, typ uint16, count uint32, data []byte) {
	d.entries = append(d.entries, tiffEntry{tag, typ, count, data})
}

// ascii adds a NUL-terminated ASCII value; the count includes the NUL.
func (d *tiffIFD) ascii(tag uint16, s string) {
	b := append([]byte(s), 0)
	d.add(tag, tiffASCII, uint32(len(b)), b)
}

func (d *tiffIFD) short(tag uint16, v uint16) {
	d.add(tag, tiffShort, 1, d.order.AppendUint16(nil, v))
}

func (d *tiffIFD) long(tag uint16, v uint32) {
	d.add(tag, tiffLong, 1, d.order.AppendUint32(nil, v))
}

// rational adds RATIONAL values, each a {numerator, denominator} pair.
func (d *tiffIFD) rational(tag uint16, rs ...[2]uint32) {
	var b []byte
	for _, r := range rs {
		b = d.order.AppendUint32(b, r[0])
		b = d.order.AppendUint32(b, r[1])
	}
	d.add(tag, tiffRational, uint32(len(rs)), b)
}

func (d *tiffIFD) bytes(tag, typ uint16, b []byte) {
	d.add(tag, typ, uint32(len(b)), b)
}

// size is the number of bytes the IFD takes when encoded: the entry count,
// the 12-byte entries, the next-IFD offset, then every value longer than
// four bytes, each padded to an even length so the next starts on a word
// boundary.
func (d *tiffIFD) size() uint32 {
	n := 2 + 12*uint32(len(d.entries)) + 4
	for _, e := range d.entries {
		if len(e.data) > 4 {
			n += uint32(len(e.data)+1) &^ 1
		}
	}
	return n
}

// appendTo encodes the IFD at offset off (relative to the start of the
// TIFF header) onto buf, with its entries sorted by tag, its long values
// right after it and a next-IFD offset of 0.
func (d *tiffIFD) appendTo(buf []byte, off uint32) []byte {
	entries := slices.Clone(d.entries)
	slices.SortFunc(entries, func(a, b tiffEntry) int { return int(a.tag) - int(b.tag) })

	valueOff := off + 2 + 12*uint32(len(entries)) + 4
	var values []byte
	buf = d.order.AppendUint16(buf, uint16(len(entries)))
	for _, e := range entries {
		buf = d.order.AppendUint16(buf, e.tag)
		buf = d.order.AppendUint16(buf, e.typ)
		buf = d.order.AppendUint32(buf, e.count)
		if len(e.data) <= 4 {
			// Inline values are left-justified in the 4-byte field.
			var field [4]byte
			copy(field[:], e.data)
			buf = append(buf, field[:]...)
			continue
		}
		buf = d.order.AppendUint32(buf, valueOff+uint32(len(values)))
		values = append(values, e.data...)
		if len(values)%2 != 0 {
			values = append(values, 0)
		}
	}
	buf = d.order.AppendUint32(buf, 0) // no next IFD
	return append(buf, values...)
}

// dms splits an absolute coordinate in decimal degrees into the three
// RATIONALs of GPSLatitude/GPSLongitude: whole degrees, whole minutes and
// seconds to 1/10000.
func dms(deg float64) [3][2]uint32 {
	const secDen = 10000
	// Work in units of 1/10000 s so rounding cannot yield 60 seconds.
	total := uint64(math.Round(math.Abs(deg) * 3600 * secDen))
	d := total / (3600 * secDen)
	m := total / (60 * secDen) % 60
	s := total % (60 * secDen)
	return [3][2]uint32{{uint32(d), 1}, {uint32(m), 1}, {uint32(s), secDen}}
}

// setLong sets the value of the LONG entry tag (which must exist).
func (d *tiffIFD) setLong(tag uint16, v uint32) {
	for i := range d.entries {
		if d.entries[i].tag == tag {
			d.entries[i].data = d.order.AppendUint32(nil, v)
			return
		}
	}
	panic(fmt.Sprintf("testimage: no IFD entry %#04x", tag))
}
