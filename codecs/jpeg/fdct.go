package jpeg

import "math"

// The forward DCT is the factorisation of Arai, Agui and Nakajima (1988):
// each 8-point 1-D transform takes 5 multiplications, and its outputs are
// the true DCT coefficients times known per-frequency factors. Those
// factors are not removed here; they are folded into the quantisation
// reciprocals (encReciprocals), so the 2-D transform followed by
// quantisation costs 80 multiplications for the transform plus one per
// coefficient.
//
// Fixed point: the constants have encDCTBits fraction bits; the row pass
// keeps encDCTPass extra fraction bits in its outputs, which the column
// pass carries through. All values fit in int32: row outputs are below
// 2^14, column outputs below 2^17, and no product exceeds 2^29.
const (
	encDCTBits = 13
	encDCTPass = 5

	encC4   = 5793  // cos(4π/16) · 2^13
	encC6   = 3135  // cos(6π/16) · 2^13
	encC6R2 = 4433  // cos(6π/16) · √2 · 2^13
	encC2R2 = 10703 // cos(2π/16) · √2 · 2^13

	encRound1 = 1 << (encDCTBits - encDCTPass - 1)
	encRound2 = 1 << (encDCTBits - 1)
)

// encRecipBits is the number of fraction bits of the quantisation
// reciprocals.
const encRecipBits = 32

// encReciprocals returns, for the zigzag-ordered quantisation table q, the
// numbers r[k] = 2^32 / (q[k]·8·s(u)·s(v)·2^encDCTPass), rounded, where u, v
// are the frequencies of the k-th coefficient and s(0) = 1,
// s(i) = √2·cos(iπ/16) are the AAN output scale factors. Multiplying a
// transform output by r[k] and shifting right by 32 bits divides the true
// DCT coefficient by q[k].
func encReciprocals(q *[64]byte) (r [64]int64) {
	var s [8]float64
	for i := range s {
		s[i] = 1
		if i > 0 {
			s[i] = math.Sqrt2 * math.Cos(float64(i)*math.Pi/16)
		}
	}
	for k, n := range unzig {
		d := float64(q[k]) * 8 * s[n/8] * s[n%8] * (1 << encDCTPass)
		r[k] = int64(math.Round((1 << encRecipBits) / d))
	}
	return r
}

// encNaturalRecip returns the reciprocals r (zigzag order) in natural
// order as int32, as encFDCTQuantVec takes them: each is below 2^28 (the
// smallest divisor, q = 1 at frequency (7,7), is 8·s(7)²·2^encDCTPass ≈
// 19.5).
func encNaturalRecip(r *[64]int64) (n [64]int32) {
	for k, nat := range unzig {
		n[nat] = int32(r[k])
	}
	return n
}

// encFDCTQuant computes the forward DCT of the 8×8 block of 8-bit samples
// at p[off:], whose rows are stride bytes apart, level-shifted by -128;
// quantises it with the reciprocals recip (see encReciprocals and
// encQuantize) into out, in zigzag order; and returns a mask with bit k
// set when the AC coefficient out[k] is not zero.
func encFDCTQuant(p []byte, off, stride int, recip *[64]int64, out *[64]int32) uint64 {
	var ws [64]int64

	// Rows. The level shift only changes the DC term: every other output
	// is a combination of differences.
	for r := 0; r < 8; r++ {
		s := p[off+r*stride:][:8]
		d := (*[8]int64)(ws[r*8:])

		t0 := int64(s[0]) + int64(s[7])
		t7 := int64(s[0]) - int64(s[7])
		t1 := int64(s[1]) + int64(s[6])
		t6 := int64(s[1]) - int64(s[6])
		t2 := int64(s[2]) + int64(s[5])
		t5 := int64(s[2]) - int64(s[5])
		t3 := int64(s[3]) + int64(s[4])
		t4 := int64(s[3]) - int64(s[4])

		// Even part.
		e0 := t0 + t3
		e3 := t0 - t3
		e1 := t1 + t2
		e2 := t1 - t2
		d[0] = (e0 + e1 - 8*128) << encDCTPass
		d[4] = (e0 - e1) << encDCTPass
		z1 := ((e2+e3)*encC4 + encRound1) >> (encDCTBits - encDCTPass)
		d[2] = e3<<encDCTPass + z1
		d[6] = e3<<encDCTPass - z1

		// Odd part.
		o0 := t4 + t5
		o1 := t5 + t6
		o2 := t6 + t7
		z5 := (o0 - o2) * encC6
		z2 := (o0*encC6R2 + z5 + encRound1) >> (encDCTBits - encDCTPass)
		z4 := (o2*encC2R2 + z5 + encRound1) >> (encDCTBits - encDCTPass)
		z3 := (o1*encC4 + encRound1) >> (encDCTBits - encDCTPass)
		z11 := t7<<encDCTPass + z3
		z13 := t7<<encDCTPass - z3
		d[5] = z13 + z2
		d[3] = z13 - z2
		d[1] = z11 + z4
		d[7] = z11 - z4
	}

	// Columns.
	for c := 0; c < 8; c++ {
		t0 := ws[c] + ws[56+c]
		t7 := ws[c] - ws[56+c]
		t1 := ws[8+c] + ws[48+c]
		t6 := ws[8+c] - ws[48+c]
		t2 := ws[16+c] + ws[40+c]
		t5 := ws[16+c] - ws[40+c]
		t3 := ws[24+c] + ws[32+c]
		t4 := ws[24+c] - ws[32+c]

		e0 := t0 + t3
		e3 := t0 - t3
		e1 := t1 + t2
		e2 := t1 - t2
		ws[c] = e0 + e1
		ws[32+c] = e0 - e1
		z1 := ((e2+e3)*encC4 + encRound2) >> encDCTBits
		ws[16+c] = e3 + z1
		ws[48+c] = e3 - z1

		o0 := t4 + t5
		o1 := t5 + t6
		o2 := t6 + t7
		z5 := (o0 - o2) * encC6
		z2 := (o0*encC6R2 + z5 + encRound2) >> encDCTBits
		z4 := (o2*encC2R2 + z5 + encRound2) >> encDCTBits
		z3 := (o1*encC4 + encRound2) >> encDCTBits
		z11 := t7 + z3
		z13 := t7 - z3
		ws[40+c] = z13 + z2
		ws[24+c] = z13 - z2
		ws[8+c] = z11 + z4
		ws[56+c] = z11 - z4
	}

	return encQuantize(&ws, recip, out)
}
