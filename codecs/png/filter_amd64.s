//go:build amd64 && !purego

#include "textflag.h"

// Words of 3, for 3c.
DATA pngThrees<>+0(SB)/8, $0x0003000300030003
DATA pngThrees<>+8(SB)/8, $0x0003000300030003
GLOBL pngThrees<>(SB), RODATA|NOPTR, $16

// The opaque alpha of RGBA pixels, in bytes 3, 7, 11 and 15.
DATA pngAlpha<>+0(SB)/8, $0xff000000ff000000
DATA pngAlpha<>+8(SB)/8, $0xff000000ff000000
GLOBL pngAlpha<>(SB), RODATA|NOPTR, $16

// VPSHUFB indices that gather bytes 0-2 and 8-10 (two packed 3-byte
// pixels) into bytes 0-5.
DATA pngPack3<>+0(SB)/8, $0x80800a0908020100
DATA pngPack3<>+8(SB)/8, $0x8080808080808080
GLOBL pngPack3<>(SB), RODATA|NOPTR, $16

// VPSHUFB indices that spread 4 packed RGB pixels (12 bytes) to RGBA,
// with alpha 0.
DATA pngToRGBA<>+0(SB)/8, $0x8005040380020100
DATA pngToRGBA<>+8(SB)/8, $0x800b0a0980080706
GLOBL pngToRGBA<>(SB), RODATA|NOPTR, $16

// The Paeth and Average loops hold a pixel's bytes zero-extended to
// 16-bit lanes (lanes 0-2 or 0-3; the lanes past them hold the next bytes
// of the row, computed along and never stored): a, the pixel to the left,
// already unfiltered; x, the filtered pixel; b, above; c, above left.
// Bytes are added with VPADDB, which keeps each lane below 256 (the high
// bytes of both operands are 0) and is the byte arithmetic modulo 256.
// Each iteration does two pixels, one after the other as each is the next
// one's a, and stores them together; the rows are addressed from their
// ends by R8, counting up to 0. The Paeth loops load each pixel of the
// row above once, as b, and keep it as the next pixel's c.

// PAETH sets out to x plus the Paeth predictor of a, b and c, in the form
// of paeth (filter.go): t = 3c - a - b, lo and hi the lesser and greater
// of a and b; p = c, replaced by lo where hi <= t, then by hi where
// t <= lo. 3c - b and x + c do not depend on a, and x is added to lo and
// hi beside the compares rather than to the blend's result: from one
// pixel's a to the next the dependency is the subtraction of a, a compare
// and two blends (whose masks take the compare 2 cycles to reach, on Ice
// Lake). X14 holds words of 3; X4-X9 are clobbered.
#define PAETH(a, x, b, c, out) \
	VPMULLW   X14, c, X4; \
	VPSUBW    b, X4, X4; \
	VPSUBW    a, X4, X5; \
	VPMINSW   a, b, X6; \
	VPMAXSW   a, b, X7; \
	VPCMPGTW  X5, X7, X8; \
	VPCMPGTW  X6, X5, X9; \
	VPADDB    x, c, X4; \
	VPADDB    x, X6, X6; \
	VPADDB    x, X7, X7; \
	VPBLENDVB X8, X4, X6, X6; \
	VPBLENDVB X9, X6, X7, out

// AVERAGE sets out to x plus the floor of the mean of a and b.
#define AVERAGE(a, x, b, out) \
	VPADDW b, a, out; \
	VPSRLW $1, out, out; \
	VPADDB x, out, out

// PACK4 packs the 4-byte pixels in lanes 0-3 of lo and hi into bytes 0-7
// of X11.
#define PACK4(lo, hi) \
	VPACKUSWB hi, lo, X11; \
	VPSHUFD   $0x08, X11, X11

// PACK3 packs the 3-byte pixels in lanes 0-2 of lo and hi into bytes 0-5
// of X11 (X12 holds pngPack3).
#define PACK3(lo, hi) \
	VPACKUSWB hi, lo, X11; \
	VPSHUFB   X12, X11, X11

// func paethRGBToRGBAAsm(dst, cur, prev *byte, n int)
//
// Pixels 1 to n (n even) of a Paeth row of packed RGB (cur) into opaque
// RGBA (dst), the row above in RGBA (prev); pixel 0 is read back from
// dst. For pixel i, SI is cur+3i, and R8 is 4i-4-4n: DI+R8 is dst+4i,
// DX+R8 is prev+4i-4 (c). X3 holds c, the b of the pixel before.
TEXT ·paethRGBToRGBAAsm(SB), NOSPLIT, $0-32
	MOVQ      dst+0(FP), DI
	MOVQ      cur+8(FP), SI
	MOVQ      prev+16(FP), DX
	MOVQ      n+24(FP), R8
	VMOVDQU   pngThrees<>(SB), X14
	VMOVDQU   pngAlpha<>(SB), X13
	VPMOVZXBW (DI), X0
	VPMOVZXBW (DX), X3
	SHLQ      $2, R8
	ADDQ      R8, DI
	ADDQ      R8, DX
	ADDQ      $4, DI
	ADDQ      $3, SI
	NEGQ      R8

