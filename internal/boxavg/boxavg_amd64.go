//go:build amd64 && !purego

package boxavg

import "golang.org/x/sys/cpu"

// vec reports whether pairsVec runs the AVX2 loop.
var vec = cpu.X86.HasAVX2

// pairsVec computes the first multiple of 32 outputs of Pairs with AVX2
// and returns how many it did (0 without AVX2). Pairs has checked the
// lengths.
func pairsVec(dst, a, b []byte) int {
	n := len(dst) &^ 31
	if !vec || n == 0 {
		return 0
	}
	pairsAsm(&dst[0], &a[0], &b[0], n/32)
	return n
}

// pairsAsm writes 32·blocks outputs from 64·blocks bytes of a and b
// (boxavg_amd64.s).
//
//go:noescape
func pairsAsm(dst, a, b *byte, blocks int)

// rowsVec computes the first multiple of 32 outputs of Rows with AVX2
// (VPAVGB, whose rounding is Rows') and returns how many it did.
func rowsVec(dst, a, b []byte) int {
	n := len(dst) &^ 31
	if !vec || n == 0 {
		return 0
	}
	rowsAsm(&dst[0], &a[0], &b[0], n/32)
	return n
}

// rowsAsm writes 32·blocks outputs from as many bytes of a and b
// (boxavg_amd64.s).
//
//go:noescape
func rowsAsm(dst, a, b *byte, blocks int)
