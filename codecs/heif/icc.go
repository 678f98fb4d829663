package heif

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/blobimage/blobimage/codecs"
)

// MaxICC bounds the ICC profile EmbedICC writes: far above any display or
// camera profile (Display P3 is under 1 KiB, large print profiles a few
// MiB), and well inside the 32-bit box sizes of the meta box it joins.
const MaxICC = 64 << 20

// EmbedICC returns data, a HEIF file (HEIC, AVIF) as an encoder writes it,
// with icc as the ICC colour profile of its primary image: a colr property
// of colour type "prof" holding icc, associated with the primary item
// only (not with its alpha plane or other auxiliary images). A nil or
// empty icc returns data unchanged.
//
// The file is rebuilt as Rewrite rebuilds it: the coded data of every item
// is copied byte for byte into one mdat and the item locations are
// recomputed; the other boxes of the meta box, the property boxes and the
// other items' associations are kept as they are. If the primary image
// already has an ICC colr (prof or rICC), that property is replaced (in
// place, unless an item other than the primary and its grid tiles shares
// it, which keeps its own): an item has at most one colr of each colour
// type (ISO/IEC 23008-12, 6.5.5). An nclx colr stays as it is: HEIF and
// AVIF allow an nclx and an ICC colr together (avifenc --icc writes both),
// readers take the matrix and range from nclx and the primaries and
// transfer from the profile (libavif and Chrome, libheif). A new
// association is not essential and goes after the primary's descriptive
// properties, before its first transformative one (clap, irot, imir), as
// HEIF orders them.
//
// icc is written as given. Errors match codecs.ErrCorrupt for a file that
// is not HEIF or is damaged (truncated, no primary item, locations outside
// the file), codecs.ErrUnsupportedFormat for one Rewrite cannot rebuild,
// and codecs.ErrTooLarge for a profile larger than MaxICC.
func EmbedICC(data, icc []byte) ([]byte, error) {
	if len(icc) == 0 {
		return data, nil
	}
	if len(icc) > MaxICC {
		return nil, fmt.Errorf("heif: embed ICC: %w: a profile of %d bytes, more than %d", codecs.ErrTooLarge, len(icc), MaxICC)
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("heif: embed ICC: %w", err)
	}
	out, err := f.withICC(icc)
	if err != nil {
		return nil, fmt.Errorf("heif: embed ICC: %w", err)
	}
	return out, nil
}

// withICC rebuilds f with icc as its primary image's ICC profile.
func (f *File) withICC(icc []byte) ([]byte, error) {
	prof := property{
		box:   box{typ: "colr"},
		value: Colour{Type: "prof", ICC: icc},
		raw:   colrProf(icc),
	}
	// A shallow copy with its own property list and primary item, so
	// that f stays unchanged and safe to share.
	g := *f
	g.props = append([]property(nil), f.props...)
	g.items = make(map[uint32]*item, len(f.items))
	for id, it := range f.items {
		g.items[id] = it
	}
	p := *f.items[f.primary]
	g.items[f.primary] = &p

	// The primary's ICC colr associations: the first is replaced, any
	// other (a file breaking the one-per-type rule) goes.
	var assoc []association
	replaced := false
	for _, a := range f.items[f.primary].assoc {
		if !f.isICC(a.index) {
			assoc = append(assoc, a)
			continue
		}
		if replaced {
			continue
		}
		replaced = true
		if f.ownICC(a.index) {
			g.props[a.index-1] = prof
		} else {
			g.props = append(g.props, prof)
			a.index = len(g.props)
		}
		assoc = append(assoc, a)
	}
	if !replaced {
		g.props = append(g.props, prof)
		at := len(assoc)
		for i, a := range assoc {
			if f.isTransformative(a.index) {
				at = i
				break
			}
		}
		assoc = append(assoc[:at], append([]association{{index: len(g.props)}}, assoc[at:]...)...)
	}
	if len(assoc) > math.MaxUint8 {
		return nil, errUnsupported("item %d: %d property associations", f.primary, len(assoc))
	}
	p.assoc = assoc

	keep := make(map[uint32]bool, len(f.order))
	for _, id := range f.order {
		keep[id] = true
	}
	return g.rebuild(f.primary, keep, nil)
}

// colrProf returns a colr box of colour type prof holding icc.
func colrProf(icc []byte) []byte {
	b := make([]byte, 0, 12+len(icc))
	b = binary.BigEndian.AppendUint32(b, uint32(12+len(icc)))
	b = append(b, "colrprof"...)
	return append(b, icc...)
}

// isICC reports whether property i (1-based) is an ICC colr (prof or
// rICC).
func (f *File) isICC(i int) bool {
	if i == 0 {
		return false
	}
	c, ok := f.props[i-1].value.(Colour)
	return ok && (c.Type == "prof" || c.Type == "rICC")
}

// isTransformative reports whether property i (1-based) transforms the
// image it is associated with.
func (f *File) isTransformative(i int) bool {
	if i == 0 {
		return false
	}
	switch f.props[i-1].box.typ {
	case "clap", "irot", "imir":
		return true
	}
	return false
}

// ownICC reports whether property i is associated only with the primary
// item and the tiles (dimg inputs) of the primary, so that replacing it
// changes the profile of nothing else.
func (f *File) ownICC(i int) bool {
	own := map[uint32]bool{f.primary: true}
	for _, t := range f.refsFrom(f.primary, "dimg") {
		own[t] = true
	}
	for _, id := range f.order {
		if own[id] {
			continue
		}
		for _, a := range f.items[id].assoc {
			if a.index == i {
				return false
			}
		}
	}
	return true
}
