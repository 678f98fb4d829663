package heif

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
)

// Rewrite rebuilds the file losslessly with some items changed: the items
// in drop are removed together with their iinf, iloc, iref and ipma
// entries; the data of the items in replace is swapped for the given
// bytes (the item's payload as stored: for an Exif item, with its 4-byte
// exif_tiff_header_offset field). The output is the ftyp box, a meta box
// with recomputed locations, and one mdat box holding every item's data,
// each item in one extent, in the order of the input. Whatever no box or
// item refers to is left out: free and skip boxes, other top-level boxes
// (moov of an image sequence, uuid boxes), mdat bytes no item uses,
// trailing bytes, and properties no remaining item is associated with.
// Coded image data is copied byte for byte.
//
// The primary item and the tiles of a remaining grid cannot be dropped
// (ErrUnsupportedFormat); items stored in other files or built from other
// items (iloc construction method 2) cannot be rewritten either.
func (f *File) Rewrite(replace map[uint32][]byte, drop map[uint32]bool) ([]byte, error) {
	if drop[f.primary] {
		return nil, fmt.Errorf("heif: rewrite: %w", errUnsupported("cannot drop the primary item %d", f.primary))
	}
	for id := range replace {
		if _, ok := f.items[id]; !ok || drop[id] {
			return nil, fmt.Errorf("heif: rewrite: %w", errUnsupported("no item %d to replace", id))
		}
	}
	keep := map[uint32]bool{}
	for _, id := range f.order {
		if !drop[id] {
			keep[id] = true
		}
	}
	for _, r := range f.refs {
		if r.Type != "dimg" || !keep[r.From] {
			continue
		}
		for _, to := range r.To {
			if drop[to] {
				return nil, fmt.Errorf("heif: rewrite: %w", errUnsupported("item %d is an input of item %d", to, r.From))
			}
		}
	}
	out, err := f.rebuild(f.primary, keep, replace)
	if err != nil {
		return nil, fmt.Errorf("heif: rewrite: %w", err)
	}
	return out, nil
}

// standalone builds a file holding only coded item id as its primary,
// shown, with only the properties a decoder needs to decode it as coded
// (hvcC or av1C, ispe, pixi): no transforms, colour or auxiliary
// properties. A monochrome HEVC image gets a one-channel pixi property,
// which makes libheif decode it as monochrome instead of failing a
// conversion to Y'CbCr.
func (f *File) standalone(id uint32) ([]byte, error) {
	// A shallow copy carries the options, so that f stays unchanged and
	// safe to share.
	g := *f
	g.propKeep = map[string]bool{"hvcC": true, "av1C": true, "ispe": true, "pixi": true}
	g.extraProps = map[uint32][][]byte{}
	if c, ok := f.hvcC(id); ok && c.ChromaFormat == 0 {
		if _, has := f.prop(id, "pixi"); !has {
			g.extraProps[id] = [][]byte{{0, 0, 0, 14, 'p', 'i', 'x', 'i', 0, 0, 0, 0, 1, uint8(c.BitDepthLuma)}}
		}
	}
	return g.rebuild(id, map[uint32]bool{id: true}, nil)
}

type placed struct {
	it   *item
	data []byte
	pos  uint64 // where the data was in the input, for ordering
	rank int    // the item's place in iinf, for iloc's order
}

func (f *File) rebuild(primary uint32, keep map[uint32]bool, replace map[uint32][]byte) ([]byte, error) {
	// The data of every kept item, in the order it had in the input.
	var list []placed
	var total uint64
	for _, id := range f.order {
		it := f.items[id]
		if !keep[id] || !it.located {
			continue
		}
		data, ok := replace[id]
		if !ok {
			var err error
			if data, err = f.itemData(it); err != nil {
				return nil, err
			}
		}
		pos := uint64(math.MaxUint64)
		if len(it.extents) > 0 {
			pos = it.baseOffset + it.extents[0].offset
			if it.method == 1 {
				pos += uint64(f.idat.body)
			}
		}
		list = append(list, placed{it: it, data: data, pos: pos, rank: len(list)})
		total += uint64(len(data))
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].pos < list[j].pos })

	ftyp := f.ftyp.sized(f.data)
	mdatHeader := 8
	if total+8 > math.MaxUint32 {
		mdatHeader = 16
	}
	// The meta box's size does not depend on the offsets it records
	// (their width is fixed), so build it once to learn where mdat's
	// payload starts, then again with the real offsets.
	meta, err := f.buildMeta(primary, keep, list, 0)
	if err != nil {
		return nil, err
	}
	base := uint64(len(ftyp)) + uint64(len(meta)) + uint64(mdatHeader)
	if meta, err = f.buildMeta(primary, keep, list, base); err != nil {
		return nil, err
	}
	out := make([]byte, 0, base+total)
	out = append(out, ftyp...)
	out = append(out, meta...)
	if mdatHeader == 8 {
		out = binary.BigEndian.AppendUint32(out, uint32(total+8))
		out = append(out, "mdat"...)
	} else {
		out = binary.BigEndian.AppendUint32(out, 1)
		out = append(out, "mdat"...)
		out = binary.BigEndian.AppendUint64(out, total+16)
	}
	for _, p := range list {
		out = append(out, p.data...)
	}
	return out, nil
}

