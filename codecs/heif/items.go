package heif

import (
	"math"
)

// Primary returns the primary item (pitm).
func (f *File) Primary() Item { return f.items[f.primary].Item }

// Item returns the item with the given ID.
func (f *File) Item(id uint32) (Item, bool) {
	it, ok := f.items[id]
	if !ok {
		return Item{}, false
	}
	return it.Item, true
}

// Items returns every item, in iinf order.
func (f *File) Items() []Item {
	out := make([]Item, 0, len(f.order))
	for _, id := range f.order {
		out = append(out, f.items[id].Item)
	}
	return out
}

// References returns the item references of the file (iref), in order.
func (f *File) References() []Reference {
	out := make([]Reference, len(f.refs))
	copy(out, f.refs)
	return out
}

// refsFrom returns the targets of references of type typ from id, in
// order (several boxes of one type from one item are concatenated).
func (f *File) refsFrom(id uint32, typ string) []uint32 {
	var out []uint32
	for _, r := range f.refs {
		if r.From == id && r.Type == typ {
			out = append(out, r.To...)
		}
	}
	return out
}

// refsTo returns the items that refer to id with references of type typ.
func (f *File) refsTo(id uint32, typ string) []uint32 {
	var out []uint32
	for _, r := range f.refs {
		if r.Type != typ {
			continue
		}
		for _, to := range r.To {
			if to == id {
				out = append(out, r.From)
				break
			}
		}
	}
	return out
}

// ItemData returns the bytes of an item: its extents concatenated, from
// the file (construction method 0) or from idat (method 1). The result
// aliases the input when the item has a single extent. Errors match
// codecs.ErrCorrupt for a location outside the file and
// codecs.ErrUnsupportedFormat for data in another file or built from other
// items (construction method 2).
func (f *File) ItemData(id uint32) ([]byte, error) {
	it, ok := f.items[id]
	if !ok {
		return nil, errCorrupt("no item %d", id)
	}
	return f.itemData(it)
}

func (f *File) itemData(it *item) ([]byte, error) {
	if !it.located {
		return nil, errCorrupt("item %d has no location (iloc)", it.ID)
	}
	if it.dataRef != 0 {
		return nil, errUnsupported("item %d is stored in another file", it.ID)
	}
	var src []byte
	switch it.method {
	case 0:
		src = f.data
	case 1:
		if !f.hasIdat {
			return nil, errCorrupt("item %d is in idat, and there is none", it.ID)
		}
		src = f.idat.payload(f.data)
	default:
		return nil, errUnsupported("item %d: construction method %d", it.ID, it.method)
	}
	spans, total, err := spansOf(it, uint64(len(src)))
	if err != nil {
		return nil, err
	}
	if len(spans) == 1 {
		return src[spans[0][0]:spans[0][1]:spans[0][1]], nil
	}
	out := make([]byte, 0, total)
	for _, s := range spans {
		out = append(out, src[s[0]:s[1]]...)
	}
	return out, nil
}

// spansOf returns an item's extents as [start, end) offsets into a source
// of size bytes, checked to lie inside it, and their total length. An
// extent of length 0 runs to the end of the source.
func spansOf(it *item, size uint64) ([][2]uint64, uint64, error) {
	spans := make([][2]uint64, 0, len(it.extents))
	var total uint64
	for _, e := range it.extents {
		start := it.baseOffset + e.offset
		if start < it.baseOffset || start > size {
			return nil, 0, errCorrupt("item %d: extent at %d past the end (%d bytes)", it.ID, start, size)
		}
		end := size
		if e.length != 0 {
			end = start + e.length
			if end < start || end > size {
				return nil, 0, errCorrupt("item %d: extent %d+%d past the end (%d bytes)", it.ID, start, e.length, size)
			}
		}
		spans = append(spans, [2]uint64{start, end})
		total += end - start
	}
	if total > math.MaxInt32 {
		return nil, 0, errCorrupt("item %d: %d bytes", it.ID, total)
	}
	return spans, total, nil
}

// itemProps returns the properties associated with id, in ipma order.
func (f *File) itemProps(id uint32) []property {
	it := f.items[id]
	if it == nil {
		return nil
	}
	out := make([]property, 0, len(it.assoc))
	for _, a := range it.assoc {
		if a.index == 0 {
			continue
		}
		out = append(out, f.props[a.index-1])
	}
	return out
}

