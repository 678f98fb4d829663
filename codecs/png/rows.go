package png

// convert writes the unfiltered raw row cdat of w pixels into dst, one row
// of the Pix of the image kind d.kind() (image/png's pixel values: gray
// depths below 8 scaled by 0xff, 0x55 or 0x11; the tRNS colour transparent,
// compared as parseTRNS keeps it; 16-bit samples big-endian, as PNG and
// Go's 64-bit image types store them). For a paletted image it also
// records the largest index used.
func (d *decoder) convert(dst, cdat []byte, w int) {
	switch d.colorType {
	case ctGray:
		switch {
		case d.depth == 16 && d.transparent:
			ty := uint16(d.trns[0])<<8 | uint16(d.trns[1])
			for x := range w {
				s, o := cdat[2*x:2*x+2:2*x+2], dst[8*x:8*x+8:8*x+8]
				a := byte(0xff)
				if uint16(s[0])<<8|uint16(s[1]) == ty {
					a = 0
				}
				o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7] = s[0], s[1], s[0], s[1], s[0], s[1], a, a
			}
		case d.depth == 16:
			copy(dst, cdat[:2*w])
		case d.depth == 8 && d.transparent:
			ty := d.trns[1]
			for x, v := range cdat[:w] {
				o := dst[4*x : 4*x+4 : 4*x+4]
				a := byte(0xff)
				if v == ty {
					a = 0
				}
				o[0], o[1], o[2], o[3] = v, v, v, a
			}
		case d.depth == 8:
			copy(dst, cdat[:w])
		default:
			d.unpackGray(dst, cdat, w)
		}
	case ctRGB:
		switch {
		case d.depth == 16 && d.transparent:
			t := d.trns
			for x := range w {
				s, o := cdat[6*x:6*x+6:6*x+6], dst[8*x:8*x+8:8*x+8]
				a := byte(0xff)
				if s[0] == t[0] && s[1] == t[1] && s[2] == t[2] && s[3] == t[3] && s[4] == t[4] && s[5] == t[5] {
					a = 0
				}
				o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7] = s[0], s[1], s[2], s[3], s[4], s[5], a, a
			}
		case d.depth == 16:
			for x := range w {
				s, o := cdat[6*x:6*x+6:6*x+6], dst[8*x:8*x+8:8*x+8]
				o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7] = s[0], s[1], s[2], s[3], s[4], s[5], 0xff, 0xff
			}
		case d.transparent:
			tr, tg, tb := d.trns[1], d.trns[3], d.trns[5]
			for x := range w {
				s, o := cdat[3*x:3*x+3:3*x+3], dst[4*x:4*x+4:4*x+4]
				a := byte(0xff)
				if s[0] == tr && s[1] == tg && s[2] == tb {
					a = 0
				}
				o[0], o[1], o[2], o[3] = s[0], s[1], s[2], a
			}
		default:
			rgbToRGBA(dst, cdat, w)
		}
	case ctPalette:
		if d.depth == 8 {
			copy(dst, cdat[:w])
			if len(d.palette) < 256 {
				m := d.maxIdx
				for _, v := range cdat[:w] {
					m = max(m, int(v))
				}
				d.maxIdx = m
			}
			return
		}
		d.unpackIndices(dst, cdat, w)
	case ctGrayAlpha:
		if d.depth == 16 {
			for x := range w {
				s, o := cdat[4*x:4*x+4:4*x+4], dst[8*x:8*x+8:8*x+8]
				o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7] = s[0], s[1], s[0], s[1], s[0], s[1], s[2], s[3]
			}
			return
		}
		for x := range w {
			s, o := cdat[2*x:2*x+2:2*x+2], dst[4*x:4*x+4:4*x+4]
			o[0], o[1], o[2], o[3] = s[0], s[0], s[0], s[1]
		}
	case ctRGBA:
		copy(dst, cdat[:pixelBytes[d.kind()]*w])
	}
}

// rgbToRGBA expands w RGB pixels to opaque RGBA.
func rgbToRGBA(dst, src []byte, w int) {
	dst, src = dst[:4*w], src[:3*w]
	for x := range w {
		s, o := src[3*x:3*x+3:3*x+3], dst[4*x:4*x+4:4*x+4]
		o[0], o[1], o[2], o[3] = s[0], s[1], s[2], 0xff
	}
}

// unpackGray expands gray samples of 1, 2 or 4 bits to 8 bits (to NRGBA
// when a tRNS chunk makes one of them transparent).
func (d *decoder) unpackGray(dst, cdat []byte, w int) {
	depth := uint(d.depth)
	scale := [...]byte{1: 0xff, 2: 0x55, 4: 0x11}[depth]
	perByte := 8 / int(depth)
	mask := byte(1)<<depth - 1
	if !d.transparent {
		dst = dst[:w]
		for x := range dst {
			shift := 8 - depth*uint(x%perByte+1)
			dst[x] = (cdat[x/perByte] >> shift & mask) * scale
		}
		return
	}
	ty := d.trns[1]
	for x := range w {
		shift := 8 - depth*uint(x%perByte+1)
		v := (cdat[x/perByte] >> shift & mask) * scale
		a := byte(0xff)
		if v == ty {
			a = 0
		}
		o := dst[4*x : 4*x+4 : 4*x+4]
		o[0], o[1], o[2], o[3] = v, v, v, a
	}
}

// unpackIndices expands palette indices of 1, 2 or 4 bits to bytes.
func (d *decoder) unpackIndices(dst, cdat []byte, w int) {
	depth := uint(d.depth)
	perByte := 8 / int(depth)
	mask := byte(1)<<depth - 1
	dst = dst[:w]
	var m byte
	for x := range dst {
		shift := 8 - depth*uint(x%perByte+1)
		v := cdat[x/perByte] >> shift & mask
		m = max(m, v)
		dst[x] = v
	}
	d.maxIdx = max(d.maxIdx, int(m))
}
