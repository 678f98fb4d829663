package jpeg

import (
	"encoding/binary"
	"math"
)

// Inverse DCTs.
//
// The 8-point inverse DCT of ITU T.81 A.3.3 is, per dimension,
//
//	f(x) = ½ [ F(0)·cos(π/4) + Σ_{u=1..7} F(u)·cos((2x+1)uπ/16) ]
//
// and the 2-D transform applies it to the columns and then to the rows, so
// a block whose only coefficient is F(0,0) has samples F(0,0)/8. The
// full-size transform (decIDCT8) is libjpeg's integer one; see below.
//
// The reduced transforms evaluate the same continuous interpolation, using
// only the k×k lowest frequencies, at the centres of the n×n pixel groups
// of a 1/n decode (k = 8/n): for pixel group i the angle (2x+1)uπ/16 at the
// group's centre x = n·i + (n-1)/2 becomes (2i+1)uπ/(2k), which is a k-point
// inverse DCT with the 8-point normalisation. Each frequency is also
// multiplied by the mean of its cosine over the n pixels of the group,
//
//	a(u) = sin(n·u·π/16) / (n·sin(u·π/16)),  a(0) = 1,
//
// so that every output sample is the n×n box average of the picture that
// the k×k low frequencies describe. a(u)·a(v) and the quantiser are folded
// into the dequantisation table (decDequant).

// Fixed-point constants of the reduced transforms, scaled by 2^decCB.
const (
	decCB = 15

	decC4    = 23170 // cos(4π/16)
	decC6    = 12540 // cos(6π/16)
	decC2mC6 = 17734 // cos(2π/16) - cos(6π/16)
	decC2pC6 = 42813 // cos(2π/16) + cos(6π/16)
)

// decRedBits is the fixed-point scale of the reduced transforms'
// dequantisation tables.
const decRedBits = 12

// decPrefixLen[k] is the length of the shortest zig-zag prefix that holds
// every coefficient of the top-left k×k corner of a block.
var decPrefixLen [9]int

// decRedScale[k] holds, for the k×k reduced transforms (k = 1, 2, 4), the
// factors a(u)·a(v)·2^decRedBits in natural order.
var decRedScale [9][64]int32

func init() {
	for z, nat := range unzig {
		for k := 1; k <= 8; k *= 2 {
			if int(nat)/8 < k && int(nat)%8 < k {
				decPrefixLen[k] = z + 1
			}
		}
	}
	for k := 1; k < 8; k *= 2 {
		n := float64(8 / k)
		var a [8]float64
		a[0] = 1
		for u := 1; u < k; u++ {
			t := float64(u) * math.Pi / 16
			a[u] = math.Sin(n*t) / (n * math.Sin(t))
		}
		for v := 0; v < k; v++ {
			for u := 0; u < k; u++ {
				decRedScale[k][v*8+u] = int32(math.Round(a[v] * a[u] * (1 << decRedBits)))
			}
		}
	}
}

// decDequant fills dq, in natural order, with the multipliers that turn
// quantised coefficients into the inputs of the k×k inverse DCT: the
// quantiser q (zig-zag order) itself for k = 8, and q·a(u)·a(v) scaled by
// 2^decRedBits for the reduced transforms.
func decDequant(dq *[64]int32, q *[64]uint16, k int) {
	if k == 8 {
		for z, nat := range unzig {
			dq[nat] = int32(q[z])
		}
		return
	}
	clear(dq[:])
	for z := 0; z < decPrefixLen[k]; z++ {
		nat := unzig[z]
		dq[nat] = int32(q[z]) * decRedScale[k][nat]
	}
}

