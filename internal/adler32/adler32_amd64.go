//go:build amd64 && !purego

package adler32

import "golang.org/x/sys/cpu"

// vec reports whether updateVec runs the AVX2 loop.
var vec = cpu.X86.HasAVX2

// updateVec extends adler by the largest multiple of 64 bytes at the
// start of p with AVX2 and returns the checksum so far and how many bytes
// it took (0 without AVX2).
func updateVec(adler uint32, p []byte) (uint32, int) {
	n := len(p) &^ 63
	if !vec || n == 0 {
		return adler, 0
	}
	return updateAsm(adler, &p[0], n/64), n
}

// updateAsm returns adler extended by the 64·blocks bytes at p
// (adler32_amd64.s).
//
//go:noescape
func updateAsm(adler uint32, p *byte, blocks int) uint32
