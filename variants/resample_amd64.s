//go:build amd64 && !purego

#include "textflag.h"

// func lzH2Asm(da, db *uint64, a, b *byte, w *int16, start *int, pairs, n16 int)
//
// For each column pair i (outputs x = 2i, 2i+1), and rows a and b:
// zero-extend 16 source bytes to int16 (VPMOVZXBW), multiply by the 16
// int16 weights of the output and add neighbours into int32
// (VPMADDWD), over the n16/16 chunks; then add up the four sums' eight
// partial lanes (VPHADDD), round (+2^13, arithmetic >>14), clamp to
// 0..255 (saturating packs), and store da[i] = a(x) | a(x+1)<<32, db[i]
// = b(x) | b(x+1)<<32.
TEXT ·lzH2Asm(SB), NOSPLIT, $0-64
	MOVQ da+0(FP), DI
	MOVQ db+8(FP), R9
	MOVQ a+16(FP), SI
	MOVQ b+24(FP), R10
	SUBQ SI, R10              // R10 = b - a: row b at the same offsets
	MOVQ w+32(FP), R11        // weights of the current pair
	MOVQ start+40(FP), R12
	MOVQ pairs+48(FP), CX
	MOVQ n16+56(FP), R13
	SHLQ $1, R13              // bytes of one output's weights
	MOVL $8192, AX            // lzHalfHi
	MOVD AX, X14
	VPBROADCASTD X14, X14

pair:
	MOVQ 0(R12), AX
	ADDQ SI, AX               // a + start[x]
	MOVQ 8(R12), BX
	ADDQ SI, BX               // a + start[x+1]
	MOVQ R11, R8              // weights of x; of x+1 at (R8)(R13*1)
	MOVQ R13, DX
	SHRQ $5, DX               // chunks of 16 taps
	VPXOR Y0, Y0, Y0          // a(x)
	VPXOR Y1, Y1, Y1          // a(x+1)
	VPXOR Y2, Y2, Y2          // b(x)
	VPXOR Y3, Y3, Y3          // b(x+1)

chunk:
	VMOVDQU (R8), Y4
	VMOVDQU (R8)(R13*1), Y5
	VPMOVZXBW (AX), Y6
	VPMADDWD Y4, Y6, Y6
	VPADDD Y6, Y0, Y0
	VPMOVZXBW (AX)(R10*1), Y7
	VPMADDWD Y4, Y7, Y7
	VPADDD Y7, Y2, Y2
	VPMOVZXBW (BX), Y6
	VPMADDWD Y5, Y6, Y6
	VPADDD Y6, Y1, Y1
	VPMOVZXBW (BX)(R10*1), Y7
	VPMADDWD Y5, Y7, Y7
	VPADDD Y7, Y3, Y3
	ADDQ $16, AX
	ADDQ $16, BX
	ADDQ $32, R8
	DECQ DX
	JNZ chunk

	VPHADDD Y1, Y0, Y0        // a(x) a(x) a(x+1) a(x+1) in each 128-bit half
	VPHADDD Y3, Y2, Y2        // b(x) b(x) b(x+1) b(x+1)
	VPHADDD Y2, Y0, Y0        // a(x) a(x+1) b(x) b(x+1)
	VEXTRACTI128 $1, Y0, X1
	VPADDD X1, X0, X0
	VPADDD X14, X0, X0
	VPSRAD $14, X0, X0
	VPACKSSDW X0, X0, X0
	VPACKUSWB X0, X0, X0
	VPMOVZXBD X0, X0          // a(x) a(x+1) b(x) b(x+1), one per 32 bits
	VMOVQ X0, (DI)
	VPEXTRQ $1, X0, (R9)

	ADDQ $8, DI
	ADDQ $8, R9
	ADDQ $16, R12
	LEAQ (R11)(R13*2), R11    // the next pair's weights
	DECQ CX
	JNZ pair

	VZEROUPPER
	RET

