package jpeg

import "math"

// Inverse DCTs.
//
// The 8-point inverse DCT of ITU T.81 A.3.3 is, per dimension,
//
//	f(x) = ½ [ F(0)·cos(π/4) + Σ_{u=1..7} F(u)·cos((2x+1)uπ/16) ]
//
// and the 2-D transform applies it to the columns and then to the rows, so
// a block whose only coefficient is F(0,0) has samples F(0,0)/8.
//
// decIDCT8 evaluates the bracket with an even/odd split: the even
// coefficients form a 4-point transform e(x), the odd ones o(x), and
// f(x) = e(x)+o(x), f(7-x) = e(x)-o(x). The odd part
//
//	o(0) = c1·F1 + c3·F3 + c5·F5 + c7·F7
//	o(1) = c3·F1 - c7·F3 - c1·F5 - c5·F7
//	o(2) = c5·F1 - c1·F3 + c7·F5 + c3·F7
//	o(3) = c7·F1 - c5·F3 + c3·F5 - c1·F7      (ck = cos(kπ/16))
//
// shares the product c3·(F1+F3+F5+F7) and the four products of pair sums
// (F1+F7), (F3+F5), (F3+F7), (F1+F5), which leaves 9 multiplications
// instead of 16; the constants decOddA..decOddI below follow from matching
// the coefficients of each Fk.
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

// Fixed-point constants of the 8-point transform, scaled by 2^decCB.
const (
	decCB = 15

	decC4    = 23170 // cos(4π/16)
	decC6    = 12540 // cos(6π/16)
	decC2mC6 = 17734 // cos(2π/16) - cos(6π/16)
	decC2pC6 = 42813 // cos(2π/16) + cos(6π/16)
	decC3    = 27246 // cos(3π/16)
	decOddA  = 6919  //  -c1 + c3 + c5 - c7
	decOddB  = 47572 //   c1 + c3 - c5 + c7
	decOddC  = 71196 //   c1 + c3 + c5 - c7
	decOddD  = 34786 //   c1 + c3 - c5 - c7
	decOddE  = 20853 //   c3 - c7
	decOddG  = 59384 //   c1 + c3
	decOddH  = 45451 //   c3 + c5
	decOddI  = 9041  //   c3 - c5

	// decShift8 takes the row pass output (scale 2^(2·decCB), and the
	// factor ¼ of the two halves) to samples.
	decShift8 = 2*decCB + 2
	decBias8  = 1<<(decShift8-1) + 128<<decShift8
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
	for y := 0; y < k; y++ {
		row := dst[y*stride : y*stride+k]
		for x := range row {
			row[x] = v
		}
	}
}

// decIDCT8 computes the 8×8 inverse DCT of the coefficients in (natural
// order) times dq and writes the level-shifted, clamped samples to dst.
func decIDCT8(in, dq *[64]int32, dst []byte, stride int) {
	var ws [64]int
	for c := 0; c < 8; c++ {
		if in[8+c]|in[16+c]|in[24+c]|in[32+c]|in[40+c]|in[48+c]|in[56+c] == 0 {
			v := int(in[c]) * int(dq[c]) * decC4
			ws[c], ws[8+c], ws[16+c], ws[24+c] = v, v, v, v
			ws[32+c], ws[40+c], ws[48+c], ws[56+c] = v, v, v, v
			continue
		}
		f0 := int(in[c]) * int(dq[c])
		f1 := int(in[8+c]) * int(dq[8+c])
		f2 := int(in[16+c]) * int(dq[16+c])
		f3 := int(in[24+c]) * int(dq[24+c])
		f4 := int(in[32+c]) * int(dq[32+c])
		f5 := int(in[40+c]) * int(dq[40+c])
		f6 := int(in[48+c]) * int(dq[48+c])
		f7 := int(in[56+c]) * int(dq[56+c])
		x0, x1, x2, x3, x4, x5, x6, x7 := decIDCT1D(f0, f1, f2, f3, f4, f5, f6, f7)
		ws[c], ws[8+c], ws[16+c], ws[24+c] = x0, x1, x2, x3
		ws[32+c], ws[40+c], ws[48+c], ws[56+c] = x4, x5, x6, x7
	}
	for r := 0; r < 8; r++ {
		w := ws[r*8 : r*8+8 : r*8+8]
		out := dst[r*stride : r*stride+8 : r*stride+8]
		if w[1]|w[2]|w[3]|w[4]|w[5]|w[6]|w[7] == 0 {
			v := decClamp((w[0]*decC4 + decBias8) >> decShift8)
			out[0], out[1], out[2], out[3] = v, v, v, v
			out[4], out[5], out[6], out[7] = v, v, v, v
			continue
		}
		x0, x1, x2, x3, x4, x5, x6, x7 := decIDCT1D(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7])
		out[0] = decClamp((x0 + decBias8) >> decShift8)
		out[1] = decClamp((x1 + decBias8) >> decShift8)
		out[2] = decClamp((x2 + decBias8) >> decShift8)
		out[3] = decClamp((x3 + decBias8) >> decShift8)
		out[4] = decClamp((x4 + decBias8) >> decShift8)
		out[5] = decClamp((x5 + decBias8) >> decShift8)
		out[6] = decClamp((x6 + decBias8) >> decShift8)
		out[7] = decClamp((x7 + decBias8) >> decShift8)
	}
}

