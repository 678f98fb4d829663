package metadata

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/heif"
)

// trim returns the file unchanged when it holds nothing that Rewrite
// would leave out, and otherwise the file rebuilt by Rewrite with nothing
// replaced or dropped: without the bytes no box or item refers to.
//
// A trimmed file is never longer than the untrimmed one: the rebuilt file
// is refused when it would be, which happens when items refer to bytes of
// the boxes themselves (ftyp, meta), or, by a few bytes, when little is
// left out of a file whose meta box is more compact than Rewrite's.
func (h *heifFile) trim() ([]byte, error) {
	if heifTight(h.data, h.f) {
		return h.data, nil
	}
	out, err := h.rewrite(nil, nil)
	if err != nil {
		return nil, err
	}
	if len(out) > len(h.data) {
		return nil, fmt.Errorf("metadata: %w: heif: trimming would grow the file from %d to %d bytes: items refer to the bytes of its boxes", codecs.ErrUnsupportedFormat, len(h.data), len(out))
	}
	return out, nil
}

// rewrite is the file's Rewrite. Parse has checked that the items' data
// add up to no more than the file, so the rebuilt file cannot be much
// larger than the parsed one.
func (h *heifFile) rewrite(replace map[uint32][]byte, drop map[uint32]bool) ([]byte, error) {
	out, err := h.f.Rewrite(replace, drop)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	return out, nil
}

// checkItemBytes refuses a file whose items' data add up to more bytes
// than the file holds: items sharing bytes, which is no use to an image,
// and which every copy of the items' data (the metadata items read, a
// rebuild) would multiply: 16384 items each naming the whole file, four
// times over, make 64 Ki copies of it.
func checkItemBytes(data []byte, f *heif.File) error {
	lay, ok := readHEIFLayout(data, f)
	if !ok {
		return fmt.Errorf("metadata: %w: heif: item locations that cannot be read", codecs.ErrCorrupt)
	}
	var total uint64
	for _, s := range lay.spans {
		total += s.end - s.start
	}
	if total > uint64(len(data)) {
		return fmt.Errorf("metadata: %w: heif: the items' data add up to %d bytes, more than the file's %d", codecs.ErrCorrupt, total, len(data))
	}
	return nil
}

// heifLayout is where the boxes codecs/heif read lie in a file, and the
// extents of its items.
type heifLayout struct {
	top      []bmffBox // the top-level boxes, up to a malformed one
	topExact bool      // top tiles the whole file
	meta     bmffBox
	kids     []bmffBox // the meta box's children
	// spans are the extents of the items iinf declares that lie in this
	// file (construction method 0, or 1 inside idat) and inside their
	// source, as file offsets. Items in other files and items built from
	// other items have none.
	spans []span
	// ilocExact reports that iloc holds exactly its entries, all about
	// declared items, each extent inside its source.
	ilocExact bool
	idat      bmffBox // zero when there is none
}

// readHEIFLayout reads the boxes of data that f was parsed from. It
// reports false when they are not as codecs/heif found them, which does
// not happen: Parse checked them.
func readHEIFLayout(data []byte, f *heif.File) (heifLayout, bool) {
	var lay heifLayout
	lay.top, lay.topExact = bmffBoxesUpTo(data, 0, len(data))
	for _, b := range lay.top {
		if b.typ == "meta" {
			lay.meta = b
			break
		}
	}
	if lay.meta.typ == "" || lay.meta.end-lay.meta.body < 4 {
		return lay, false
	}
	var ok bool
	if lay.kids, ok = bmffBoxes(data, lay.meta.body+4, lay.meta.end); !ok {
		return lay, false
	}
	var iloc bmffBox
	for _, k := range lay.kids {
		switch k.typ {
		case "iloc":
			iloc = k
		case "idat":
			lay.idat = k
		}
	}
	declared := map[uint32]bool{}
	for _, it := range f.Items() {
		declared[it.ID] = true
	}
	lay.spans, lay.ilocExact, ok = ilocSpans(data, iloc, lay.idat, declared)
	return lay, ok
}

