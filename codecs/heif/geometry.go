package heif

import (
	"encoding/binary"
	"fmt"
)

// MaxTiles bounds the tiles of a grid image. libheif allows up to
// 256×256; a 48 MP iPhone photo has 192 tiles of 512×512, and 4096 such
// tiles would make a gigapixel image, far past any limit.
const MaxTiles = 4096

// tileAreaMargin is the coded area, in pixels, that a grid's tiles may
// have beyond twice its output area (small grids of large tiles).
const tileAreaMargin = 8 << 20

// Image describes the primary image as a decoder produces it: how it is
// coded, its declared size and the size it is displayed at after its
// transforms. Parse does not check it; (*File).Image does.
type Image struct {
	// ID is the primary item's ID.
	ID uint32
	// Coding is the coding of the image data: "hvc1" (HEVC) or "av01"
	// (AV1); for a grid, its tiles' coding.
	Coding string
	// Grid reports a grid image (iPhone photos are grids of 512×512
	// tiles); Rows, Cols and Tiles describe it, TileWidth and TileHeight
	// are its tiles' declared size.
	Grid                  bool
	Rows, Cols            int
	Tiles                 []uint32
	TileWidth, TileHeight int
	// Declared is the size the image's ispe declares (for a grid, its
	// output size).
	Declared ISPE
	// Width and Height are as displayed, after the transforms.
	Width, Height int
	// Transforms are the primary's irot, imir and clap properties in the
	// order they apply.
	Transforms []any
	// BitDepth and ChromaFormat are the coded image's (from hvcC or
	// av1C): ChromaFormat 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4.
	BitDepth, ChromaFormat int
	// Alpha is the ID of the alpha plane's item, 0 if none; Premultiplied
	// reports colour premultiplied by it.
	Alpha         uint32
	Premultiplied bool
}

// CodedPixels is the area of the coded image data, in pixels: the tiles'
// declared sizes for a grid, else the declared size.
func (m *Image) CodedPixels() int64 {
	if m.Grid {
		return int64(len(m.Tiles)) * int64(m.TileWidth) * int64(m.TileHeight)
	}
	return int64(m.Declared.Width) * int64(m.Declared.Height)
}

