package png

import "encoding/binary"

// unfilter reverses the filter ft (§9.2) of the raw row cur, in place,
// given the previous row prev after its own unfiltering (zeros for the
// first row of an image or a pass). bpp is the filter's unit, the bytes of
// one pixel rounded up to 1. Each filter type has its own loop, specialised
// for the common pixel sizes, so that no call or switch happens per byte.
//
// On amd64 with AVX2 the Paeth and Average loops of 3- and 4-byte pixels
// (and those of unfilterRGBToRGBA but None) start with a SIMD loop
// (filter_amd64.s, to the same bytes), which returns how many pixels it
// did: most of the row, the Go loop doing the rest. Elsewhere, or with
// the purego build tag, the vec functions do nothing (filter_other.go).
func unfilter(ft byte, cur, prev []byte, bpp int) error {
	switch ft {
	case ftNone:
	case ftSub:
		unSub(cur, bpp)
	case ftUp:
		unUp(cur, prev)
	case ftAverage:
		unAverage(cur, prev, bpp)
	case ftPaeth:
		switch bpp {
		case 1:
			unPaeth1(cur, prev)
		case 3:
			unPaeth3(cur, prev)
		case 4:
			unPaeth4(cur, prev)
		default:
			unPaethN(cur, prev, bpp)
		}
	default:
		return FormatError("bad filter type")
	}
	return nil
}

const high = 0x8080808080808080

// add8 adds the eight bytes of x and y lane by lane, modulo 256: the low
// seven bits of each lane first (no carry leaves a lane), then the top
// bits, whose carry is dropped.
func add8(x, y uint64) uint64 {
	return ((x &^ high) + (y &^ high)) ^ ((x ^ y) & high)
}

func unSub(cur []byte, bpp int) {
	if len(cur) <= bpp {
		return
	}
	switch bpp {
	case 8:
		for i := 8; i+8 <= len(cur); i += 8 {
			binary.LittleEndian.PutUint64(cur[i:], add8(binary.LittleEndian.Uint64(cur[i:]), binary.LittleEndian.Uint64(cur[i-8:])))
		}
	case 3:
		a0, a1, a2 := cur[0], cur[1], cur[2]
		for i := 3; i+3 <= len(cur); i += 3 {
			c := cur[i : i+3 : i+3]
			a0 += c[0]
			a1 += c[1]
			a2 += c[2]
			c[0], c[1], c[2] = a0, a1, a2
		}
	case 4:
		a0, a1, a2, a3 := cur[0], cur[1], cur[2], cur[3]
		for i := 4; i+4 <= len(cur); i += 4 {
			c := cur[i : i+4 : i+4]
			a0 += c[0]
			a1 += c[1]
			a2 += c[2]
			a3 += c[3]
			c[0], c[1], c[2], c[3] = a0, a1, a2, a3
		}
	default:
		c, p := cur[bpp:], cur[:len(cur)-bpp]
		for i := range c {
			c[i] += p[i]
		}
	}
}

// unUp adds the row above, eight bytes at a time.
func unUp(cur, prev []byte) {
	prev = prev[:len(cur)]
	n := len(cur) &^ 7
	for i := 0; i < n; i += 8 {
		binary.LittleEndian.PutUint64(cur[i:], add8(binary.LittleEndian.Uint64(cur[i:]), binary.LittleEndian.Uint64(prev[i:])))
	}
	for i := n; i < len(cur); i++ {
		cur[i] += prev[i]
	}
}

func unAverage(cur, prev []byte, bpp int) {
	prev = prev[:len(cur)]
	n := min(bpp, len(cur))
	for i := range n {
		cur[i] += prev[i] >> 1
	}
	switch bpp {
	case 3:
		i := 3 + 3*average3Vec(cur, prev, len(cur)/3)
		a0, a1, a2 := uint(cur[i-3]), uint(cur[i-2]), uint(cur[i-1])
		for ; i+3 <= len(cur); i += 3 {
			c, p := cur[i:i+3:i+3], prev[i:i+3:i+3]
			a0 = uint(c[0]+uint8((a0+uint(p[0]))>>1)) & 0xff
			a1 = uint(c[1]+uint8((a1+uint(p[1]))>>1)) & 0xff
			a2 = uint(c[2]+uint8((a2+uint(p[2]))>>1)) & 0xff
			c[0], c[1], c[2] = uint8(a0), uint8(a1), uint8(a2)
		}
	case 4:
		i := 4 + 4*average4Vec(cur, prev, len(cur)/4)
		a0, a1, a2, a3 := uint(cur[i-4]), uint(cur[i-3]), uint(cur[i-2]), uint(cur[i-1])
		for ; i+4 <= len(cur); i += 4 {
			c, p := cur[i:i+4:i+4], prev[i:i+4:i+4]
			a0 = uint(c[0]+uint8((a0+uint(p[0]))>>1)) & 0xff
			a1 = uint(c[1]+uint8((a1+uint(p[1]))>>1)) & 0xff
			a2 = uint(c[2]+uint8((a2+uint(p[2]))>>1)) & 0xff
			a3 = uint(c[3]+uint8((a3+uint(p[3]))>>1)) & 0xff
			c[0], c[1], c[2], c[3] = uint8(a0), uint8(a1), uint8(a2), uint8(a3)
		}
	default:
		for i := bpp; i < len(cur); i++ {
			cur[i] += uint8((uint(cur[i-bpp]) + uint(prev[i])) >> 1)
		}
	}
}

