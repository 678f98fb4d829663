//go:build !amd64 || purego

package variants

// lzVecGray reports whether lzH2 runs lzH2Vec: only on amd64.
const lzVecGray = false

// lzH2Vec is never called without lzVecGray.
func lzH2Vec(da, db []uint64, a, b []byte, w []int16, start []int, n16 int) {
	panic("variants: lzH2Vec without SIMD")
}