// heifTight reports whether every byte of data is one that Rewrite keeps:
// the boxes tile the file to its last byte and are ftyp, one meta and
// mdat boxes; the meta box holds no free or skip box; iinf holds only
// infe boxes, iprp only ipco and ipma, and every property is associated
// with an item; pitm, iloc, iref and ipma hold exactly what they declare,
// about items iinf declares; and the extents of the items cover every
// byte of every mdat and idat payload.
//
// It reads the few boxes involved (a camera file's meta box is a few KB),
// and answers false on anything it does not expect, so that a file it
// cannot vouch for goes through Rewrite: it can only cost a rebuild,
// never keep a byte Rewrite would leave out.
func heifTight(data []byte, f *heif.File) bool {
	lay, ok := readHEIFLayout(data, f)
	if !ok || !lay.topExact || !lay.ilocExact || len(lay.top) == 0 || lay.top[0].typ != "ftyp" {
		return false
	}
	var payloads []bmffBox // the mdat and idat boxes, whose payloads items must cover
	metas := 0
	for _, b := range lay.top[1:] {
		switch b.typ {
		case "meta":
			metas++
		case "mdat":
			payloads = append(payloads, b)
		default:
			return false
		}
	}
	if metas != 1 {
		return false
	}
	if lay.idat.typ != "" {
		payloads = append(payloads, lay.idat)
	}
	declared := map[uint32]bool{}
	for _, it := range f.Items() {
		declared[it.ID] = true
	}
	for _, k := range lay.kids {
		ok := true
		switch k.typ {
		case "free", "skip":
			ok = false
		case "pitm":
			ok = pitmExact(data[k.body:k.end])
		case "iinf":
			ok = iinfOnlyInfe(data, k)
		case "iref":
			ok = irefExact(data, k, declared)
		case "iprp":
			ok = iprpAllUsed(data, k, declared)
		}
		if !ok {
			return false
		}
	}
	return covered(lay.spans, payloads)
}

// bmffBox is one ISO-BMFF box: its type and where its header, payload
// and end lie in the file.
type bmffBox struct {
	typ              string
	start, body, end int
}

// bmffBoxes splits data[start:end] into boxes, reporting false unless
// they tile it exactly.
func bmffBoxes(data []byte, start, end int) ([]bmffBox, bool) {
	out, exact := bmffBoxesUpTo(data, start, end)
	return out, exact
}

// bmffBoxesUpTo splits data[start:end] into boxes, up to the first that
// is malformed (runs past end) or the 65536th, as codecs/heif reads them,
// and reports whether they tile it exactly. A size of 0 runs to end; 1
// means a 64-bit size follows.
func bmffBoxesUpTo(data []byte, start, end int) ([]bmffBox, bool) {
	var out []bmffBox
	for off := start; off < end; {
		if end-off < 8 || len(out) >= 1<<16 {
			return out, false
		}
		size := uint64(binary.BigEndian.Uint32(data[off:]))
		typ := string(data[off+4 : off+8])
		body := off + 8
		switch size {
		case 0:
			size = uint64(end - off)
		case 1:
			if end-off < 16 {
				return out, false
			}
			size = binary.BigEndian.Uint64(data[off+8:])
			body = off + 16
		}
		if typ == "uuid" {
			body += 16
		}
		if size < uint64(body-off) || size > uint64(end-off) {
			return out, false
		}
		out = append(out, bmffBox{typ: typ, start: off, body: body, end: off + int(size)})
		off += int(size)
	}
	return out, true
}

// boxReader reads big-endian fields from a box payload; a read past the
// end sets bad and returns 0.
type boxReader struct {
	b   []byte
	off int
	bad bool
}

func (r *boxReader) n(size int) uint64 {
	if r.bad || size < 0 || len(r.b)-r.off < size {
		r.bad = true
		return 0
	}
	var v uint64
	for _, c := range r.b[r.off : r.off+size] {
		v = v<<8 | uint64(c)
	}
	r.off += size
	return v
}

// id reads an item ID of 2 or 4 bytes.
func (r *boxReader) id(wide bool) uint32 {
	if wide {
		return uint32(r.n(4))
	}
	return uint32(r.n(2))
}

// done reports whether every byte was read, and no read failed.
func (r *boxReader) done() bool { return !r.bad && r.off == len(r.b) }

// pitmExact reports whether a pitm payload holds exactly its item ID.
func pitmExact(p []byte) bool {
	r := boxReader{b: p}
	v := r.n(1)
	r.n(3)
	r.id(v != 0)
	return r.done()
}

// iinfOnlyInfe reports whether iinf holds nothing but infe boxes.
func iinfOnlyInfe(data []byte, b bmffBox) bool {
	r := boxReader{b: data[b.body:b.end]}
	v := r.n(1)
	r.n(3)
	if v == 0 {
		r.n(2)
	} else {
		r.n(4)
	}
	if r.bad {
		return false
	}
	kids, ok := bmffBoxes(data, b.body+r.off, b.end)
	return ok && !slices.ContainsFunc(kids, func(k bmffBox) bool { return k.typ != "infe" })
}

// irefExact reports whether every reference of iref is between declared
// items and its boxes hold exactly their references.
func irefExact(data []byte, b bmffBox, declared map[uint32]bool) bool {
	if b.end-b.body < 4 {
		return false
	}
	wide := data[b.body] != 0
	kids, ok := bmffBoxes(data, b.body+4, b.end)
	if !ok {
		return false
	}
	for _, k := range kids {
		r := boxReader{b: data[k.body:k.end]}
		if !declared[r.id(wide)] {
			return false
		}
		for n := r.n(2); n > 0 && !r.bad; n-- {
			if !declared[r.id(wide)] {
				return false
			}
		}
		if !r.done() {
			return false
		}
	}
	return true
}