// paeth is the Paeth predictor (§9.4) of a (left), b (above) and c (above
// left), without absolute values: with lo and hi the lesser and greater of
// a and b, and t = 3c − a − b, the spec's choice (the first of a, b, c
// nearest to a + b − c) is hi when t ≤ lo, lo when hi ≤ t, else c — the
// reformulation of stb_image (F. Giesen), checked against the spec's form
// for all 2^24 inputs by TestPaethExhaustive. It compiles to three
// compares and conditional moves, half the instructions of the
// distances, which matters as each byte depends on the one before it.
func paeth(a, b, c int) int {
	t := 3*c - a - b
	lo, hi := min(a, b), max(a, b)
	p := c
	if hi <= t {
		p = lo
	}
	if t <= lo {
		p = hi
	}
	return p
}

func unPaeth1(cur, prev []byte) {
	prev = prev[:len(cur)]
	a, c := 0, 0
	for i, x := range cur {
		b := int(prev[i])
		x += uint8(paeth(a, b, c))
		cur[i] = x
		a, c = int(x), b
	}
}

// unPaeth3 and unPaeth4 take the first pixel apart (a = c = 0: the
// predictor is b), then carry only a in registers and load b and c from
// prev, each channel's byte stored as soon as it is known: fewer values
// live across the loop than the compiler's registers.
func unPaeth3(cur, prev []byte) {
	prev = prev[:len(cur)]
	if len(cur) < 3 {
		return
	}
	cur[0] += prev[0]
	cur[1] += prev[1]
	cur[2] += prev[2]
	i := 3 + 3*paeth3Vec(cur, prev, len(cur)/3)
	a0, a1, a2 := int(cur[i-3]), int(cur[i-2]), int(cur[i-1])
	for ; i+3 <= len(cur); i += 3 {
		x, p := (*[3]byte)(cur[i:]), (*[6]byte)(prev[i-3:])
		a0 = int(x[0] + uint8(paeth(a0, int(p[3]), int(p[0]))))
		x[0] = uint8(a0)
		a1 = int(x[1] + uint8(paeth(a1, int(p[4]), int(p[1]))))
		x[1] = uint8(a1)
		a2 = int(x[2] + uint8(paeth(a2, int(p[5]), int(p[2]))))
		x[2] = uint8(a2)
	}
}

func unPaeth4(cur, prev []byte) {
	prev = prev[:len(cur)]
	if len(cur) < 4 {
		return
	}
	cur[0] += prev[0]
	cur[1] += prev[1]
	cur[2] += prev[2]
	cur[3] += prev[3]
	i := 4 + 4*paeth4Vec(cur, prev, len(cur)/4)
	a0, a1, a2, a3 := int(cur[i-4]), int(cur[i-3]), int(cur[i-2]), int(cur[i-1])
	for ; i+4 <= len(cur); i += 4 {
		x, p := (*[4]byte)(cur[i:]), (*[8]byte)(prev[i-4:])
		a0 = int(x[0] + uint8(paeth(a0, int(p[4]), int(p[0]))))
		x[0] = uint8(a0)
		a1 = int(x[1] + uint8(paeth(a1, int(p[5]), int(p[1]))))
		x[1] = uint8(a1)
		a2 = int(x[2] + uint8(paeth(a2, int(p[6]), int(p[2]))))
		x[2] = uint8(a2)
		a3 = int(x[3] + uint8(paeth(a3, int(p[7]), int(p[3]))))
		x[3] = uint8(a3)
	}
}

func unPaethN(cur, prev []byte, bpp int) {
	prev = prev[:len(cur)]
	n := min(bpp, len(cur))
	for i := range n {
		cur[i] += prev[i] // a = c = 0: the predictor is b
	}
	for i := bpp; i < len(cur); i++ {
		cur[i] += uint8(paeth(int(cur[i-bpp]), int(prev[i]), int(prev[i-bpp])))
	}
}

