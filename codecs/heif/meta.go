package heif

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
)

// MetadataItem is an Exif or XMP (or other MIME) item of the file.
type MetadataItem struct {
	// ID is the item's ID.
	ID uint32
	// Type is "Exif" or "mime".
	Type string
	// ContentType is a mime item's content type, e.g.
	// "application/rdf+xml" for XMP.
	ContentType string
	// TIFFOffset, for an Exif item, is where the TIFF header starts in
	// Data: after the 4-byte exif_tiff_header_offset field and the bytes
	// it skips; -1 when Data holds no TIFF header there.
	TIFFOffset int
	// Data is the item's payload as stored (for Exif, with its 4-byte
	// offset field; for a mime item with a content encoding, still
	// encoded).
	Data []byte
	// Describes lists the items this one describes (cdsc references).
	Describes []uint32
}

// MetadataItems returns the file's Exif and mime items, in iinf order.
// Items whose data cannot be located are left out.
func (f *File) MetadataItems() []MetadataItem {
	var out []MetadataItem
	for _, id := range f.order {
		it := f.items[id]
		if it.Type != "Exif" && it.Type != "mime" {
			continue
		}
		data, err := f.itemData(it)
		if err != nil {
			continue
		}
		m := MetadataItem{ID: id, Type: it.Type, ContentType: it.ContentType, Data: data,
			TIFFOffset: -1, Describes: f.refsFrom(id, "cdsc")}
		if it.Type == "Exif" {
			m.TIFFOffset = tiffOffset(data)
		}
		out = append(out, m)
	}
	return out
}

// tiffOffset returns where the TIFF header of an Exif item's payload
// starts, or -1. The payload opens with a 32-bit count of bytes to skip
// before the header; writers that put "Exif\0\0" there without counting
// it are tolerated.
func tiffOffset(data []byte) int {
	if len(data) < 4 {
		return -1
	}
	skip := uint64(binary.BigEndian.Uint32(data))
	if at := 4 + skip; at+8 <= uint64(len(data)) && isTIFF(data[at:]) {
		return int(at)
	}
	if len(data) >= 18 && string(data[4:10]) == "Exif\x00\x00" && isTIFF(data[10:]) {
		return 10
	}
	return -1
}

func isTIFF(b []byte) bool {
	return len(b) >= 8 && (string(b[:4]) == "II*\x00" || string(b[:4]) == "MM\x00*")
}

// describes reports whether metadata item m describes the primary image:
// a cdsc reference to it, or to a grid tile or alpha plane of it.
func (f *File) describesPrimary(m MetadataItem) bool {
	for _, to := range m.Describes {
		if to == f.primary {
			return true
		}
	}
	return false
}

// Exif returns the TIFF-structured Exif data of the primary image: the
// payload of the Exif item that describes it (a cdsc reference), else of
// the first Exif item, from its TIFF header on. It returns nil, nil when
// the file has no Exif item.
func (f *File) Exif() ([]byte, error) {
	var first *MetadataItem
	items := f.MetadataItems()
	for i, m := range items {
		if m.Type != "Exif" {
			continue
		}
		if f.describesPrimary(m) {
			first = &items[i]
			break
		}
		if first == nil {
			first = &items[i]
		}
	}
	if first == nil {
		return nil, nil
	}
	if first.TIFFOffset < 0 {
		return nil, fmt.Errorf("heif: Exif item %d: %w", first.ID, errCorrupt("no TIFF header"))
	}
	return first.Data[first.TIFFOffset:], nil
}

// maxXMP bounds a decompressed XMP packet.
const maxXMP = 16 << 20

// XMP returns the XMP packet of the primary image: the mime item of
// content type application/rdf+xml that describes it, else the first
// one, decompressed when its content encoding is "deflate". It returns
// nil, nil when the file has none.
func (f *File) XMP() ([]byte, error) {
	var pick *MetadataItem
	items := f.MetadataItems()
	for i, m := range items {
		if m.Type != "mime" || m.ContentType != "application/rdf+xml" {
			continue
		}
		if f.describesPrimary(m) {
			pick = &items[i]
			break
		}
		if pick == nil {
			pick = &items[i]
		}
	}
	if pick == nil {
		return nil, nil
	}
	switch enc := f.items[pick.ID].ContentEncoding; enc {
	case "":
		return pick.Data, nil
	case "deflate":
		zr, err := zlib.NewReader(bytes.NewReader(pick.Data))
		if err != nil {
			return nil, fmt.Errorf("heif: XMP item %d: %w", pick.ID, errCorrupt("%v", err))
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxXMP+1))
		if err != nil {
			return nil, fmt.Errorf("heif: XMP item %d: %w", pick.ID, errCorrupt("%v", err))
		}
		if len(out) > maxXMP {
			return nil, fmt.Errorf("heif: XMP item %d: %w", pick.ID, errCorrupt("more than %d bytes", maxXMP))
		}
		return out, nil
	default:
		return nil, fmt.Errorf("heif: XMP item %d: %w", pick.ID, errUnsupported("content encoding %q", enc))
	}
}