// iprpAllUsed reports whether iprp holds only ipco and ipma boxes, the
// ipma boxes exactly their associations, and every property of ipco is
// associated with a declared item.
func iprpAllUsed(data []byte, b bmffBox, declared map[uint32]bool) bool {
	kids, ok := bmffBoxes(data, b.body, b.end)
	if !ok {
		return false
	}
	var props []bmffBox
	nipco := 0
	for _, k := range kids {
		if k.typ == "ipco" {
			nipco++
			if props, ok = bmffBoxes(data, k.body, k.end); !ok {
				return false
			}
		}
	}
	if nipco != 1 || len(props) > heif.MaxProperties {
		return false
	}
	used := make([]bool, len(props)+1)
	for _, k := range kids {
		switch k.typ {
		case "ipco":
		case "ipma":
			if !ipmaUses(data[k.body:k.end], declared, used) {
				return false
			}
		default:
			return false
		}
	}
	return !slices.Contains(used[1:], false)
}

// ipmaUses marks in used the properties an ipma payload associates with
// items, reporting false unless it holds exactly its entries, all about
// declared items.
func ipmaUses(p []byte, declared map[uint32]bool, used []bool) bool {
	r := boxReader{b: p}
	v := r.n(1)
	flags := r.n(3)
	for n := r.n(4); n > 0 && !r.bad; n-- {
		if !declared[r.id(v >= 1)] {
			return false // an entry Rewrite would leave out
		}
		for c := r.n(1); c > 0 && !r.bad; c-- {
			var idx int
			if flags&1 != 0 {
				idx = int(r.n(2) & 0x7fff)
			} else {
				idx = int(r.n(1) & 0x7f)
			}
			if idx >= len(used) {
				return false
			}
			used[idx] = true
		}
	}
	return r.done()
}

// span is a range [start, end) of file offsets.
type span struct{ start, end uint64 }

// ilocSpans returns the extents of the items iinf declares that lie in
// this file and inside their source (the file for construction method 0,
// the idat payload for method 1), as file offsets. exact reports that
// iloc holds exactly its entries, all about declared items, and that every
// extent lies inside its source; ok is false when iloc cannot be read.
// Items in other files and items built from other items have no extents
// here; entries about undeclared items are skipped, as codecs/heif skips
// them.
func ilocSpans(data []byte, iloc, idat bmffBox, declared map[uint32]bool) (spans []span, exact, ok bool) {
	if iloc.typ == "" {
		return nil, true, true
	}
	r := boxReader{b: data[iloc.body:iloc.end]}
	v := r.n(1)
	r.n(3)
	s := r.n(2)
	offSize, lenSize, baseSize, idxSize := int(s>>12), int(s>>8&15), int(s>>4&15), int(s&15)
	if v == 0 {
		idxSize = 0
	}
	for _, n := range []int{offSize, lenSize, baseSize, idxSize} {
		if n != 0 && n != 4 && n != 8 {
			return nil, false, false
		}
	}
	var count uint64
	if v < 2 {
		count = r.n(2)
	} else {
		count = r.n(4)
	}
	if v > 2 || r.bad || count > heif.MaxItems {
		return nil, false, false
	}
	exact = true
	extents := 0
	for range count {
		id := r.id(v >= 2)
		method := 0
		if v >= 1 {
			method = int(r.n(2) & 15)
		}
		dataRef := r.n(2)
		base := r.n(baseSize)
		n := int(r.n(2))
		if extents += n; r.bad || extents > heif.MaxExtents {
			return nil, false, false
		}
		// The source the item's extents lie in, as file offsets.
		src, here := span{0, uint64(len(data))}, declared[id] && dataRef == 0 && method <= 1
		if method == 1 {
			src = span{uint64(idat.body), uint64(idat.end)}
			here = here && idat.typ != ""
		}
		exact = exact && declared[id] && (method != 1 || idat.typ != "")
		size := src.end - src.start
		item := len(spans)
		for range n {
			r.n(idxSize)
			off, length := r.n(offSize), r.n(lenSize)
			if r.bad {
				return nil, false, false
			}
			if !here {
				continue
			}
			if base > size || off > size-base || length > size-base-off {
				// codecs/heif cannot read the item either.
				exact, here, spans = false, false, spans[:item]
				continue
			}
			start, end := src.start+base+off, src.end
			if length != 0 {
				end = start + length
			}
			spans = append(spans, span{start, end})
		}
	}
	return spans, exact && r.done(), true
}

// covered reports whether the spans together cover the payload of every
// box in boxes.
func covered(spans []span, boxes []bmffBox) bool {
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var merged []span
	for _, s := range spans {
		if n := len(merged); n > 0 && s.start <= merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	for _, b := range boxes {
		start, end := uint64(b.body), uint64(b.end)
		if start == end {
			continue
		}
		// The last merged span starting at or before the payload must
		// reach its end.
		i, _ := slices.BinarySearchFunc(merged, start, func(s span, v uint64) int {
			if s.start <= v {
				return -1
			}
			return 1
		})
		if i == 0 || merged[i-1].end < end {
			return false
		}
	}
	return true
}
