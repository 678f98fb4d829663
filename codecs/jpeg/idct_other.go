//go:build !amd64 || purego

package jpeg

// decVec reports whether decIDCT8 runs decIDCT8Vec: only on amd64.
const decVec = false

// decIDCT8Vec is never called without decVec.
func decIDCT8Vec(in, dq *[64]int32, dst []byte, stride int) {
	panic("jpeg: decIDCT8Vec without SIMD")
}
