// Package boxavg averages 2×2 blocks (and vertical pairs) of 8-bit
// samples: the box reduction by 2 that the resampler applies to a
// full-size picture before Lanczos, and the chroma subsampling of the JPEG
// encoders. On amd64 with AVX2 it runs 32 outputs at a time; elsewhere (or
// with the purego build tag) in Go, to the same bits.
package boxavg

// Pairs sets dst[j] to the rounded mean (a[2j]+a[2j+1]+b[2j]+b[2j+1]+2)/4
// for j below len(dst), which must be at most len(a)/2 and len(b)/2.
func Pairs(dst, a, b []byte) {
	n := len(dst)
	if 2*n > len(a) || 2*n > len(b) {
		panic("boxavg: Pairs: rows shorter than twice dst")
	}
	j := pairsVec(dst, a, b)
	pairsGo(dst[j:], a[2*j:2*n], b[2*j:2*n])
}

// pairsGo is Pairs in Go.
func pairsGo(dst, a, b []byte) {
	a, b = a[:2*len(dst)], b[:2*len(dst)]
	for j := range dst {
		p, q := a[2*j:2*j+2:2*j+2], b[2*j:2*j+2:2*j+2]
		dst[j] = uint8((uint32(p[0]) + uint32(p[1]) + uint32(q[0]) + uint32(q[1]) + 2) >> 2)
	}
}

// Rows sets dst[j] to the rounded mean (a[j]+b[j]+1)/2 for j below
// len(dst), which must be at most len(a) and len(b).
func Rows(dst, a, b []byte) {
	n := len(dst)
	if n > len(a) || n > len(b) {
		panic("boxavg: Rows: rows shorter than dst")
	}
	j := rowsVec(dst, a, b)
	rowsGo(dst[j:], a[j:n], b[j:n])
}

// rowsGo is Rows in Go.
func rowsGo(dst, a, b []byte) {
	a, b = a[:len(dst)], b[:len(dst)]
	for j := range dst {
		dst[j] = uint8((uint16(a[j]) + uint16(b[j]) + 1) >> 1)
	}
}