// func lzH3Asm(d0, d1, d2 *uint64, a, b, c *byte, w *int16, start *int, triples, n16 int)
//
// lzH2Asm's filter for three rows and column triples: nine sums a
// triple, rounded (+2^11, >>12) and clamped as lzBits weights need, and
// each row's three bytes spread into the 21-bit lanes of its uint64 by
// PDEP.
TEXT ·lzH3Asm(SB), NOSPLIT, $0-80
	MOVQ a+24(FP), SI
	MOVQ b+32(FP), R10
	SUBQ SI, R10              // b - a
	MOVQ c+40(FP), R11
	SUBQ SI, R11              // c - a
	MOVQ w+48(FP), R12        // weights of the current triple
	MOVQ start+56(FP), R13
	MOVQ n16+72(FP), R8
	SHLQ $1, R8               // bytes of one output's weights
	XORQ CX, CX               // triple index
	MOVL $2048, AX            // lzHalf
	MOVD AX, X14
	VPBROADCASTD X14, X14

triple:
	MOVQ 0(R13), AX
	ADDQ SI, AX               // a + start[x]
	MOVQ 8(R13), BX
	ADDQ SI, BX               // a + start[x+1]
	MOVQ 16(R13), DX
	ADDQ SI, DX               // a + start[x+2]
	MOVQ R12, DI              // weights of x, x+1 at (DI)(R8*1), x+2 at (DI)(R8*2)
	MOVQ R8, R9
	SHRQ $5, R9               // chunks of 16 taps
	VPXOR Y0, Y0, Y0          // a(x)
	VPXOR Y1, Y1, Y1          // a(x+1)
	VPXOR Y2, Y2, Y2          // a(x+2)
	VPXOR Y3, Y3, Y3          // b(x)
	VPXOR Y4, Y4, Y4          // b(x+1)
	VPXOR Y5, Y5, Y5          // b(x+2)
	VPXOR Y6, Y6, Y6          // c(x)
	VPXOR Y7, Y7, Y7          // c(x+1)
	VPXOR Y8, Y8, Y8          // c(x+2)

chunk3:
	VMOVDQU (DI), Y9
	VMOVDQU (DI)(R8*1), Y10
	VMOVDQU (DI)(R8*2), Y11
	VPMOVZXBW (AX), Y12
	VPMADDWD Y9, Y12, Y12
	VPADDD Y12, Y0, Y0
	VPMOVZXBW (AX)(R10*1), Y12
	VPMADDWD Y9, Y12, Y12
	VPADDD Y12, Y3, Y3
	VPMOVZXBW (AX)(R11*1), Y12
	VPMADDWD Y9, Y12, Y12
	VPADDD Y12, Y6, Y6
	VPMOVZXBW (BX), Y12
	VPMADDWD Y10, Y12, Y12
	VPADDD Y12, Y1, Y1
	VPMOVZXBW (BX)(R10*1), Y12
	VPMADDWD Y10, Y12, Y12
	VPADDD Y12, Y4, Y4
	VPMOVZXBW (BX)(R11*1), Y12
	VPMADDWD Y10, Y12, Y12
	VPADDD Y12, Y7, Y7
	VPMOVZXBW (DX), Y12
	VPMADDWD Y11, Y12, Y12
	VPADDD Y12, Y2, Y2
	VPMOVZXBW (DX)(R10*1), Y12
	VPMADDWD Y11, Y12, Y12
	VPADDD Y12, Y5, Y5
	VPMOVZXBW (DX)(R11*1), Y12
	VPMADDWD Y11, Y12, Y12
	VPADDD Y12, Y8, Y8
	ADDQ $16, AX
	ADDQ $16, BX
	ADDQ $16, DX
	ADDQ $32, DI
	DECQ R9
	JNZ chunk3

	VPHADDD Y1, Y0, Y0        // a(x) a(x) a(x+1) a(x+1) in each 128-bit half
	VPHADDD Y3, Y2, Y2        // a(x+2) a(x+2) b(x) b(x)
	VPHADDD Y5, Y4, Y4        // b(x+1) b(x+1) b(x+2) b(x+2)
	VPHADDD Y7, Y6, Y6        // c(x) c(x) c(x+1) c(x+1)
	VPHADDD Y8, Y8, Y8        // c(x+2) c(x+2) c(x+2) c(x+2)
	VPHADDD Y2, Y0, Y0        // a(x) a(x+1) a(x+2) b(x)
	VPHADDD Y6, Y4, Y4        // b(x+1) b(x+2) c(x) c(x+1)
	VPHADDD Y8, Y8, Y8        // c(x+2) × 4
	VEXTRACTI128 $1, Y0, X1
	VPADDD X1, X0, X0
	VEXTRACTI128 $1, Y4, X5
	VPADDD X5, X4, X4
	VEXTRACTI128 $1, Y8, X9
	VPADDD X9, X8, X8
	VPADDD X14, X0, X0
	VPADDD X14, X4, X4
	VPADDD X14, X8, X8
	VPSRAD $12, X0, X0
	VPSRAD $12, X4, X4
	VPSRAD $12, X8, X8
	VPACKSSDW X4, X0, X0      // a(x) a(x+1) a(x+2) b(x) b(x+1) b(x+2) c(x) c(x+1)
	VPACKSSDW X8, X8, X8
	VPACKUSWB X8, X0, X0      // the same as bytes, then c(x+2)
	VMOVQ X0, AX
	VPEXTRB $8, X0, BX
	MOVQ $0x0003fc001fe000ff, R9 // a byte at the bottom of each 21-bit lane
	PDEPQ R9, AX, DX
	MOVQ d0+0(FP), DI
	MOVQ DX, (DI)(CX*8)
	SHRQ $24, AX
	PDEPQ R9, AX, DX
	MOVQ d1+8(FP), DI
	MOVQ DX, (DI)(CX*8)
	SHRQ $24, AX
	SHLQ $16, BX
	ORQ BX, AX
	PDEPQ R9, AX, DX
	MOVQ d2+16(FP), DI
	MOVQ DX, (DI)(CX*8)

	ADDQ $24, R13
	LEAQ (R12)(R8*2), R12     // the next triple's weights
	ADDQ R8, R12
	INCQ CX
	CMPQ CX, triples+64(FP)
	JLT triple

	VZEROUPPER
	RET

