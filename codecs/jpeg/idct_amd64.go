//go:build amd64 && !purego

package jpeg

import "golang.org/x/sys/cpu"

// jpegVec reports whether the AVX2 versions of the transforms run
// (decIDCT8Vec, decIDCT4Vec, encFDCTQuantVec): on amd64 with AVX2 (Go
// assembly; the purego build tag turns them off).
var jpegVec = cpu.X86.HasAVX2

// decIDCT8Vec is decIDCT8Go in AVX2, to the same bits
// (TestIDCT8Vec).
func decIDCT8Vec(in, dq *[64]int32, dst []byte, stride int) {
	_ = dst[7*stride+7]
	decIDCT8Asm(in, dq, &dst[0], stride)
}

// decIDCT8Asm is decIDCT8Vec in AVX2 (idct_amd64.s); decIDCT8Vec checks
// the bounds of dst.
//
//go:noescape
func decIDCT8Asm(in, dq *[64]int32, dst *byte, stride int)

// decIDCT4Vec is decIDCT4Go in AVX2, to the same bits (TestIDCT4Vec).
func decIDCT4Vec(in, dq *[64]int32, dst []byte, stride int) {
	_ = dst[3*stride+3]
	decIDCT4Asm(in, dq, &dst[0], stride)
}

// decIDCT4Asm is decIDCT4Vec in AVX2 (idct_amd64.s); decIDCT4Vec checks
// the bounds of dst.
//
//go:noescape
func decIDCT4Asm(in, dq *[64]int32, dst *byte, stride int)