prgb:
	VPMOVZXBW (SI), X1
	VPMOVZXBW 4(DX)(R8*1), X2
	PAETH(X0, X1, X2, X3, X10)
	VPMOVZXBW 3(SI), X1
	VPMOVZXBW 8(DX)(R8*1), X3
	PAETH(X10, X1, X3, X2, X0)
	PACK4(X10, X0)
	VPOR      X13, X11, X11
	VMOVQ     X11, (DI)(R8*1)
	ADDQ      $6, SI
	ADDQ      $8, R8
	JNZ       prgb

	VZEROUPPER
	RET

// func averageRGBToRGBAAsm(dst, cur, prev *byte, n int)
//
// Pixels 0 to n-1 (n even) of an Average row of packed RGB (cur) into
// opaque RGBA (dst), the row above in RGBA (prev). For pixel i, SI is
// cur+3i, and R8 is 4i-4n: DI+R8 is dst+4i, DX+R8 is prev+4i.
TEXT ·averageRGBToRGBAAsm(SB), NOSPLIT, $0-32
	MOVQ    dst+0(FP), DI
	MOVQ    cur+8(FP), SI
	MOVQ    prev+16(FP), DX
	MOVQ    n+24(FP), R8
	VMOVDQU pngAlpha<>(SB), X13
	VPXOR   X0, X0, X0
	SHLQ    $2, R8
	ADDQ    R8, DI
	ADDQ    R8, DX
	NEGQ    R8

argb:
	VPMOVZXBW (SI), X1
	VPMOVZXBW (DX)(R8*1), X2
	AVERAGE(X0, X1, X2, X10)
	VPMOVZXBW 3(SI), X1
	VPMOVZXBW 4(DX)(R8*1), X2
	AVERAGE(X10, X1, X2, X0)
	PACK4(X10, X0)
	VPOR      X13, X11, X11
	VMOVQ     X11, (DI)(R8*1)
	ADDQ      $6, SI
	ADDQ      $8, R8
	JNZ       argb

	VZEROUPPER
	RET

// func paeth4Asm(cur, prev *byte, n int)
//
// Pixels 1 to n (n even) of a Paeth row of 4-byte pixels, in place. For
// pixel i, R8 is 4i-4-4n: SI+R8 and DX+R8 are cur+4i-4 and prev+4i-4.
// X3 holds c, the b of the pixel before.
TEXT ·paeth4Asm(SB), NOSPLIT, $0-24
	MOVQ      cur+0(FP), SI
	MOVQ      prev+8(FP), DX
	MOVQ      n+16(FP), R8
	VMOVDQU   pngThrees<>(SB), X14
	VPMOVZXBW (SI), X0
	VPMOVZXBW (DX), X3
	SHLQ      $2, R8
	ADDQ      R8, SI
	ADDQ      R8, DX
	NEGQ      R8

p4:
	VPMOVZXBW 4(SI)(R8*1), X1
	VPMOVZXBW 4(DX)(R8*1), X2
	PAETH(X0, X1, X2, X3, X10)
	VPMOVZXBW 8(SI)(R8*1), X1
	VPMOVZXBW 8(DX)(R8*1), X3
	PAETH(X10, X1, X3, X2, X0)
	PACK4(X10, X0)
	VMOVQ     X11, 4(SI)(R8*1)
	ADDQ      $8, R8
	JNZ       p4

	VZEROUPPER
	RET

// func average4Asm(cur, prev *byte, n int)
//
// Pixels 1 to n (n even) of an Average row of 4-byte pixels, in place,
// addressed as in paeth4Asm.
TEXT ·average4Asm(SB), NOSPLIT, $0-24
	MOVQ      cur+0(FP), SI
	MOVQ      prev+8(FP), DX
	MOVQ      n+16(FP), R8
	VPMOVZXBW (SI), X0
	SHLQ      $2, R8
	ADDQ      R8, SI
	ADDQ      R8, DX
	NEGQ      R8

a4:
	VPMOVZXBW 4(SI)(R8*1), X1
	VPMOVZXBW 4(DX)(R8*1), X2
	AVERAGE(X0, X1, X2, X10)
	VPMOVZXBW 8(SI)(R8*1), X1
	VPMOVZXBW 8(DX)(R8*1), X2
	AVERAGE(X10, X1, X2, X0)
	PACK4(X10, X0)
	VMOVQ     X11, 4(SI)(R8*1)
	ADDQ      $8, R8
	JNZ       a4

	VZEROUPPER
	RET

// func paeth3Asm(cur, prev *byte, n int)
//
// Pixels 1 to n (n even) of a Paeth row of 3-byte pixels, in place. The
// two pixels are stored as 4 bytes and 2, so that no store reaches the
// bytes that the next iteration loads (which would wait for the store to
// be done). For pixel i, R8 is 3i-3-3n: SI+R8 and DX+R8 are cur+3i-3 and
// prev+3i-3. X3 holds c, the b of the pixel before.
TEXT ·paeth3Asm(SB), NOSPLIT, $0-24
	MOVQ      cur+0(FP), SI
	MOVQ      prev+8(FP), DX
	MOVQ      n+16(FP), R8
	VMOVDQU   pngThrees<>(SB), X14
	VMOVDQU   pngPack3<>(SB), X12
	VPMOVZXBW (SI), X0
	VPMOVZXBW (DX), X3
	LEAQ      (R8)(R8*2), R8
	ADDQ      R8, SI
	ADDQ      R8, DX
	NEGQ      R8