// unfilterRGBToRGBA reverses the filter ft of the raw row cur of packed
// 8-bit RGB pixels into dst, a row of opaque RGBA pixels, given the row
// above already in dst's layout (nil for the first row: zeros). It is
// unfilter and rgbToRGBA in one pass, without a raw copy of the row above.
func unfilterRGBToRGBA(ft byte, dst, cur, prev []byte) error {
	w := len(cur) / 3
	dst, cur = dst[:4*w], cur[:3*w]
	if prev == nil {
		// The first row: b = c = 0, so Up is None, and Paeth's
		// predictor is always a, as Sub's.
		switch ft {
		case ftUp:
			ft = ftNone
		case ftPaeth:
			ft = ftSub
		case ftAverage:
			var a0, a1, a2 uint8
			for x := range w {
				s, o := (*[3]byte)(cur[3*x:]), (*[4]byte)(dst[4*x:])
				a0 = s[0] + a0>>1
				a1 = s[1] + a1>>1
				a2 = s[2] + a2>>1
				o[0], o[1], o[2], o[3] = a0, a1, a2, 0xff
			}
			return nil
		}
	} else {
		prev = prev[:4*w]
	}
	switch ft {
	case ftNone:
		for x := range w {
			s, o := (*[3]byte)(cur[3*x:]), (*[4]byte)(dst[4*x:])
			o[0], o[1], o[2], o[3] = s[0], s[1], s[2], 0xff
		}
	case ftSub:
		x := subRGBToRGBAVec(dst, cur, w)
		var a0, a1, a2 uint8
		if x > 0 {
			o := (*[3]byte)(dst[4*x-4:])
			a0, a1, a2 = o[0], o[1], o[2]
		}
		for ; x < w; x++ {
			s, o := (*[3]byte)(cur[3*x:]), (*[4]byte)(dst[4*x:])
			a0 += s[0]
			a1 += s[1]
			a2 += s[2]
			o[0], o[1], o[2], o[3] = a0, a1, a2, 0xff
		}
	case ftUp:
		for x := upRGBToRGBAVec(dst, cur, prev, w); x < w; x++ {
			s, p, o := (*[3]byte)(cur[3*x:]), (*[3]byte)(prev[4*x:]), (*[4]byte)(dst[4*x:])
			o[0], o[1], o[2], o[3] = s[0]+p[0], s[1]+p[1], s[2]+p[2], 0xff
		}
	case ftAverage:
		x := averageRGBToRGBAVec(dst, cur, prev, w)
		var a0, a1, a2 uint
		if x > 0 {
			o := (*[3]byte)(dst[4*x-4:])
			a0, a1, a2 = uint(o[0]), uint(o[1]), uint(o[2])
		}
		for ; x < w; x++ {
			s, p, o := (*[3]byte)(cur[3*x:]), (*[3]byte)(prev[4*x:]), (*[4]byte)(dst[4*x:])
			a0 = uint(s[0]+uint8((a0+uint(p[0]))>>1)) & 0xff
			a1 = uint(s[1]+uint8((a1+uint(p[1]))>>1)) & 0xff
			a2 = uint(s[2]+uint8((a2+uint(p[2]))>>1)) & 0xff
			o[0], o[1], o[2], o[3] = uint8(a0), uint8(a1), uint8(a2), 0xff
		}
	case ftPaeth:
		if w == 0 {
			return nil
		}
		s, p, o := (*[3]byte)(cur), (*[3]byte)(prev), (*[4]byte)(dst)
		o[0], o[1], o[2], o[3] = s[0]+p[0], s[1]+p[1], s[2]+p[2], 0xff
		x := 1 + paethRGBToRGBAVec(dst, cur, prev, w)
		o = (*[4]byte)(dst[4*x-4:])
		a0, a1, a2 := int(o[0]), int(o[1]), int(o[2])
		for ; x < w; x++ {
			s, p, o := (*[3]byte)(cur[3*x:]), (*[7]byte)(prev[4*x-4:]), (*[4]byte)(dst[4*x:])
			a0 = int(s[0] + uint8(paeth(a0, int(p[4]), int(p[0]))))
			o[0] = uint8(a0)
			a1 = int(s[1] + uint8(paeth(a1, int(p[5]), int(p[1]))))
			o[1] = uint8(a1)
			a2 = int(s[2] + uint8(paeth(a2, int(p[6]), int(p[2]))))
			o[2] = uint8(a2)
			o[3] = 0xff
		}
	default:
		return FormatError("bad filter type")
	}
	return nil
}
