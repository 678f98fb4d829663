//go:build !amd64 || purego

package variants

// lzVec reports whether lzH2 and lzH3 run lzH2Vec and lzH3Vec: only on
// amd64.
const lzVec = false

// lzH2Vec is never called without lzVec.
func lzH2Vec(da, db []uint64, a, b []byte, k *lzFixed) {
	panic("variants: lzH2Vec without SIMD")
}

// lzH3Vec is never called without lzVec.
func lzH3Vec(d0, d1, d2 []uint64, a, b, c []byte, k *lzFixed) {
	panic("variants: lzH3Vec without SIMD")
}

// lzV2Vec does nothing here: lzV2 computes every column in Go.
func lzV2Vec(out []byte, rows [][]uint64, ws []int32) int { return 0 }
