//go:build amd64 && !purego

#include "textflag.h"

// adlerWeights are the weights 64, 63, …, 1 of the bytes of a 64-byte
// block in s2: byte i is added to s1 before 64−i of the block's updates
// of s2.
DATA adlerWeights<>+0(SB)/8, $0x393a3b3c3d3e3f40
DATA adlerWeights<>+8(SB)/8, $0x3132333435363738
DATA adlerWeights<>+16(SB)/8, $0x292a2b2c2d2e2f30
DATA adlerWeights<>+24(SB)/8, $0x2122232425262728
DATA adlerWeights<>+32(SB)/8, $0x191a1b1c1d1e1f20
DATA adlerWeights<>+40(SB)/8, $0x1112131415161718
DATA adlerWeights<>+48(SB)/8, $0x090a0b0c0d0e0f10
DATA adlerWeights<>+56(SB)/8, $0x0102030405060708
GLOBL adlerWeights<>(SB), RODATA|NOPTR, $64

// stretch is the most 64-byte blocks between two reductions mod 65521.
//
// Over a stretch of k blocks b_0 … b_{k−1}, starting from s1 and s2,
//
//	s1' = s1 + Σ_j Σ_i b_j[i]
//	s2' = s2 + 64·k·s1 + 64·Σ_j S_j + Σ_j Σ_i (64−i)·b_j[i]
//
// where S_j is the sum of the bytes of the blocks before b_j. The loop
// keeps three vectors, all zero at the start of the stretch:
//
//   - Y0, four 64-bit lanes, the byte sums (VPSADBW of both halves of
//     each block against zero): at most 2·8·255 = 4080 a lane per block;
//   - Y1, four 64-bit lanes, Y0 added before each block, so Σ_j S_j: at
//     most 4080·k(k−1)/2 a lane;
//   - Y2, eight 32-bit lanes, the weighted sums: VPMADDUBSW multiplies
//     the (unsigned) bytes by their (signed) weights and adds pairs into
//     16-bit words, at most 255·(64+63) = 32385, so it never saturates;
//     VPMADDWD against ones adds pairs of words into 32-bit lanes. Lane j
//     gets bytes 4j…4j+3 of each half, at most 255·(64+63+62+61 +
//     32+31+30+29) = 94860 a block.
//
// Y2 bounds the stretch: 94860·k < 1<<32 for k ≤ 45276 (2.76 MiB). The
// 64-bit lanes and the scalar sums (below 1<<50 at that k) do not.
// (TestSaturated passes with 45276 and fails with 45277.) stretch is
// well inside: 4096 blocks, 256 KiB.
#define stretch 4096

// func updateAsm(adler uint32, p *byte, blocks int) uint32
TEXT ·updateAsm(SB), NOSPLIT, $0-28
	MOVL adler+0(FP), BX
	MOVQ p+8(FP), SI
	MOVQ blocks+16(FP), CX
	MOVL BX, R8
	SHRL $16, R8           // R8 = s2
	ANDL $0xffff, BX       // BX = s1
	MOVL $65521, R11
	VMOVDQU adlerWeights<>+0(SB), Y14
	VMOVDQU adlerWeights<>+32(SB), Y15
	VPCMPEQW Y13, Y13, Y13
	VPSRLW $15, Y13, Y13   // Y13 = 16-bit ones
	VPXOR Y12, Y12, Y12

next:
	MOVQ CX, DI
	CMPQ DI, $stretch
	JBE counted
	MOVQ $stretch, DI

counted:
	SUBQ DI, CX
	MOVQ DI, R9
	IMULQ BX, R9
	SHLQ $6, R9
	ADDQ R9, R8            // s2 += 64·k·s1
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2

loop:
	VMOVDQU 0(SI), Y4
	VMOVDQU 32(SI), Y5
	VPADDQ Y0, Y1, Y1
	VPSADBW Y12, Y4, Y6
	VPSADBW Y12, Y5, Y7
	VPADDQ Y6, Y0, Y0
	VPADDQ Y7, Y0, Y0
	VPMADDUBSW Y14, Y4, Y4
	VPMADDUBSW Y15, Y5, Y5
	VPMADDWD Y13, Y4, Y4
	VPMADDWD Y13, Y5, Y5
	VPADDD Y4, Y2, Y2
	VPADDD Y5, Y2, Y2
	ADDQ $64, SI
	DECQ DI
	JNZ loop

	// s1 += the lanes of Y0.
	VEXTRACTI128 $1, Y0, X4
	VPADDQ X4, X0, X0
	VPSHUFD $0x4e, X0, X4
	VPADDQ X4, X0, X0
	VMOVQ X0, R9
	ADDQ R9, BX

	// s2 += 64 × the lanes of Y1.
	VEXTRACTI128 $1, Y1, X4
	VPADDQ X4, X1, X1
	VPSHUFD $0x4e, X1, X4
	VPADDQ X4, X1, X1
	VMOVQ X1, R9
	SHLQ $6, R9
	ADDQ R9, R8

	// s2 += the lanes of Y2, widened to 64 bits first.
	VPSRLQ $32, Y2, Y3
	VPSLLQ $32, Y2, Y2
	VPSRLQ $32, Y2, Y2
	VPADDQ Y3, Y2, Y2
	VEXTRACTI128 $1, Y2, X4
	VPADDQ X4, X2, X2
	VPSHUFD $0x4e, X2, X4
	VPADDQ X4, X2, X2
	VMOVQ X2, R9
	ADDQ R9, R8

	// Both mod 65521.
	MOVQ BX, AX
	XORL DX, DX
	DIVQ R11
	MOVQ DX, BX
	MOVQ R8, AX
	XORL DX, DX
	DIVQ R11
	MOVQ DX, R8

	TESTQ CX, CX
	JNZ next

	SHLQ $16, R8
	ORQ BX, R8
	MOVL R8, ret+24(FP)
	VZEROUPPER
	RET
