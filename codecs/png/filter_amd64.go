//go:build amd64 && !purego

package png

import "golang.org/x/sys/cpu"

// filterVec reports whether the SIMD loops of filter_amd64.s run: on
// amd64 with AVX2, as the other SIMD code of the project (they use only
// 128-bit AVX instructions). The tests turn it off to compare them with
// the Go loops.
var filterVec = cpu.X86.HasAVX2

// The Paeth and Average loops carry the left pixel a in a vector register
// (16-bit lanes, the pixel's bytes zero-extended), one pixel after the
// other, two an iteration: n is even. The Sub and Up loops do 4 pixels an
// iteration. Their loads are of 8 bytes (16 for Sub and Up), more than a
// pixel's: the Go wrappers leave the last pixels, whose loads would read
// past the slices, to the Go loops, and check the lengths, so that the
// assembly never reads or writes outside them (each Asm function's
// comment says what it reads and writes).

// paethRGBToRGBAVec unfilters pixels 1 to n of a Paeth row for
// unfilterRGBToRGBA, pixel 0 being done, and returns n (0 without SIMD):
// w is the row's width, dst and prev its 4w bytes, cur its 3w.
func paethRGBToRGBAVec(dst, cur, prev []byte, w int) int {
	n := (w - 3) &^ 1
	if !filterVec || n <= 0 {
		return 0
	}
	_, _, _ = dst[4*w-1], cur[3*w-1], prev[4*w-1]
	paethRGBToRGBAAsm(&dst[0], &cur[0], &prev[0], n)
	return n
}

// paethRGBToRGBAAsm: for pixel i from 1 to n, it reads cur[3i:3i+8],
// prev[4i-4:4i+8] and writes dst[4i:4i+4], after reading a from
// dst[0:8] (filter_amd64.s).
//
//go:noescape
func paethRGBToRGBAAsm(dst, cur, prev *byte, n int)

// averageRGBToRGBAVec unfilters pixels 0 to n-1 of an Average row (not
// the first) for unfilterRGBToRGBA and returns n (0 without SIMD).
func averageRGBToRGBAVec(dst, cur, prev []byte, w int) int {
	n := (w - 2) &^ 1
	if !filterVec || n <= 0 {
		return 0
	}
	_, _, _ = dst[4*w-1], cur[3*w-1], prev[4*w-1]
	averageRGBToRGBAAsm(&dst[0], &cur[0], &prev[0], n)
	return n
}

// averageRGBToRGBAAsm: for pixel i from 0 to n-1, it reads cur[3i:3i+8],
// prev[4i:4i+8] and writes dst[4i:4i+4] (filter_amd64.s).
//
//go:noescape
func averageRGBToRGBAAsm(dst, cur, prev *byte, n int)

// subRGBToRGBAVec unfilters pixels 0 to n-1 of a Sub row for
// unfilterRGBToRGBA and returns n (0 without SIMD), a multiple of 4: the
// loop loads 16 bytes of cur for 4 pixels.
func subRGBToRGBAVec(dst, cur []byte, w int) int {
	n := 4 * ((3*w - 4) / 12)
	if !filterVec || n <= 0 {
		return 0
	}
	_, _ = dst[4*w-1], cur[3*w-1]
	subRGBToRGBAAsm(&dst[0], &cur[0], n)
	return n
}

// subRGBToRGBAAsm: for pixels 4k to 4k+3 below n, it reads
// cur[12k:12k+16] and writes dst[16k:16k+16] (filter_amd64.s).
//
//go:noescape
func subRGBToRGBAAsm(dst, cur *byte, n int)

// upRGBToRGBAVec unfilters pixels 0 to n-1 of an Up row (not the first)
// for unfilterRGBToRGBA and returns n (0 without SIMD), a multiple of 4.
func upRGBToRGBAVec(dst, cur, prev []byte, w int) int {
	n := 4 * ((3*w - 4) / 12)
	if !filterVec || n <= 0 {
		return 0
	}
	_, _, _ = dst[4*w-1], cur[3*w-1], prev[4*w-1]
	upRGBToRGBAAsm(&dst[0], &cur[0], &prev[0], n)
	return n
}

// upRGBToRGBAAsm: for pixels 4k to 4k+3 below n, it reads
// cur[12k:12k+16] and prev[16k:16k+16] and writes dst[16k:16k+16]
// (filter_amd64.s).
//
//go:noescape
func upRGBToRGBAAsm(dst, cur, prev *byte, n int)

// inPlaceVec runs one of the in-place loops below over pixels 1 to n of a
// row of w pixels of bpp (3 or 4) bytes, pixel 0 being done, and returns n
// (0 without SIMD). n is even and leaves the last pixels, whose 8-byte
// loads would reach past the row, to the Go loop.
func inPlaceVec(asm func(cur, prev *byte, n int), cur, prev []byte, w, bpp int) int {
	n := (w - 2 - bpp%2) &^ 1 // w−2 for 4-byte pixels, w−3 for 3-byte ones
	if !filterVec || n <= 0 {
		return 0
	}
	_, _ = cur[bpp*w-1], prev[bpp*w-1]
	asm(&cur[0], &prev[0], n)
	return n
}

// paeth4Vec unfilters pixels 1 to n of a Paeth row of 4-byte pixels in
// place, pixel 0 being done, and returns n (0 without SIMD): w is the
// row's width, cur and prev its 4w bytes.
func paeth4Vec(cur, prev []byte, w int) int { return inPlaceVec(paeth4Asm, cur, prev, w, 4) }

// average4Vec does the same for an Average row of 4-byte pixels.
func average4Vec(cur, prev []byte, w int) int { return inPlaceVec(average4Asm, cur, prev, w, 4) }

// paeth3Vec does the same for a Paeth row of 3-byte pixels (cur and prev
// 3w bytes).
func paeth3Vec(cur, prev []byte, w int) int { return inPlaceVec(paeth3Asm, cur, prev, w, 3) }

// average3Vec does the same for an Average row of 3-byte pixels.
func average3Vec(cur, prev []byte, w int) int { return inPlaceVec(average3Asm, cur, prev, w, 3) }

// paeth4Asm: for pixel i from 1 to n, it reads cur[4i:4i+8],
// prev[4i-4:4i+8] and writes cur[4i:4i+4], after reading a from
// cur[0:8] (filter_amd64.s).
//
//go:noescape
func paeth4Asm(cur, prev *byte, n int)

// average4Asm: for pixel i from 1 to n, it reads cur[4i:4i+8] and
// prev[4i:4i+8] and writes cur[4i:4i+4], after reading a from cur[0:8]
// (filter_amd64.s).
//
//go:noescape
func average4Asm(cur, prev *byte, n int)

// paeth3Asm: for pixel i from 1 to n, it reads cur[3i:3i+8],
// prev[3i-3:3i+8] and writes cur[3i:3i+3], after reading a from
// cur[0:8] (filter_amd64.s).
//
//go:noescape
func paeth3Asm(cur, prev *byte, n int)

// average3Asm: for pixel i from 1 to n, it reads cur[3i:3i+8] and
// prev[3i:3i+8] and writes cur[3i:3i+3], after reading a from cur[0:8]
// (filter_amd64.s).
//
//go:noescape
func average3Asm(cur, prev *byte, n int)