// decClamp returns v clamped to 0..255.
func decClamp(v int) byte {
	if uint(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return byte(v)
}

// decFillDC writes the samples of a block whose only non-zero coefficient
// is its DC, c·dq, to the k×k block at dst.
func decFillDC(c, dq int32, k int, dst []byte, stride int) {
	var v byte
	if k == 8 {
		v = decClamp((int(c)*int(dq)+4)>>3 + 128)
	} else {
		const sh = decRedBits + 3
		v = decClamp((int(c)*int(dq)+1<<(sh-1))>>sh + 128)
	}
	switch k {
	case 8:
		w := uint64(v) * 0x0101010101010101
		for y := 0; y < 8; y++ {
			binary.LittleEndian.PutUint64(dst[y*stride:], w)
		}
	case 4:
		w := uint32(v) * 0x01010101
		for y := 0; y < 4; y++ {
			binary.LittleEndian.PutUint32(dst[y*stride:], w)
		}
	default:
		for y := 0; y < k; y++ {
			row := dst[y*stride : y*stride+k]
			for x := range row {
				row[x] = v
			}
		}
	}
}

// The full-size 8×8 transform is the integer one of the IJG's libjpeg
// ("islow", the Loeffler-Ligtenberg-Moschytz factorisation with 13-bit
// constants and two extra bits kept between the passes), so that a
// full-size decode gives djpeg's samples to the bit (TestDecodeGrayDjpeg).
// Every intermediate fits in int32 for coefficients of valid 8-bit data;
// what corrupt data makes of them wraps, as in libjpeg, and is clamped.
const (
	decIslowBits = 13 // fraction bits of the constants
	decIslowPass = 2  // extra bits kept between the passes

	decK0298 = 2446  // 0.298631336
	decK0390 = 3196  // 0.390180644
	decK0541 = 4433  // 0.541196100
	decK0765 = 6270  // 0.765366865
	decK0899 = 7373  // 0.899976223
	decK1175 = 9633  // 1.175875602
	decK1501 = 12299 // 1.501321110
	decK1847 = 15137 // 1.847759065
	decK1961 = 16069 // 1.961570560
	decK2053 = 16819 // 2.053119869
	decK2562 = 20995 // 2.562915447
	decK3072 = 25172 // 3.072711026

	// decShift1 and decShift2 descale the column and the row pass.
	decShift1 = decIslowBits - decIslowPass
	decShift2 = decIslowBits + decIslowPass + 3
	// decRound2 rounds the row pass and adds the level shift.
	decRound2 = 1<<(decShift2-1) + 128<<decShift2
)

// decIDCT8 computes the 8×8 inverse DCT of the coefficients in (natural
// order) times dq and writes the level-shifted, clamped samples to dst:
// with SIMD where the machine has it (decIDCT8Vec), else decIDCT8Go, to
// the same bits.
func decIDCT8(in, dq *[64]int32, dst []byte, stride int) {
	if jpegVec {
		decIDCT8Vec(in, dq, dst, stride)
		return
	}
	decIDCT8Go(in, dq, dst, stride)
}

// decIDCT8Go is decIDCT8 in portable Go.
func decIDCT8Go(in, dq *[64]int32, dst []byte, stride int) {
	var ws [64]int32
	for c := 0; c < 8; c++ {
		if in[8+c]|in[16+c]|in[24+c]|in[32+c]|in[40+c]|in[48+c]|in[56+c] == 0 {
			// What the transform gives for a lone DC term.
			v := in[c] * dq[c] << decIslowPass
			ws[c], ws[8+c], ws[16+c], ws[24+c] = v, v, v, v
			ws[32+c], ws[40+c], ws[48+c], ws[56+c] = v, v, v, v
			continue
		}
		x0, x1, x2, x3, x4, x5, x6, x7 := decIslow1D(
			in[c]*dq[c], in[8+c]*dq[8+c], in[16+c]*dq[16+c], in[24+c]*dq[24+c],
			in[32+c]*dq[32+c], in[40+c]*dq[40+c], in[48+c]*dq[48+c], in[56+c]*dq[56+c])
		const r = 1 << (decShift1 - 1)
		ws[c], ws[8+c] = (x0+r)>>decShift1, (x1+r)>>decShift1
		ws[16+c], ws[24+c] = (x2+r)>>decShift1, (x3+r)>>decShift1
		ws[32+c], ws[40+c] = (x4+r)>>decShift1, (x5+r)>>decShift1
		ws[48+c], ws[56+c] = (x6+r)>>decShift1, (x7+r)>>decShift1
	}
	for r := 0; r < 8; r++ {
		w := ws[r*8 : r*8+8 : r*8+8]
		out := dst[r*stride : r*stride+8 : r*stride+8]
		x0, x1, x2, x3, x4, x5, x6, x7 := decIslow1D(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7])
		out[0] = decClamp(int((x0 + decRound2) >> decShift2))
		out[1] = decClamp(int((x1 + decRound2) >> decShift2))
		out[2] = decClamp(int((x2 + decRound2) >> decShift2))
		out[3] = decClamp(int((x3 + decRound2) >> decShift2))
		out[4] = decClamp(int((x4 + decRound2) >> decShift2))
		out[5] = decClamp(int((x5 + decRound2) >> decShift2))
		out[6] = decClamp(int((x6 + decRound2) >> decShift2))
		out[7] = decClamp(int((x7 + decRound2) >> decShift2))
	}
}

// decIslow1D returns 2^decIslowBits times the bracket of the 8-point
// inverse DCT of f0..f7 at x = 0..7, by the even/odd factorisation of
// islow: 12 multiplications.
func decIslow1D(f0, f1, f2, f3, f4, f5, f6, f7 int32) (x0, x1, x2, x3, x4, x5, x6, x7 int32) {
	// Even part.
	z1 := (f2 + f6) * decK0541
	t2 := z1 - f6*decK1847
	t3 := z1 + f2*decK0765
	t0 := (f0 + f4) << decIslowBits
	t1 := (f0 - f4) << decIslowBits
	e0, e3 := t0+t3, t0-t3
	e1, e2 := t1+t2, t1-t2

	// Odd part.
	p1, p2, p3, p4 := f7+f1, f5+f3, f7+f3, f5+f1
	z5 := (p3 + p4) * decK1175
	p1 *= -decK0899
	p2 *= -decK2562
	p3 = p3*-decK1961 + z5
	p4 = p4*-decK0390 + z5
	o7 := f7*decK0298 + p1 + p3
	o5 := f5*decK2053 + p2 + p4
	o3 := f3*decK3072 + p2 + p3
	o1 := f1*decK1501 + p1 + p4

	return e0 + o1, e1 + o3, e2 + o5, e3 + o7, e3 - o7, e2 - o5, e1 - o3, e0 - o1
}

