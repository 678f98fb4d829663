package metadata_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/metadata"
)

// bmffBox returns an ISO-BMFF box.
func bmffBox(typ string, payload ...[]byte) []byte {
	n := 8
	for _, p := range payload {
		n += len(p)
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(n))
	out = append(out, typ...)
	for _, p := range payload {
		out = append(out, p...)
	}
	return out
}

// sharedExtentsHEIF returns a HEIC of items mime items (XMP) whose
// locations each name the whole file extents times over (iloc fields of
// size 0: no offset, and a length of 0 runs to the end): a few bytes of
// iloc per item, each worth the whole file when copied.
func sharedExtentsHEIF(items, extents int) []byte {
	ftyp := bmffBox("ftyp", []byte("heic\x00\x00\x00\x00mif1heic"))
	hdlr := bmffBox("hdlr", make([]byte, 8), []byte("pict"), make([]byte, 12), []byte{0})
	pitm := bmffBox("pitm", []byte{0, 0, 0, 0, 0, 1})
	var infes []byte
	for i := 1; i <= items; i++ {
		p := binary.BigEndian.AppendUint16([]byte{2, 0, 0, 0}, uint16(i))
		p = append(p, 0, 0)
		if i == 1 {
			p = append(p, "hvc1\x00"...)
		} else {
			p = append(p, "mime\x00application/rdf+xml\x00"...)
		}
		infes = append(infes, bmffBox("infe", p)...)
	}
	iinf := bmffBox("iinf", []byte{0, 0, 0, 0}, binary.BigEndian.AppendUint16(nil, uint16(items)), infes)
	il := binary.BigEndian.AppendUint16([]byte{1, 0, 0, 0, 0, 0}, uint16(items))
	for i := 1; i <= items; i++ {
		il = binary.BigEndian.AppendUint16(il, uint16(i))
		il = append(il, 0, 0, 0, 0) // construction method 0, this file
		il = binary.BigEndian.AppendUint16(il, uint16(extents))
	}
	meta := bmffBox("meta", []byte{0, 0, 0, 0}, hdlr, pitm, iinf, bmffBox("iloc", il))
	out := append(ftyp, meta...)
	return append(out, bmffBox("mdat", make([]byte, 64<<10))...)
}

// TestHEIFItemsSharingBytes checks that a file whose items name the same
// bytes over and over is refused before any copy: 16000 items of four
// whole-file extents would be 64000 copies of its 0.8 MB, 50 GB, if its
// XMP items were read or the file rebuilt.
func TestHEIFItemsSharingBytes(t *testing.T) {
	data := sharedExtentsHEIF(16000, 4)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := metadata.Parse(codecs.HEIC, data)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, codecs.ErrCorrupt) {
		t.Fatalf("Parse: %v, want ErrCorrupt", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("Parse allocated %d MB for a %d KB file", alloc>>20, len(data)>>10)
	}
	for name, op := range map[string]func() ([]byte, error){
		"Trim":     func() ([]byte, error) { return metadata.Trim(codecs.HEIC, data) },
		"StripGPS": func() ([]byte, error) { return metadata.StripGPS(codecs.HEIC, data) },
		"StripAll": func() ([]byte, error) { return metadata.StripAll(codecs.HEIC, data, 1) },
	} {
		if _, err := op(); !errors.Is(err, codecs.ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}

	// One whole-file extent per item, and an item of its own for the
	// rest: the items add up to the file, and every byte of it is
	// referred to, so Trim returns it as it is.
	small := sharedExtentsHEIF(1, 1)
	out, err := metadata.Trim(codecs.HEIC, small)
	if err != nil || !sameSlice(out, small) {
		t.Errorf("Trim of a file of one whole-file item: %d of %d bytes, %v; want the input itself", len(out), len(small), err)
	}
	// With bytes appended that are no box, the file must be rebuilt, and
	// the rebuilt file would hold the item's data, the whole file, after
	// a new meta box: longer than the input, which Trim refuses.
	tail := append(bytes.Clone(small), "tail"...)
	if out, err := metadata.Trim(codecs.HEIC, tail); !errors.Is(err, codecs.ErrUnsupportedFormat) {
		t.Errorf("Trim, an item holding the boxes: %d of %d bytes, %v; want ErrUnsupportedFormat", len(out), len(tail), err)
	}
}
