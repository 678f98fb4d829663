package heif

import (
	"fmt"
)

// Bounds on what Parse accepts, so that a crafted file cannot make it
// allocate or loop beyond them. A camera file has tens of items (a 48 MP
// iPhone photo: about 200 tiles, thumbnails, a depth map and a gain map);
// the bounds leave a wide margin.
const (
	// MaxItems bounds the items of a file (iinf entries, iloc entries).
	MaxItems = 16384
	// MaxProperties bounds the property boxes in ipco.
	MaxProperties = 16384
	// MaxReferences bounds the item references (targets, all types).
	MaxReferences = 65536
	// MaxExtents bounds the extents of all items together.
	MaxExtents = 65536
	// MaxAssociations bounds the property associations of all items.
	MaxAssociations = 262144
)

// File is a parsed HEIF (ISO/IEC 23008-12) file: HEIC, AVIF or another
// coding. It keeps the input it was parsed from; the slices its methods
// return point into it unless they say otherwise.
type File struct {
	data []byte

	// MajorBrand and CompatibleBrands are the ftyp box's brands.
	MajorBrand       string
	CompatibleBrands []string
	// Handler is the meta box's handler type ("pict" for images).
	Handler string

	ftyp, meta box
	metaKids   []box
	idat       box // zero when absent
	hasIdat    bool

	primary uint32
	items   map[uint32]*item
	order   []uint32 // item IDs in iinf order
	props   []property
	refs    []Reference

	// extraProps are property boxes standalone adds to items, and
	// propKeep the property types it keeps, while it rebuilds the file.
	extraProps map[uint32][][]byte
	propKeep   map[string]bool
}

// item is one entry of iinf, with its location and property associations.
type item struct {
	Item
	infe       box // the infe box, for Rewrite
	located    bool
	method     int
	dataRef    uint16
	baseOffset uint64
	extents    []extent
	assoc      []association
}

type extent struct{ offset, length uint64 }

type association struct {
	index     int // 1-based into File.props; 0 means none
	essential bool
}

// Item describes one item of the file.
type Item struct {
	// ID is the item's ID.
	ID uint32
	// Type is its four-character item type: "hvc1", "av01", "grid",
	// "iden", "iovl", "Exif", "mime", "jpeg", ...
	Type string
	// Name is the item name from its infe box.
	Name string
	// ContentType and ContentEncoding are a "mime" item's.
	ContentType, ContentEncoding string
	// Hidden reports the infe flag that hides the item from display.
	Hidden bool
}

// Reference is one iref entry: From refers to To with the given type
// ("dimg", "thmb", "auxl", "cdsc", "prem", ...).
type Reference struct {
	Type string
	From uint32
	To   []uint32
	box  box
	wide bool // iref version 1 (32-bit IDs)
}

// Parse parses the container of a HEIF or AVIF file: the ftyp box, the
// meta box with its items, locations, references and properties. It does
// not look at coded image data beyond the items' locations and the
// property boxes. Every offset and length is checked against data, and the
// numbers of items, properties, references and extents are bounded, so a
// crafted file is refused rather than followed.
//
// Errors match codecs.ErrCorrupt for a malformed container and
// codecs.ErrUnsupportedFormat for a well-formed file Parse cannot describe
// (for instance one whose items live in another file).
func Parse(data []byte) (*File, error) {
	f := &File{data: data, items: map[uint32]*item{}}
	if err := f.parse(); err != nil {
		return nil, fmt.Errorf("heif: parse: %w", err)
	}
	if err := f.checkVolume(); err != nil {
		return nil, fmt.Errorf("heif: parse: %w", err)
	}
	return f, nil
}

// checkVolume refuses a file whose items together reference more bytes
// than it holds: items whose extents overlap. A file written by an
// encoder never does that, while a crafted one whose thousands of items
// (a grid's tiles) all point at the same megabytes would make every
// reader that copies items out (ItemData, the decoder's one-tile files,
// Rewrite) allocate that many times the file.
func (f *File) checkVolume() error {
	var total uint64
	limit := uint64(len(f.data))
	for _, it := range f.items {
		if !it.located || it.dataRef != 0 || it.method > 1 {
			continue
		}
		size := limit
		if it.method == 1 {
			if !f.hasIdat {
				continue
			}
			size = uint64(len(f.idat.payload(f.data)))
		}
		_, n, err := spansOf(it, size)
		if err != nil {
			continue // reported when the item is read
		}
		if total += n; total > limit {
			return errCorrupt("the items reference more than the file's %d bytes: their data overlaps", limit)
		}
	}
	return nil
}