// decIDCT1D returns 2^decCB times the bracket of the 8-point inverse DCT
// of f0..f7 at x = 0..7.
func decIDCT1D(f0, f1, f2, f3, f4, f5, f6, f7 int) (x0, x1, x2, x3, x4, x5, x6, x7 int) {
	// Even part.
	z0 := (f0 + f4) * decC4
	z1 := (f0 - f4) * decC4
	r := (f2 + f6) * decC6
	p := r + f2*decC2mC6 // c2·f2 + c6·f6
	q := r - f6*decC2pC6 // c6·f2 - c2·f6
	e0, e3 := z0+p, z0-p
	e1, e2 := z1+q, z1-q
	// Odd part.
	z5 := (f1 + f3 + f5 + f7) * decC3
	s17 := -(f1 + f7) * decOddE
	s35 := -(f3 + f5) * decOddG
	s37 := z5 - (f3+f7)*decOddH
	s15 := z5 - (f1+f5)*decOddI
	o0 := f1*decOddD + s17 + s15
	o1 := f3*decOddC + s35 + s37
	o2 := f5*decOddB + s35 + s15
	o3 := f7*decOddA + s17 + s37
	return e0 + o0, e1 + o1, e2 + o2, e3 + o3, e3 - o3, e2 - o2, e1 - o1, e0 - o0
}

// decIDCT4 computes the 4×4 reduced inverse DCT (a 1/2 decode) of the
// top-left 4×4 coefficients of in times dq (see decDequant).
func decIDCT4(in, dq *[64]int32, dst []byte, stride int) {
	var ws [16]int
	for c := 0; c < 4; c++ {
		x0 := int(in[c]) * int(dq[c])
		x1 := int(in[8+c]) * int(dq[8+c])
		x2 := int(in[16+c]) * int(dq[16+c])
		x3 := int(in[24+c]) * int(dq[24+c])
		ws[c], ws[4+c], ws[8+c], ws[12+c] = decIDCT4x1(x0, x1, x2, x3)
	}
	const sh = decRedBits + 2*decCB + 2
	const bias = 1<<(sh-1) + 128<<sh
	for r := 0; r < 4; r++ {
		w := ws[r*4 : r*4+4 : r*4+4]
		out := dst[r*stride : r*stride+4 : r*stride+4]
		y0, y1, y2, y3 := decIDCT4x1(w[0], w[1], w[2], w[3])
		out[0] = decClamp((y0 + bias) >> sh)
		out[1] = decClamp((y1 + bias) >> sh)
		out[2] = decClamp((y2 + bias) >> sh)
		out[3] = decClamp((y3 + bias) >> sh)
	}
}

// decIDCT4x1 returns 2^decCB times the bracket of the 4-point reduced
// transform: the angles (2i+1)uπ/8 make cos(π/8) = c2 and cos(3π/8) = c6
// of the 8-point transform.
func decIDCT4x1(x0, x1, x2, x3 int) (int, int, int, int) {
	t0 := (x0 + x2) * decC4
	t1 := (x0 - x2) * decC4
	r := (x1 + x3) * decC6
	o0 := r + x1*decC2mC6
	o1 := r - x3*decC2pC6
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
