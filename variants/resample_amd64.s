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