func (f *File) parse() error {
	// Bytes after the last well-formed top-level box are tolerated (and
	// left out by Rewrite): files with something appended still open, as
	// they do in libheif. The ftyp and meta boxes must come before them.
	top, at, err := childrenUpTo(f.data, 0, len(f.data))
	if len(top) == 0 || top[0].typ != "ftyp" {
		if err != nil {
			return fmt.Errorf("%w at %d", err, at)
		}
		return errCorrupt("the file does not start with an ftyp box")
	}
	f.ftyp = top[0]
	if err := f.parseFtyp(); err != nil {
		return err
	}
	found := false
	for _, b := range top[1:] {
		if b.typ == "meta" {
			if found {
				return errCorrupt("more than one top-level meta box")
			}
			f.meta, found = b, true
		}
	}
	if !found {
		if err != nil {
			return fmt.Errorf("%w at %d", err, at)
		}
		return errCorrupt("no top-level meta box")
	}
	return f.parseMeta()
}

func (f *File) parseFtyp() error {
	r := reader{b: f.ftyp.payload(f.data)}
	f.MajorBrand = r.fourcc()
	r.u32() // minor version
	if r.err != nil {
		return errCorrupt("ftyp: %v", r.err)
	}
	for r.left() >= 4 && len(f.CompatibleBrands) < 1024 {
		f.CompatibleBrands = append(f.CompatibleBrands, r.fourcc())
	}
	return nil
}

// HasBrand reports whether brand is the major brand or a compatible one.
func (f *File) HasBrand(brand string) bool {
	if f.MajorBrand == brand {
		return true
	}
	for _, b := range f.CompatibleBrands {
		if b == brand {
			return true
		}
	}
	return false
}

func (f *File) parseMeta() error {
	// meta is a FullBox: 4 bytes of version and flags before its children.
	// (QuickTime writes a plain box; HEIF never does.)
	if f.meta.end-f.meta.body < 4 {
		return errCorrupt("meta: truncated")
	}
	kids, err := children(f.data, f.meta.body+4, f.meta.end)
	if err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	f.metaKids = kids
	seen := map[string]bool{}
	for _, b := range kids {
		switch b.typ {
		case "hdlr", "pitm", "iloc", "iinf", "iref", "iprp", "idat":
			if seen[b.typ] {
				return errCorrupt("meta: more than one %s box", b.typ)
			}
			seen[b.typ] = true
		}
	}
	// iinf first, so that iloc, iref and ipma can be checked against the
	// items it declares.
	for _, b := range kids {
		switch b.typ {
		case "hdlr":
			r := reader{b: b.payload(f.data)}
			r.fullBox()
			r.u32()
			f.Handler = r.fourcc()
			if r.err != nil {
				return errCorrupt("hdlr: %v", r.err)
			}
		case "iinf":
			if err := f.parseIinf(b); err != nil {
				return err
			}
		case "idat":
			f.idat, f.hasIdat = b, true
		}
	}
	if !seen["hdlr"] {
		return errCorrupt("meta: no hdlr box")
	}
	if f.Handler != "pict" {
		return errUnsupported("meta handler %q is not pict", printable(f.Handler))
	}
	if !seen["iinf"] {
		return errCorrupt("meta: no iinf box")
	}
	for _, b := range kids {
		var err error
		switch b.typ {
		case "pitm":
			err = f.parsePitm(b)
		case "iloc":
			err = f.parseIloc(b)
		case "iref":
			err = f.parseIref(b)
		case "iprp":
			err = f.parseIprp(b)
		}
		if err != nil {
			return err
		}
	}
	if !seen["pitm"] {
		return errCorrupt("meta: no pitm box (no primary item)")
	}
	if _, ok := f.items[f.primary]; !ok {
		return errCorrupt("the primary item %d is not in iinf", f.primary)
	}
	return nil
}