DATA lzV2K<>+0(SB)/4, $0x402000   // lz2Bias + lzHalfHi
DATA lzV2K<>+4(SB)/4, $256        // lz2Bias >> lzBitsHi
GLOBL lzV2K<>(SB), RODATA|NOPTR, $8

// func lzV2Asm(out *byte, blocks int, rows *[]uint64, ws *int32, taps int)
//
// For each block of 16 output columns (8 packed elements of the rows,
// 16 int32 lanes in two registers): start each lane at lz2Bias +
// lzHalfHi, add weight × sample for every row (the row pointers read from
// the slice headers, 24 bytes apart), shift right by lzBitsHi, take off
// lz2Bias >> lzBitsHi, and pack to bytes with saturation (the clamp), in
// column order.
TEXT ·lzV2Asm(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ blocks+8(FP), CX
	MOVQ rows+16(FP), SI
	MOVQ ws+24(FP), R8
	MOVQ taps+32(FP), R9
	VPBROADCASTD lzV2K<>+0(SB), Y14
	VPBROADCASTD lzV2K<>+4(SB), Y13
	XORQ DX, DX               // byte offset into the rows: 64 a block

block:
	VMOVDQA Y14, Y0
	VMOVDQA Y14, Y1
	MOVQ SI, R10              // the current row's slice header
	MOVQ R8, R11              // the current weight
	MOVQ R9, R12

tap:
	MOVQ (R10), AX            // the row's data
	VPBROADCASTD (R11), Y2
	VPMULLD (AX)(DX*1), Y2, Y3
	VPADDD Y3, Y0, Y0
	VPMULLD 32(AX)(DX*1), Y2, Y3
	VPADDD Y3, Y1, Y1
	ADDQ $24, R10
	ADDQ $4, R11
	DECQ R12
	JNZ tap

	VPSRLD $14, Y0, Y0
	VPSRLD $14, Y1, Y1
	VPSUBD Y13, Y0, Y0
	VPSUBD Y13, Y1, Y1
	VPACKSSDW Y1, Y0, Y0      // columns 0-3, 8-11 | 4-7, 12-15 as int16
	VPERMQ $0xD8, Y0, Y0      // 0-3, 4-7 | 8-11, 12-15
	VPACKUSWB Y0, Y0, Y0      // 0-7 twice | 8-15 twice, clamped
	VPERMQ $0x08, Y0, Y0      // 0-7, 8-15 in the low half
	VMOVDQU X0, (DI)
	ADDQ $16, DI
	ADDQ $64, DX
	DECQ CX
	JNZ block

	VZEROUPPER
	RET
