//go:build amd64 && !purego

package variants

import "golang.org/x/sys/cpu"

// lzVec reports whether lzH2 and lzH3 run lzH2Vec and lzH3Vec: on amd64
// with AVX2 and BMI2 (Go assembly; the purego build tag turns it off).
var lzVec = cpu.X86.HasAVX2 && cpu.X86.HasBMI2

// lzH2Vec filters the rows a and b (each at least k.src long)
// horizontally, one column pair at a time, into da and db as lzH2 does,
// for the first len(da) pairs, at most k.vec: output x has the k.n16
// int16 weights k.w16[x*k.n16:] and starts at a[k.start[x]], inside the
// row (newLzFixed checked every start of those pairs against k.src). Each
// sample is the exact integer sum of its taps, rounded and clamped as
// lzClamp does: the int32 sums cannot overflow, a kernel's weights
// summing to lzOneHi in absolute value less than 2·lzOneHi
// (TestLanczosKernel).
func lzH2Vec(da, db []uint64, a, b []byte, k *lzFixed) {
	m := len(da)
	if m == 0 {
		return
	}
	if m > k.vec || len(db) < m || len(a) < k.src || len(b) < k.src {
		panic("variants: lzH2Vec would read past its rows")
	}
	lzH2Asm(&da[0], &db[0], &a[0], &b[0], &k.w16[0], &k.start[0], m, k.n16)
}

// lzH2Asm is lzH2Vec's loop in AVX2 (resample_amd64.s); lzH2Vec checks
// its bounds.
//
//go:noescape
func lzH2Asm(da, db *uint64, a, b *byte, w *int16, start *int, pairs, n16 int)

// lzH3Vec filters the rows a, b and c (each at least k.src long)
// horizontally, one column triple at a time, into d0, d1 and d2 as lzH3
// does, for the first len(d0) triples, at most k.vec, each sample rounded
// and clamped from its exact sum; the weights and starts are laid out and
// checked as for lzH2Vec.
func lzH3Vec(d0, d1, d2 []uint64, a, b, c []byte, k *lzFixed) {
	m := len(d0)
	if m == 0 {
		return
	}
	if m > k.vec || len(d1) < m || len(d2) < m || len(a) < k.src || len(b) < k.src || len(c) < k.src {
		panic("variants: lzH3Vec would read past its rows")
	}
	lzH3Asm(&d0[0], &d1[0], &d2[0], &a[0], &b[0], &c[0], &k.w16[0], &k.start[0], m, k.n16)
}

// lzH3Asm is lzH3Vec's loop in AVX2 and BMI2 (resample_amd64.s); lzH3Vec
// checks its bounds.
//
//go:noescape
func lzH3Asm(d0, d1, d2 *uint64, a, b, c *byte, w *int16, start *int, triples, n16 int)

// lzV2Vec does lzV2's work for the first multiple of 16 columns of out
// and returns how many it did: each output column's lane (a 32-bit half
// of a packed element) summed over the rows in int32 lanes with VPMULLD,
// which is what the packed sum holds lane by lane (the bias keeps every
// lane's total in range, so no lane borrows from the next), then rounded
// and clamped as lz2Tab does.
func lzV2Vec(out []byte, rows [][]uint64, ws []int32) int {
	n := len(out) &^ 15
	if n == 0 || len(ws) == 0 {
		return 0
	}
	if len(rows) < len(ws) {
		panic("variants: lzV2Vec: fewer rows than weights")
	}
	for _, r := range rows[:len(ws)] {
		if 2*len(r) < n {
			panic("variants: lzV2Vec: a row shorter than the output")
		}
	}
	lzV2Asm(&out[0], n/16, &rows[0], &ws[0], len(ws))
	return n
}

// lzV2Asm is lzV2Vec's loop in AVX2 (resample_amd64.s); lzV2Vec checks
// its bounds.
//
//go:noescape
func lzV2Asm(out *byte, blocks int, rows *[]uint64, ws *int32, taps int)