func (f *File) parsePitm(b box) error {
	r := reader{b: b.payload(f.data)}
	v, _ := r.fullBox()
	if v == 0 {
		f.primary = uint32(r.u16())
	} else {
		f.primary = r.u32()
	}
	if r.err != nil {
		return errCorrupt("pitm: %v", r.err)
	}
	return nil
}

func (f *File) parseIinf(b box) error {
	r := reader{b: b.payload(f.data)}
	v, _ := r.fullBox()
	var n uint32
	if v == 0 {
		n = uint32(r.u16())
	} else {
		n = r.u32()
	}
	if r.err != nil {
		return errCorrupt("iinf: %v", r.err)
	}
	if n > MaxItems {
		return errCorrupt("iinf: %d items, more than %d", n, MaxItems)
	}
	kids, err := children(f.data, b.body+r.off, b.end)
	if err != nil {
		return fmt.Errorf("iinf: %w", err)
	}
	for _, k := range kids {
		if k.typ != "infe" {
			continue
		}
		if len(f.order) >= MaxItems {
			return errCorrupt("iinf: more than %d items", MaxItems)
		}
		it, err := f.parseInfe(k)
		if err != nil {
			return err
		}
		if _, dup := f.items[it.ID]; dup {
			return errCorrupt("infe: item %d declared twice", it.ID)
		}
		f.items[it.ID] = it
		f.order = append(f.order, it.ID)
	}
	return nil
}

func (f *File) parseInfe(b box) (*item, error) {
	r := reader{b: b.payload(f.data)}
	v, flags := r.fullBox()
	it := &item{infe: b}
	it.Hidden = flags&1 != 0
	switch {
	case v >= 2:
		if v == 2 {
			it.ID = uint32(r.u16())
		} else {
			it.ID = r.u32()
		}
		r.u16() // item_protection_index
		it.Type = r.fourcc()
		it.Name = r.cstring()
		switch it.Type {
		case "mime":
			it.ContentType = r.cstring()
			if r.left() > 0 {
				it.ContentEncoding = r.cstring()
			}
		case "uri ":
			r.cstring()
		}
	default:
		// Versions 0 and 1 predate item types: every item is a MIME item.
		it.ID = uint32(r.u16())
		r.u16()
		it.Name = r.cstring()
		it.ContentType = r.cstring()
		if r.left() > 0 {
			it.ContentEncoding = r.cstring()
		}
		it.Type = "mime"
	}
	if r.err != nil {
		return nil, errCorrupt("infe: %v", r.err)
	}
	return it, nil
}

func (f *File) parseIloc(b box) error {
	r := reader{b: b.payload(f.data)}
	v, _ := r.fullBox()
	if v > 2 {
		return errUnsupported("iloc version %d", v)
	}
	s := r.u16()
	offsetSize, lengthSize := int(s>>12), int(s>>8&15)
	baseSize, indexSize := int(s>>4&15), int(s&15)
	if v == 0 {
		indexSize = 0
	}
	for _, n := range []int{offsetSize, lengthSize, baseSize, indexSize} {
		if n != 0 && n != 4 && n != 8 {
			return errCorrupt("iloc: field size %d", n)
		}
	}
	var n uint32
	if v < 2 {
		n = uint32(r.u16())
	} else {
		n = r.u32()
	}
	if r.err != nil {
		return errCorrupt("iloc: %v", r.err)
	}
	if n > MaxItems {
		return errCorrupt("iloc: %d items, more than %d", n, MaxItems)
	}
	total := 0
	for range n {
		var id uint32
		if v < 2 {
			id = uint32(r.u16())
		} else {
			id = r.u32()
		}
		method := 0
		if v >= 1 {
			method = int(r.u16() & 15)
		}
		dataRef := r.u16()
		base := r.uint(baseSize)
		count := int(r.u16())
		if r.err != nil {
			return errCorrupt("iloc: %v", r.err)
		}
		// Each extent takes at least offsetSize+lengthSize+indexSize bytes,
		// so the count is checked against what is left before allocating.
		per := offsetSize + lengthSize + indexSize
		if total+count > MaxExtents || (per > 0 && count*per > r.left()) {
			return errCorrupt("iloc: item %d declares %d extents", id, count)
		}
		total += count
		exts := make([]extent, 0, count)
		for range count {
			r.uint(indexSize)
			off := r.uint(offsetSize)
			length := r.uint(lengthSize)
			exts = append(exts, extent{offset: off, length: length})
		}
		if r.err != nil {
			return errCorrupt("iloc: %v", r.err)
		}
		it, ok := f.items[id]
		if !ok {
			// A location for an item iinf does not declare: ignored,
			// as libheif does.
			continue
		}
		if it.located {
			return errCorrupt("iloc: item %d located twice", id)
		}
		it.located, it.method, it.dataRef, it.baseOffset, it.extents = true, method, dataRef, base, exts
	}
	return nil
}