// boxWriter appends boxes to a byte slice.
type boxWriter struct{ b []byte }

// open starts a box and returns its start, for close.
func (w *boxWriter) open(typ string) int {
	start := len(w.b)
	w.b = append(w.b, 0, 0, 0, 0)
	w.b = append(w.b, typ...)
	return start
}

func (w *boxWriter) close(start int) {
	binary.BigEndian.PutUint32(w.b[start:], uint32(len(w.b)-start))
}

func (w *boxWriter) u8(v uint8)   { w.b = append(w.b, v) }
func (w *boxWriter) u16(v uint16) { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *boxWriter) u32(v uint32) { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *boxWriter) u64(v uint64) { w.b = binary.BigEndian.AppendUint64(w.b, v) }
func (w *boxWriter) full(version uint8, flags uint32) {
	w.b = append(w.b, version, byte(flags>>16), byte(flags>>8), byte(flags))
}

func (f *File) buildMeta(primary uint32, keep map[uint32]bool, list []placed, base uint64) ([]byte, error) {
	wide := false // some item ID needs 32 bits
	for id := range keep {
		if id > math.MaxUint16 {
			wide = true
		}
	}
	w := &boxWriter{}
	meta := w.open("meta")
	w.b = append(w.b, f.data[f.meta.body:f.meta.body+4]...)
	wrote := map[string]bool{}
	for _, k := range f.metaKids {
		switch k.typ {
		case "pitm":
			f.writePitm(w, primary)
		case "iloc":
			if err := writeIloc(w, list, base, wide); err != nil {
				return nil, err
			}
		case "iinf":
			f.writeIinf(w, primary, keep, wide)
		case "iref":
			f.writeIref(w, keep)
		case "iprp":
			f.writeIprp(w, keep, wide)
		case "idat", "free", "skip":
			// idat's items move to mdat; padding goes.
		default:
			w.b = append(w.b, k.sized(f.data)...)
		}
		wrote[k.typ] = true
	}
	if !wrote["iloc"] && len(list) > 0 {
		if err := writeIloc(w, list, base, wide); err != nil {
			return nil, err
		}
	}
	if !wrote["pitm"] {
		f.writePitm(w, primary)
	}
	if !wrote["iprp"] && f.anyProperties(keep) {
		// Properties given to a file that had none (EmbedICC).
		f.writeIprp(w, keep, wide)
	}
	w.close(meta)
	return w.b, nil
}

func (f *File) writePitm(w *boxWriter, primary uint32) {
	s := w.open("pitm")
	if primary > math.MaxUint16 {
		w.full(1, 0)
		w.u32(primary)
	} else {
		w.full(0, 0)
		w.u16(uint16(primary))
	}
	w.close(s)
}

func writeIloc(w *boxWriter, list []placed, base uint64, wide bool) error {
	end := base
	for _, p := range list {
		end += uint64(len(p.data))
	}
	offSize := 4
	if end > math.MaxUint32 {
		offSize = 8
	}
	s := w.open("iloc")
	version := uint8(0)
	if wide || len(list) > math.MaxUint16 {
		version = 2
	}
	w.full(version, 0)
	w.u16(uint16(offSize<<12 | 4<<8)) // offset_size, length_size 4, no base offset, no index
	if version == 2 {
		w.u32(uint32(len(list)))
	} else {
		w.u16(uint16(len(list)))
	}
	// The data lies in list's order; the entries go in iinf order, as
	// encoders write them, so that rebuilding their files keeps iloc.
	byRank := make([]placed, len(list))
	at := make([]uint64, len(list)) // the offsets, by rank
	off := base
	for _, p := range list {
		byRank[p.rank], at[p.rank] = p, off
		off += uint64(len(p.data))
	}
	for r, p := range byRank {
		if version == 2 {
			w.u32(p.it.ID)
			w.u16(0) // reserved, construction_method 0: this file's offsets
		} else {
			w.u16(uint16(p.it.ID))
		}
		w.u16(0) // data_reference_index: this file
		n := uint64(len(p.data))
		if n > math.MaxUint32 {
			return errUnsupported("item %d: %d bytes", p.it.ID, n)
		}
		if n == 0 {
			w.u16(0)
			continue
		}
		w.u16(1)
		if offSize == 8 {
			w.u64(at[r])
		} else {
			w.u32(uint32(at[r]))
		}
		w.u32(uint32(n))
	}
	w.close(s)
	return nil
}

