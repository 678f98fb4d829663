//go:build amd64 && !purego

package jpeg

import "math/bits"

// encFDCTQuantVec is encFDCTQuant in AVX2 (jpegVec), to the same bits
// (TestEncodeFDCTVec), with the reciprocals in natural order as int32
// (see encNaturalRecip). The transform and quantisation give the
// coefficients in natural order and a mask of the non-zero ones, which a
// table turns into zigzag order row by row; the coefficients are moved
// into zigzag order one by one, or, when there are a few (as in most of a
// photo's blocks), only the non-zero ones.
func encFDCTQuantVec(p []byte, off, stride int, recip *[64]int32, out *[64]int32) uint64 {
	_ = p[off+7*stride+7]
	var nat [64]int32
	m := encFDCTQuantAsm(&p[off], stride, recip, &nat)
	var nz uint64
	for v := range 8 {
		nz |= encZigMask[v][uint8(m>>(8*v))]
	}
	if bits.OnesCount64(m) > 16 {
		for k, n := range unzig {
			out[k] = nat[n&63]
		}
	} else {
		*out = [64]int32{0: nat[0]}
		for m &^= 1; m != 0; m &= m - 1 {
			n := bits.TrailingZeros64(m)
			out[encZig[n]&63] = nat[n]
		}
	}
	return nz &^ 1
}

// encZig[n] is the zigzag index of the natural index n (unzig's inverse).
var encZig = func() (z [64]uint8) {
	for k, n := range unzig {
		z[n] = uint8(k)
	}
	return z
}()

// encZigMask[v][b] is the zigzag mask of the coefficients of row v whose
// bits are set in b (bit u for column u).
var encZigMask = func() (t [8][256]uint64) {
	for v := range t {
		for b := range t[v] {
			for u := range 8 {
				if b>>u&1 == 1 {
					t[v][b] |= 1 << encZig[8*v+u]
				}
			}
		}
	}
	return t
}()

// encFDCTQuantAsm is the transform and quantisation of encFDCTQuantVec in
// AVX2 (fdct_amd64.s): the coefficients into nat in natural order, and
// the mask of the non-zero ones, bit n for nat[n]. encFDCTQuantVec checks
// the bounds of p.
//
//go:noescape
func encFDCTQuantAsm(p *byte, stride int, recip *[64]int32, nat *[64]int32) uint64
