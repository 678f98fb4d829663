//go:build amd64 && !purego

#include "textflag.h"

DATA boxavgOnes<>+0(SB)/8, $0x0101010101010101
DATA boxavgOnes<>+8(SB)/8, $0x0101010101010101
DATA boxavgOnes<>+16(SB)/8, $0x0101010101010101
DATA boxavgOnes<>+24(SB)/8, $0x0101010101010101
GLOBL boxavgOnes<>(SB), RODATA|NOPTR, $32

DATA boxavgTwos<>+0(SB)/8, $0x0002000200020002
DATA boxavgTwos<>+8(SB)/8, $0x0002000200020002
DATA boxavgTwos<>+16(SB)/8, $0x0002000200020002
DATA boxavgTwos<>+24(SB)/8, $0x0002000200020002
GLOBL boxavgTwos<>(SB), RODATA|NOPTR, $32

// func pairsAsm(dst, a, b *byte, blocks int)
//
// Per block: 64 bytes of each row; VPMADDUBSW against ones adds each
// pair of bytes into a 16-bit word, the two rows' words are added with
// the rounding 2 and shifted right by 2, and the 32 words packed back to
// bytes (VPACKUSWB packs within 128-bit halves; VPERMQ puts the quarters
// in order).
TEXT ·pairsAsm(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ blocks+24(FP), CX
	VMOVDQU boxavgOnes<>(SB), Y14
	VMOVDQU boxavgTwos<>(SB), Y13

loop:
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VMOVDQU 0(DX), Y2
	VMOVDQU 32(DX), Y3
	VPMADDUBSW Y14, Y0, Y0
	VPMADDUBSW Y14, Y1, Y1
	VPMADDUBSW Y14, Y2, Y2
	VPMADDUBSW Y14, Y3, Y3
	VPADDW Y2, Y0, Y0
	VPADDW Y3, Y1, Y1
	VPADDW Y13, Y0, Y0
	VPADDW Y13, Y1, Y1
	VPSRLW $2, Y0, Y0
	VPSRLW $2, Y1, Y1
	VPACKUSWB Y1, Y0, Y0
	VPERMQ $0xD8, Y0, Y0
	VMOVDQU Y0, 0(DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $32, DI
	DECQ CX
	JNZ loop

	VZEROUPPER
	RET

// func rowsAsm(dst, a, b *byte, blocks int)
TEXT ·rowsAsm(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ blocks+24(FP), CX

rloop:
	VMOVDQU 0(SI), Y0
	VPAVGB 0(DX), Y0, Y0
	VMOVDQU Y0, 0(DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ rloop

	VZEROUPPER
	RET