func (f *File) writeIinf(w *boxWriter, primary uint32, keep map[uint32]bool, wide bool) {
	n := 0
	for _, id := range f.order {
		if keep[id] {
			n++
		}
	}
	s := w.open("iinf")
	if n > math.MaxUint16 {
		w.full(1, 0)
		w.u32(uint32(n))
	} else {
		w.full(0, 0)
		w.u16(uint16(n))
	}
	for _, id := range f.order {
		if !keep[id] {
			continue
		}
		it := f.items[id]
		w.b = append(w.b, it.infe.sized(f.data)...)
		if id == primary && it.Hidden {
			// The flags' low byte: clear "hidden" on a new primary.
			w.b[len(w.b)-(it.infe.end-it.infe.body)+3] &^= 1
		}
	}
	w.close(s)
}

func (f *File) writeIref(w *boxWriter, keep map[uint32]bool) {
	type entry struct {
		typ  string
		from uint32
		to   []uint32
	}
	var entries []entry
	wide := false
	for _, r := range f.refs {
		if !keep[r.From] {
			continue
		}
		var to []uint32
		for _, t := range r.To {
			if keep[t] {
				to = append(to, t)
			}
		}
		if len(to) == 0 {
			continue
		}
		entries = append(entries, entry{r.Type, r.From, to})
		if r.From > math.MaxUint16 {
			wide = true
		}
		for _, t := range to {
			if t > math.MaxUint16 {
				wide = true
			}
		}
	}
	if len(entries) == 0 {
		return
	}
	s := w.open("iref")
	version := uint8(0)
	if wide {
		version = 1
	}
	w.full(version, 0)
	id := func(v uint32) {
		if wide {
			w.u32(v)
		} else {
			w.u16(uint16(v))
		}
	}
	for _, e := range entries {
		b := w.open(e.typ)
		id(e.from)
		w.u16(uint16(len(e.to)))
		for _, t := range e.to {
			id(t)
		}
		w.close(b)
	}
	w.close(s)
}

func (f *File) writeIprp(w *boxWriter, keep map[uint32]bool, wide bool) {
	// Keep the properties some kept item uses, renumbered in their order.
	used := make([]bool, len(f.props)+1)
	for _, id := range f.order {
		if !keep[id] {
			continue
		}
		for _, a := range f.items[id].assoc {
			if f.propAllowed(a.index) {
				used[a.index] = true
			}
		}
	}
	renum := make([]int, len(f.props)+1)
	n := 0
	s := w.open("iprp")
	c := w.open("ipco")
	for i, p := range f.props {
		if used[i+1] {
			n++
			renum[i+1] = n
			w.b = append(w.b, p.bytes(f.data)...)
		}
	}
	extraIndex := map[uint32][]int{}
	for _, id := range f.order {
		if !keep[id] {
			continue
		}
		for _, p := range f.extraProps[id] {
			n++
			extraIndex[id] = append(extraIndex[id], n)
			w.b = append(w.b, p...)
		}
	}
	w.close(c)
	var items []uint32
	for _, id := range f.order {
		if keep[id] && (len(f.items[id].assoc) > 0 || len(extraIndex[id]) > 0) {
			items = append(items, id)
		}
	}
	if len(items) > 0 {
		m := w.open("ipma")
		version := uint8(0)
		if wide {
			version = 1
		}
		flags := uint32(0)
		if n > 127 {
			flags = 1
		}
		w.full(version, flags)
		w.u32(uint32(len(items)))
		for _, id := range items {
			if wide {
				w.u32(id)
			} else {
				w.u16(uint16(id))
			}
			var assoc []association
			for _, a := range f.items[id].assoc {
				if f.propAllowed(a.index) {
					assoc = append(assoc, a)
				}
			}
			for _, i := range extraIndex[id] {
				assoc = append(assoc, association{index: -i})
			}
			w.u8(uint8(len(assoc)))
			for _, a := range assoc {
				idx := -a.index
				if a.index >= 0 {
					idx = renum[a.index]
				}
				if flags&1 != 0 {
					v := uint16(idx)
					if a.essential {
						v |= 0x8000
					}
					w.u16(v)
				} else {
					v := uint8(idx)
					if a.essential {
						v |= 0x80
					}
					w.u8(v)
				}
			}
		}
		w.close(m)
	}
	w.close(s)
}

// anyProperties reports whether a kept item has a property association.
func (f *File) anyProperties(keep map[uint32]bool) bool {
	for _, id := range f.order {
		if keep[id] && (len(f.items[id].assoc) > 0 || len(f.extraProps[id]) > 0) {
			return true
		}
	}
	return false
}

// propAllowed reports whether property index i (1-based) goes into a
// rebuilt file: all do, unless standalone limits the types.
func (f *File) propAllowed(i int) bool {
	if f.propKeep == nil || i == 0 {
		return true
	}
	return f.propKeep[f.props[i-1].box.typ]
}
