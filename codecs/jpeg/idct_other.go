//go:build !amd64 || purego

package jpeg

// decVec reports whether decIDCT8 and decIDCT4 run decIDCT8Vec and
// decIDCT4Vec: only on amd64.
const decVec = false

// decIDCT8Vec is never called without decVec.
func decIDCT8Vec(in, dq *[64]int32, dst []byte, stride int) {
	panic("jpeg: decIDCT8Vec without SIMD")
}

// decIDCT4Vec is never called without decVec.
func decIDCT4Vec(in, dq *[64]int32, dst []byte, stride int) {
	panic("jpeg: decIDCT4Vec without SIMD")
}