func (f *File) parseIref(b box) error {
	r := reader{b: b.payload(f.data)}
	v, _ := r.fullBox()
	if r.err != nil {
		return errCorrupt("iref: %v", r.err)
	}
	kids, err := children(f.data, b.body+4, b.end)
	if err != nil {
		return fmt.Errorf("iref: %w", err)
	}
	total := 0
	for _, k := range kids {
		r := reader{b: k.payload(f.data)}
		ref := Reference{Type: k.typ, box: k, wide: v != 0}
		if v == 0 {
			ref.From = uint32(r.u16())
		} else {
			ref.From = r.u32()
		}
		n := int(r.u16())
		width := 2
		if v != 0 {
			width = 4
		}
		if r.err != nil || n*width > r.left() {
			return errCorrupt("iref %s: truncated", printable(k.typ))
		}
		if total += n; total > MaxReferences {
			return errCorrupt("iref: more than %d references", MaxReferences)
		}
		ref.To = make([]uint32, n)
		for i := range ref.To {
			if v == 0 {
				ref.To[i] = uint32(r.u16())
			} else {
				ref.To[i] = r.u32()
			}
		}
		f.refs = append(f.refs, ref)
	}
	return nil
}

func (f *File) parseIprp(b box) error {
	kids, err := children(f.data, b.body, b.end)
	if err != nil {
		return fmt.Errorf("iprp: %w", err)
	}
	var ipco *box
	for i, k := range kids {
		if k.typ == "ipco" {
			if ipco != nil {
				return errCorrupt("iprp: more than one ipco box")
			}
			ipco = &kids[i]
		}
	}
	if ipco == nil {
		return errCorrupt("iprp: no ipco box")
	}
	props, err := children(f.data, ipco.body, ipco.end)
	if err != nil {
		return fmt.Errorf("ipco: %w", err)
	}
	if len(props) > MaxProperties {
		return errCorrupt("ipco: %d properties, more than %d", len(props), MaxProperties)
	}
	f.props = make([]property, len(props))
	for i, p := range props {
		f.props[i] = parseProperty(f.data, p)
	}
	total := 0
	for _, k := range kids {
		if k.typ != "ipma" {
			continue
		}
		if err := f.parseIpma(k, &total); err != nil {
			return err
		}
	}
	return nil
}

func (f *File) parseIpma(b box, total *int) error {
	r := reader{b: b.payload(f.data)}
	v, flags := r.fullBox()
	n := r.u32()
	if r.err != nil {
		return errCorrupt("ipma: %v", r.err)
	}
	if n > MaxItems {
		return errCorrupt("ipma: %d entries, more than %d", n, MaxItems)
	}
	for range n {
		var id uint32
		if v < 1 {
			id = uint32(r.u16())
		} else {
			id = r.u32()
		}
		count := int(r.u8())
		if r.err != nil {
			return errCorrupt("ipma: %v", r.err)
		}
		if *total += count; *total > MaxAssociations {
			return errCorrupt("ipma: more than %d associations", MaxAssociations)
		}
		it := f.items[id]
		if it != nil && it.assoc != nil {
			return errCorrupt("ipma: item %d associated twice", id)
		}
		assoc := make([]association, 0, count)
		for range count {
			var a association
			if flags&1 != 0 {
				x := r.u16()
				a = association{index: int(x & 0x7fff), essential: x&0x8000 != 0}
			} else {
				x := r.u8()
				a = association{index: int(x & 0x7f), essential: x&0x80 != 0}
			}
			if a.index > len(f.props) {
				return errCorrupt("ipma: item %d refers to property %d of %d", id, a.index, len(f.props))
			}
			assoc = append(assoc, a)
		}
		if r.err != nil {
			return errCorrupt("ipma: %v", r.err)
		}
		if it != nil {
			it.assoc = assoc
		}
	}
	return nil
}
