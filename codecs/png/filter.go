package png

import "encoding/binary"

// unfilter reverses the filter ft (§9.2) of the raw row cur, in place,
// given the previous row prev after its own unfiltering (zeros for the
// first row of an image or a pass). bpp is the filter's unit, the bytes of
// one pixel rounded up to 1. Each filter type has its own loop, specialised
// for the common pixel sizes, so that no call or switch happens per byte.
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
		a0, a1, a2 := uint(cur[0]), uint(cur[1]), uint(cur[2])
		for i := 3; i+3 <= len(cur); i += 3 {
			c, p := cur[i:i+3:i+3], prev[i:i+3:i+3]
			a0 = uint(c[0]+uint8((a0+uint(p[0]))>>1)) & 0xff
			a1 = uint(c[1]+uint8((a1+uint(p[1]))>>1)) & 0xff
			a2 = uint(c[2]+uint8((a2+uint(p[2]))>>1)) & 0xff
			c[0], c[1], c[2] = uint8(a0), uint8(a1), uint8(a2)
		}
	case 4:
		a0, a1, a2, a3 := uint(cur[0]), uint(cur[1]), uint(cur[2]), uint(cur[3])
		for i := 4; i+4 <= len(cur); i += 4 {
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
// left), in a form the compiler turns into conditional moves: the
// distances |p−a| = |b−c|, |p−b| = |a−c| and |p−c| = |a+b−2c| of the
// linear estimate p = a+b−c, and the first of a, b, c at the least
// distance, ties going to a then b.
func paeth(a, b, c int) int {
	pa, pb := b-c, a-c
	pc := pa + pb
	if pa < 0 {
		pa = -pa
	}
	if pb < 0 {
		pb = -pb
	}
	if pc < 0 {
		pc = -pc
	}
	if pb < pa {
		pa, a = pb, b
	}
	if pc < pa {
		a = c
	}
	return a
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

func unPaeth3(cur, prev []byte) {
	prev = prev[:len(cur)]
	var a0, a1, a2, c0, c1, c2 int
	for i := 0; i+3 <= len(cur); i += 3 {
		x, p := cur[i:i+3:i+3], prev[i:i+3:i+3]
		b0, b1, b2 := int(p[0]), int(p[1]), int(p[2])
		x0 := x[0] + uint8(paeth(a0, b0, c0))
		x1 := x[1] + uint8(paeth(a1, b1, c1))
		x2 := x[2] + uint8(paeth(a2, b2, c2))
		x[0], x[1], x[2] = x0, x1, x2
		a0, a1, a2 = int(x0), int(x1), int(x2)
		c0, c1, c2 = b0, b1, b2
	}
}

func unPaeth4(cur, prev []byte) {
	prev = prev[:len(cur)]
	var a0, a1, a2, a3, c0, c1, c2, c3 int
	for i := 0; i+4 <= len(cur); i += 4 {
		x, p := cur[i:i+4:i+4], prev[i:i+4:i+4]
		b0, b1, b2, b3 := int(p[0]), int(p[1]), int(p[2]), int(p[3])
		x0 := x[0] + uint8(paeth(a0, b0, c0))
		x1 := x[1] + uint8(paeth(a1, b1, c1))
		x2 := x[2] + uint8(paeth(a2, b2, c2))
		x3 := x[3] + uint8(paeth(a3, b3, c3))
		x[0], x[1], x[2], x[3] = x0, x1, x2, x3
		a0, a1, a2, a3 = int(x0), int(x1), int(x2), int(x3)
		c0, c1, c2, c3 = b0, b1, b2, b3
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
