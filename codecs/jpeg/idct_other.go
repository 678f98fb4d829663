//go:build !amd64 || purego

package jpeg

// jpegVec reports whether the AVX2 versions of the transforms run: only
// on amd64.
const jpegVec = false

// decIDCT8Vec is never called without jpegVec.
func decIDCT8Vec(in, dq *[64]int32, dst []byte, stride int) {
	panic("jpeg: decIDCT8Vec without SIMD")
}

// decIDCT4Vec is never called without jpegVec.
func decIDCT4Vec(in, dq *[64]int32, dst []byte, stride int) {
	panic("jpeg: decIDCT4Vec without SIMD")
}

// encFDCTQuantVec is never called without jpegVec.
func encFDCTQuantVec(p []byte, off, stride int, recip *[64]int32, out *[64]int32) uint64 {
	panic("jpeg: encFDCTQuantVec without SIMD")
}