// Image checks and describes the primary image. It fails with
// codecs.ErrUnsupportedFormat when the primary is coded with something
// other than HEVC or AV1 (or is a derived image other than a grid), and
// with codecs.ErrCorrupt when it is inconsistent: no ispe on the image or
// its tiles, a grid whose output size differs from its ispe, whose tiles
// are missing, too many (MaxTiles), of different sizes or codings, do not
// cover its output or cover far more than it, a clean aperture outside the
// image or empty, or a coded size in the HEVC SPS or AV1 sequence header
// larger than the ispe declares.
func (f *File) Image() (*Image, error) {
	m, err := f.imageOf(f.primary)
	if err == nil {
		if a, ok := f.Alpha(); ok {
			m.Alpha, m.Premultiplied = a, f.Premultiplied()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("heif: primary image: %w", err)
	}
	return m, nil
}

// imageOf checks and describes image item id (the primary, or its alpha
// plane).
func (f *File) imageOf(id uint32) (*Image, error) {
	it, ok := f.items[id]
	if !ok {
		return nil, errCorrupt("no item %d", id)
	}
	m := &Image{ID: id}
	ispe, ok := f.ISPE(id)
	if !ok {
		return nil, errCorrupt("item %d (%s) has no ispe", id, printable(it.Type))
	}
	m.Declared = ispe
	switch it.Type {
	case "hvc1", "av01":
		m.Coding = it.Type
		if err := f.checkCoded(id, ispe); err != nil {
			return nil, err
		}
		m.BitDepth, m.ChromaFormat = f.codedFormat(id)
	case "grid":
		if err := f.grid(m); err != nil {
			return nil, err
		}
	default:
		return nil, errUnsupported("primary item %d is coded as %q", id, printable(it.Type))
	}
	if ispe.Width == 0 || ispe.Height == 0 || ispe.Width > 1<<20 || ispe.Height > 1<<20 {
		return nil, errCorrupt("item %d: ispe %d×%d", id, ispe.Width, ispe.Height)
	}
	w, h := int(ispe.Width), int(ispe.Height)
	for _, p := range f.itemProps(id) {
		switch v := p.value.(type) {
		case IROT:
			if v.Angle == 90 || v.Angle == 270 {
				w, h = h, w
			}
		case IMIR:
		case CLAP:
			l, r, t, b, ok := v.window(w, h)
			if !ok || l < 0 || t < 0 || r >= int64(w) || b >= int64(h) || l > r || t > b {
				return nil, errCorrupt("item %d: clean aperture outside the %d×%d image", id, w, h)
			}
			w, h = int(r-l+1), int(b-t+1)
		default:
			if p.err != nil && (p.box.typ == "clap" || p.box.typ == "irot" || p.box.typ == "imir") {
				return nil, p.err
			}
			continue
		}
		m.Transforms = append(m.Transforms, p.value)
	}
	m.Width, m.Height = w, h
	return m, nil
}

// codedFormat returns the bit depth and chroma format of a coded item.
func (f *File) codedFormat(id uint32) (depth, chroma int) {
	if c, ok := f.hvcC(id); ok {
		return c.BitDepthLuma, c.ChromaFormat
	}
	if c, ok := f.av1C(id); ok {
		switch {
		case c.Monochrome:
			chroma = 0
		case c.SubsamplingX && c.SubsamplingY:
			chroma = 1
		case c.SubsamplingX:
			chroma = 2
		default:
			chroma = 3
		}
		return c.BitDepth(), chroma
	}
	return 8, 1
}

// checkCoded checks a coded item against its declared size: the HEVC
// SPS's picture size (after its conformance window) and the AV1 sequence
// header's maximum frame size (in av1C and in the data) must equal it, so
// that a decoder allocates no more than the limits checked.
func (f *File) checkCoded(id uint32, ispe ISPE) error {
	if ispe.Width == 0 || ispe.Height == 0 {
		return errCorrupt("item %d: ispe %d×%d", id, ispe.Width, ispe.Height)
	}
	it := f.items[id]
	switch it.Type {
	case "hvc1":
		c, ok := f.hvcC(id)
		if !ok {
			if p, ok := f.prop(id, "hvcC"); ok && p.err != nil {
				return p.err
			}
			return errCorrupt("item %d has no hvcC", id)
		}
		var sps *SPS
		for _, nal := range c.NALs {
			if len(nal) >= 2 && nal[0]>>1&0x3f == 33 {
				s, err := ParseSPS(nal)
				if err != nil {
					return fmt.Errorf("item %d: %w", id, err)
				}
				sps = s
				break
			}
		}
		if sps == nil {
			return errCorrupt("item %d: hvcC has no SPS", id)
		}
		if sps.Width != int(ispe.Width) || sps.Height != int(ispe.Height) {
			return errCorrupt("item %d: the SPS codes %d×%d, the ispe declares %d×%d", id, sps.Width, sps.Height, ispe.Width, ispe.Height)
		}
	case "av01":
		c, data, err := f.av1Item(id)
		if err != nil {
			return err
		}
		seq, err := ParseAV1Sequence(data)
		if err != nil {
			return fmt.Errorf("item %d: %w", id, err)
		}
		if len(c.ConfigOBUs) > 0 {
			if s, err := ParseAV1Sequence(c.ConfigOBUs); err == nil {
				seq.MaxWidth, seq.MaxHeight = max(seq.MaxWidth, s.MaxWidth), max(seq.MaxHeight, s.MaxHeight)
			}
		}
		if seq.MaxWidth != int(ispe.Width) || seq.MaxHeight != int(ispe.Height) {
			return errCorrupt("item %d: the AV1 sequence header codes up to %d×%d, the ispe declares %d×%d", id, seq.MaxWidth, seq.MaxHeight, ispe.Width, ispe.Height)
		}
	}
	return nil
}

// grid reads and checks the primary grid.
func (f *File) grid(m *Image) error {
	id := m.ID
	data, err := f.ItemData(id)
	if err != nil {
		return err
	}
	if len(data) < 8 || data[0] != 0 {
		return errCorrupt("grid %d: %d bytes of description, version %d", id, len(data), firstByte(data))
	}
	rows, cols := int(data[2])+1, int(data[3])+1
	var ow, oh uint32
	if data[1]&1 == 0 {
		ow, oh = uint32(binary.BigEndian.Uint16(data[4:])), uint32(binary.BigEndian.Uint16(data[6:]))
	} else {
		if len(data) < 12 {
			return errCorrupt("grid %d: truncated", id)
		}
		ow, oh = binary.BigEndian.Uint32(data[4:]), binary.BigEndian.Uint32(data[8:])
	}
	if ow != m.Declared.Width || oh != m.Declared.Height {
		return errCorrupt("grid %d: output %d×%d, ispe %d×%d", id, ow, oh, m.Declared.Width, m.Declared.Height)
	}
	if rows*cols > MaxTiles {
		return errCorrupt("grid %d: %d×%d tiles, more than %d", id, rows, cols, MaxTiles)
	}
	tiles := f.refsFrom(id, "dimg")
	if len(tiles) != rows*cols {
		return errCorrupt("grid %d: %d tiles for %d×%d", id, len(tiles), rows, cols)
	}
	var tw, th uint32
	for i, t := range tiles {
		it, ok := f.items[t]
		if !ok {
			return errCorrupt("grid %d: tile %d does not exist", id, t)
		}
		if it.Type != "hvc1" && it.Type != "av01" {
			return errUnsupported("grid %d: tile %d is coded as %q", id, t, printable(it.Type))
		}
		ispe, ok := f.ISPE(t)
		if !ok {
			return errCorrupt("grid %d: tile %d has no ispe", id, t)
		}
		if i == 0 {
			m.Coding, tw, th = it.Type, ispe.Width, ispe.Height
			if err := f.checkCoded(t, ispe); err != nil {
				return err
			}
			m.BitDepth, m.ChromaFormat = f.codedFormat(t)
		} else {
			if it.Type != m.Coding {
				return errCorrupt("grid %d: tiles of codings %s and %s", id, m.Coding, printable(it.Type))
			}
			if ispe.Width != tw || ispe.Height != th {
				return errCorrupt("grid %d: tiles of %d×%d and %d×%d", id, tw, th, ispe.Width, ispe.Height)
			}
			if !f.sameCoding(tiles[0], t) {
				if err := f.checkCoded(t, ispe); err != nil {
					return err
				}
				if d, c := f.codedFormat(t); d != m.BitDepth || c != m.ChromaFormat {
					return errCorrupt("grid %d: tiles of different formats", id)
				}
			}
		}
		for _, p := range f.itemProps(t) {
			switch p.box.typ {
			case "irot", "imir", "clap":
				return errUnsupported("grid %d: tile %d has its own %s", id, t, p.box.typ)
			}
		}
	}
	cover := func(n int, tile, out uint32) bool {
		total := uint64(n) * uint64(tile)
		return total >= uint64(out) && total-uint64(tile) < uint64(out)
	}
	if !cover(cols, tw, ow) || !cover(rows, th, oh) {
		return errCorrupt("grid %d: %d×%d tiles of %d×%d do not cover %d×%d", id, cols, rows, tw, th, ow, oh)
	}
	area := uint64(len(tiles)) * uint64(tw) * uint64(th)
	if area > 2*uint64(ow)*uint64(oh)+tileAreaMargin {
		return errCorrupt("grid %d: tiles of %d pixels for an output of %d×%d", id, area, ow, oh)
	}
	m.Grid, m.Rows, m.Cols, m.Tiles = true, rows, cols, tiles
	m.TileWidth, m.TileHeight = int(tw), int(th)
	return nil
}

// sameCoding reports whether two items share their decoder configuration
// property (the usual case for a grid's tiles), so that checking one
// checks both.
func (f *File) sameCoding(a, b uint32) bool {
	idx := func(id uint32) int {
		for _, as := range f.items[id].assoc {
			if as.index > 0 {
				switch f.props[as.index-1].box.typ {
				case "hvcC", "av1C":
					return as.index
				}
			}
		}
		return -1
	}
	i := idx(a)
	return i > 0 && i == idx(b) && f.items[a].Type == "hvc1"
}

func firstByte(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	return int(b[0])
}
