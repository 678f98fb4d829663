package heif

// property is one box of ipco, with its parsed value when it is a type
// this package reads (nil otherwise, or when it is malformed: err says
// why).
type property struct {
	box   box
	value any
	err   error
	// raw, when set, is the whole box of a property made while
	// rebuilding the file (box then only gives its type).
	raw []byte
}

// bytes returns the whole property box, with an explicit size.
func (p property) bytes(data []byte) []byte {
	if p.raw != nil {
		return p.raw
	}
	return p.box.sized(data)
}

// ISPE is an image spatial extents property: the coded image's size.
type ISPE struct{ Width, Height uint32 }

// IROT is an image rotation property: Angle degrees anticlockwise (0, 90,
// 180 or 270).
type IROT struct{ Angle int }

// IMIR is an image mirroring property. Axis 0 flips the image top to
// bottom, axis 1 left to right, as libheif and libavif read it.
type IMIR struct{ Axis int }

// CLAP is a clean aperture property: a crop window given as fractions,
// centred on the image centre plus an offset.
type CLAP struct {
	WidthN, WidthD       uint32
	HeightN, HeightD     uint32
	HorizOffN, HorizOffD int32
	VertOffN, VertOffD   int32
}

// NCLX is the colour description of an nclx colr box (ITU-T H.273 code
// points).
type NCLX struct {
	ColourPrimaries         uint16
	TransferCharacteristics uint16
	MatrixCoefficients      uint16
	FullRange               bool
}

// Colour is a colr property: either NCLX or an ICC profile (colour type
// "prof" or "rICC").
type Colour struct {
	Type string
	NCLX NCLX
	ICC  []byte
}

// PIXI is a pixel information property: the bit depth of each channel.
type PIXI struct{ BitsPerChannel []uint8 }

// HVCC is an HEVC decoder configuration record (hvcC).
type HVCC struct {
	ChromaFormat   int // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
	BitDepthLuma   int
	BitDepthChroma int
	LengthSize     int
	// NALs are the parameter set NAL units (VPS, SPS, PPS, SEI), each
	// with its two-byte NAL header.
	NALs [][]byte
}

// AV1C is an AV1 codec configuration record (av1C).
type AV1C struct {
	Profile              int
	HighBitDepth         bool
	TwelveBit            bool
	Monochrome           bool
	SubsamplingX         bool
	SubsamplingY         bool
	ChromaSamplePosition int
	// ConfigOBUs holds the configuration OBUs (usually the sequence
	// header), possibly empty.
	ConfigOBUs []byte
}

// BitDepth is the coded bit depth: 8, 10 or 12.
func (c AV1C) BitDepth() int {
	switch {
	case c.TwelveBit:
		return 12
	case c.HighBitDepth:
		return 10
	}
	return 8
}

// AUXC is an auxiliary type property: what an auxiliary image is (e.g.
// alpha: "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha").
type AUXC struct {
	Type    string
	Subtype []byte
}

// IsAlpha reports whether an auxiliary type names an alpha plane.
func (a AUXC) IsAlpha() bool {
	return a.Type == "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha" || a.Type == "urn:mpeg:hevc:2015:auxid:1"
}

func parseProperty(data []byte, b box) property {
	p := property{box: b}
	r := reader{b: b.payload(data)}
	switch b.typ {
	case "ispe":
		r.fullBox()
		v := ISPE{Width: r.u32(), Height: r.u32()}
		p.value = v
	case "irot":
		p.value = IROT{Angle: int(r.u8()&3) * 90}
	case "imir":
		p.value = IMIR{Axis: int(r.u8() & 1)}
	case "clap":
		var c CLAP
		c.WidthN, c.WidthD = r.u32(), r.u32()
		c.HeightN, c.HeightD = r.u32(), r.u32()
		c.HorizOffN, c.HorizOffD = int32(r.u32()), int32(r.u32())
		c.VertOffN, c.VertOffD = int32(r.u32()), int32(r.u32())
		p.value = c
	case "colr":
		c := Colour{Type: r.fourcc()}
		switch c.Type {
		case "nclx":
			c.NCLX.ColourPrimaries = r.u16()
			c.NCLX.TransferCharacteristics = r.u16()
			c.NCLX.MatrixCoefficients = r.u16()
			c.NCLX.FullRange = r.u8()&0x80 != 0
		case "prof", "rICC":
			c.ICC = r.b[r.off:]
		}
		p.value = c
	case "pixi":
		r.fullBox()
		n := int(r.u8())
		if r.need(n) {
			p.value = PIXI{BitsPerChannel: r.b[r.off : r.off+n]}
		}
	case "hvcC":
		p.value, p.err = parseHVCC(&r)
	case "av1C":
		var c AV1C
		m := r.u8()
		if m&0x80 == 0 {
			p.err = errCorrupt("av1C: marker bit not set")
		}
		x := r.u8()
		c.Profile = int(x >> 5)
		x = r.u8()
		c.HighBitDepth = x&0x40 != 0
		c.TwelveBit = x&0x20 != 0
		c.Monochrome = x&0x10 != 0
		c.SubsamplingX = x&0x08 != 0
		c.SubsamplingY = x&0x04 != 0
		c.ChromaSamplePosition = int(x & 3)
		r.u8()
		if r.err == nil {
			c.ConfigOBUs = r.b[r.off:]
		}
		p.value = c
	case "auxC":
		r.fullBox()
		a := AUXC{Type: r.cstring()}
		if r.err == nil {
			a.Subtype = r.b[r.off:]
		}
		p.value = a
	default:
		return p
	}
	if r.err != nil {
		p.value, p.err = nil, errCorrupt("%s property: %v", b.typ, r.err)
	}
	return p
}

// maxParameterSets bounds the NAL units of an hvcC.
const maxParameterSets = 256

func parseHVCC(r *reader) (any, error) {
	var c HVCC
	if !r.need(23) {
		return nil, r.err
	}
	b := r.b[r.off:]
	c.ChromaFormat = int(b[16] & 3)
	c.BitDepthLuma = int(b[17]&7) + 8
	c.BitDepthChroma = int(b[18]&7) + 8
	c.LengthSize = int(b[21]&3) + 1
	arrays := int(b[22])
	r.off += 23
	for range arrays {
		r.u8() // completeness, NAL unit type
		n := int(r.u16())
		for range n {
			size := int(r.u16())
			if !r.need(size) {
				return nil, r.err
			}
			if len(c.NALs) >= maxParameterSets {
				return nil, errCorrupt("hvcC: more than %d parameter sets", maxParameterSets)
			}
			c.NALs = append(c.NALs, r.b[r.off:r.off+size])
			r.off += size
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return c, nil
}