// prop returns the first property of type typ associated with id.
func (f *File) prop(id uint32, typ string) (property, bool) {
	for _, p := range f.itemProps(id) {
		if p.box.typ == typ {
			return p, true
		}
	}
	return property{}, false
}

// Properties returns the parsed values of the properties associated with
// id, in ipma order: ISPE, IROT, IMIR, CLAP, Colour, PIXI, HVCC, AV1C and
// AUXC values, and for other property types the raw box bytes ([]byte).
func (f *File) Properties(id uint32) []any {
	var out []any
	for _, p := range f.itemProps(id) {
		if p.value != nil {
			out = append(out, p.value)
		} else {
			out = append(out, p.bytes(f.data))
		}
	}
	return out
}

// ISPE returns the declared size (ispe) of an item.
func (f *File) ISPE(id uint32) (ISPE, bool) {
	p, ok := f.prop(id, "ispe")
	if !ok || p.err != nil {
		return ISPE{}, false
	}
	v, ok := p.value.(ISPE)
	return v, ok
}

// colour returns an item's colr property of the given kind: "nclx" or
// "icc" (prof or rICC).
func (f *File) colour(id uint32, kind string) (Colour, bool) {
	for _, p := range f.itemProps(id) {
		c, ok := p.value.(Colour)
		if !ok {
			continue
		}
		switch {
		case kind == "nclx" && c.Type == "nclx":
			return c, true
		case kind == "icc" && (c.Type == "prof" || c.Type == "rICC"):
			return c, true
		}
	}
	return Colour{}, false
}

// hvcC returns an item's HEVC configuration.
func (f *File) hvcC(id uint32) (HVCC, bool) {
	p, ok := f.prop(id, "hvcC")
	if !ok {
		return HVCC{}, false
	}
	v, ok := p.value.(HVCC)
	return v, ok
}

// av1C returns an item's AV1 configuration.
func (f *File) av1C(id uint32) (AV1C, bool) {
	p, ok := f.prop(id, "av1C")
	if !ok {
		return AV1C{}, false
	}
	v, ok := p.value.(AV1C)
	return v, ok
}

// ICC returns the ICC profile of the primary image (its colr box of type
// prof or rICC; for a grid without one, its first tile's), or nil.
func (f *File) ICC() []byte {
	if c, ok := f.colour(f.primary, "icc"); ok {
		return c.ICC
	}
	if tiles := f.refsFrom(f.primary, "dimg"); len(tiles) > 0 {
		if c, ok := f.colour(tiles[0], "icc"); ok {
			return c.ICC
		}
	}
	return nil
}

// NCLX returns the nclx colour description of the primary image (for a
// grid without one, its first tile's), if the file has one.
func (f *File) NCLX() (NCLX, bool) {
	if c, ok := f.colour(f.primary, "nclx"); ok {
		return c.NCLX, true
	}
	if tiles := f.refsFrom(f.primary, "dimg"); len(tiles) > 0 {
		if c, ok := f.colour(tiles[0], "nclx"); ok {
			return c.NCLX, true
		}
	}
	return NCLX{}, false
}

// Alpha returns the ID of the primary image's alpha plane: an auxiliary
// image (auxl reference to the primary) whose auxC names alpha.
func (f *File) Alpha() (uint32, bool) {
	for _, id := range f.refsTo(f.primary, "auxl") {
		if p, ok := f.prop(id, "auxC"); ok {
			if a, ok := p.value.(AUXC); ok && a.IsAlpha() {
				return id, true
			}
		}
	}
	return 0, false
}

// Premultiplied reports whether the primary image's colour is
// premultiplied by its alpha (a prem reference from it).
func (f *File) Premultiplied() bool {
	return len(f.refsFrom(f.primary, "prem")) > 0
}

// av1Item returns AV1 item id's configuration record and its data, or
// why it has none.
func (f *File) av1Item(id uint32) (AV1C, []byte, error) {
	c, ok := f.av1C(id)
	if !ok {
		return c, nil, errCorrupt("item %d has no av1C", id)
	}
	data, err := f.ItemData(id)
	return c, data, err
}