// decIDCT4 computes the 4×4 reduced inverse DCT (a 1/2 decode) of the
// top-left 4×4 coefficients of in times dq (see decDequant): with SIMD
// where the machine has it (decIDCT4Vec), else decIDCT4Go, to the same
// bits.
func decIDCT4(in, dq *[64]int32, dst []byte, stride int) {
	if jpegVec {
		decIDCT4Vec(in, dq, dst, stride)
		return
	}
	decIDCT4Go(in, dq, dst, stride)
}

// The 4×4 transform's arithmetic is laid out for 64-bit SIMD lanes: the
// dequantised coefficients and the sums that feed a multiplication are
// int32 (as they are for valid data, below 2^25; corrupt data wraps), the
// products and their sums int64, and the columns pass is rounded to int32
// by decShift4a bits, at a scale where that rounding is 2^-16 of a level,
// before the rows pass.
const (
	decShift4a = 13
	decShift4b = decRedBits + 2*decCB + 2 - decShift4a
	decRound4a = 1 << (decShift4a - 1)
	decRound4b = 1<<(decShift4b-1) + 128<<decShift4b
)

// decIDCT4Go is decIDCT4 in portable Go.
func decIDCT4Go(in, dq *[64]int32, dst []byte, stride int) {
	var ws [16]int32
	for c := 0; c < 4; c++ {
		y0, y1, y2, y3 := decIDCT4x1(in[c]*dq[c], in[8+c]*dq[8+c], in[16+c]*dq[16+c], in[24+c]*dq[24+c])
		ws[c] = int32((y0 + decRound4a) >> decShift4a)
		ws[4+c] = int32((y1 + decRound4a) >> decShift4a)
		ws[8+c] = int32((y2 + decRound4a) >> decShift4a)
		ws[12+c] = int32((y3 + decRound4a) >> decShift4a)
	}
	for r := 0; r < 4; r++ {
		w := ws[r*4 : r*4+4 : r*4+4]
		out := dst[r*stride : r*stride+4 : r*stride+4]
		y0, y1, y2, y3 := decIDCT4x1(w[0], w[1], w[2], w[3])
		out[0] = decClamp(int((y0 + decRound4b) >> decShift4b))
		out[1] = decClamp(int((y1 + decRound4b) >> decShift4b))
		out[2] = decClamp(int((y2 + decRound4b) >> decShift4b))
		out[3] = decClamp(int((y3 + decRound4b) >> decShift4b))
	}
}

// decIDCT4x1 returns 2^decCB times the bracket of the 4-point reduced
// transform: the angles (2i+1)uπ/8 make cos(π/8) = c2 and cos(3π/8) = c6
// of the 8-point transform. Sums feeding a multiplication stay int32 (see
// decShift4a).
func decIDCT4x1(x0, x1, x2, x3 int32) (int64, int64, int64, int64) {
	t0 := int64(x0+x2) * decC4
	t1 := int64(x0-x2) * decC4
	r := int64(x1+x3) * decC6
	o0 := r + int64(x1)*decC2mC6
	o1 := r - int64(x3)*decC2pC6
	return t0 + o0, t1 + o1, t1 - o1, t0 - o0
}

// decIDCT2 computes the 2×2 reduced inverse DCT (a 1/4 decode). With two
// points the cosines are ±cos(π/4), so each sample is an eighth of a signed
// sum of the four dequantised coefficients.
func decIDCT2(in, dq *[64]int32, dst []byte, stride int) {
	x00 := int(in[0]) * int(dq[0])
	x01 := int(in[1]) * int(dq[1])
	x10 := int(in[8]) * int(dq[8])
	x11 := int(in[9]) * int(dq[9])
	a, b := x00+x01, x00-x01
	c, e := x10+x11, x10-x11
	const sh = decRedBits + 3
	const bias = 1<<(sh-1) + 128<<sh
	r0 := dst[0:2:2]
	r1 := dst[stride : stride+2 : stride+2]
	r0[0] = decClamp((a + c + bias) >> sh)
	r0[1] = decClamp((b + e + bias) >> sh)
	r1[0] = decClamp((a - c + bias) >> sh)
	r1[1] = decClamp((b - e + bias) >> sh)
}