p3:
	VPMOVZXBW 3(SI)(R8*1), X1
	VPMOVZXBW 3(DX)(R8*1), X2
	PAETH(X0, X1, X2, X3, X10)
	VPMOVZXBW 6(SI)(R8*1), X1
	VPMOVZXBW 6(DX)(R8*1), X3
	PAETH(X10, X1, X3, X2, X0)
	PACK3(X10, X0)
	VMOVD     X11, 3(SI)(R8*1)
	VPEXTRW   $2, X11, 7(SI)(R8*1)
	ADDQ      $6, R8
	JNZ       p3

	VZEROUPPER
	RET

// func average3Asm(cur, prev *byte, n int)
//
// Pixels 1 to n (n even) of an Average row of 3-byte pixels, in place,
// addressed and stored as in paeth3Asm.
TEXT ·average3Asm(SB), NOSPLIT, $0-24
	MOVQ      cur+0(FP), SI
	MOVQ      prev+8(FP), DX
	MOVQ      n+16(FP), R8
	VMOVDQU   pngPack3<>(SB), X12
	VPMOVZXBW (SI), X0
	LEAQ      (R8)(R8*2), R8
	ADDQ      R8, SI
	ADDQ      R8, DX
	NEGQ      R8

a3:
	VPMOVZXBW 3(SI)(R8*1), X1
	VPMOVZXBW 3(DX)(R8*1), X2
	AVERAGE(X0, X1, X2, X10)
	VPMOVZXBW 6(SI)(R8*1), X1
	VPMOVZXBW 6(DX)(R8*1), X2
	AVERAGE(X10, X1, X2, X0)
	PACK3(X10, X0)
	VMOVD     X11, 3(SI)(R8*1)
	VPEXTRW   $2, X11, 7(SI)(R8*1)
	ADDQ      $6, R8
	JNZ       a3

	VZEROUPPER
	RET

// func subRGBToRGBAAsm(dst, cur *byte, n int)
//
// Pixels 0 to n-1 (n a multiple of 4) of a Sub row of packed RGB (cur)
// into opaque RGBA (dst), 4 pixels an iteration: each spread to RGBA from
// 16 bytes loaded (12 used), the running sums of the 4 by two shifted
// additions, and a, the last pixel before, added to all 4 (X0 holds it
// in every pixel). For pixel i, SI is cur+3i, and R8 is 4i-4n: DI+R8 is
// dst+4i.
TEXT ·subRGBToRGBAAsm(SB), NOSPLIT, $0-24
	MOVQ    dst+0(FP), DI
	MOVQ    cur+8(FP), SI
	MOVQ    n+16(FP), R8
	VMOVDQU pngAlpha<>(SB), X13
	VMOVDQU pngToRGBA<>(SB), X12
	VPXOR   X0, X0, X0
	SHLQ    $2, R8
	ADDQ    R8, DI
	NEGQ    R8

srgb:
	VMOVDQU (SI), X1
	VPSHUFB X12, X1, X1
	VPSLLDQ $4, X1, X2
	VPADDB  X2, X1, X1
	VPSLLDQ $8, X1, X2
	VPADDB  X2, X1, X1
	VPADDB  X0, X1, X1
	VPSHUFD $0xff, X1, X0
	VPOR    X13, X1, X1
	VMOVDQU X1, (DI)(R8*1)
	ADDQ    $12, SI
	ADDQ    $16, R8
	JNZ     srgb

	VZEROUPPER
	RET

// func upRGBToRGBAAsm(dst, cur, prev *byte, n int)
//
// Pixels 0 to n-1 (n a multiple of 4) of an Up row of packed RGB (cur)
// into opaque RGBA (dst), the row above in RGBA (prev), 4 pixels an
// iteration. For pixel i, SI is cur+3i, and R8 is 4i-4n: DI+R8 and DX+R8
// are dst+4i and prev+4i.
TEXT ·upRGBToRGBAAsm(SB), NOSPLIT, $0-32
	MOVQ    dst+0(FP), DI
	MOVQ    cur+8(FP), SI
	MOVQ    prev+16(FP), DX
	MOVQ    n+24(FP), R8
	VMOVDQU pngAlpha<>(SB), X13
	VMOVDQU pngToRGBA<>(SB), X12
	SHLQ    $2, R8
	ADDQ    R8, DI
	ADDQ    R8, DX
	NEGQ    R8

urgb:
	VMOVDQU (SI), X1
	VPSHUFB X12, X1, X1
	VPADDB  (DX)(R8*1), X1, X1
	VPOR    X13, X1, X1
	VMOVDQU X1, (DI)(R8*1)
	ADDQ    $12, SI
	ADDQ    $16, R8
	JNZ     urgb

	VZEROUPPER
	RET
