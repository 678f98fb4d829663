//go:build amd64 && !purego

#include "textflag.h"
#include "transpose_amd64.h"

// fdctK holds eight int32 copies of each of: encC4 (+0), encC6 (+32),
// encC6R2 (+64), encC2R2 (+96), encRound1 (+128), encRound2 (+160), the
// level shift 8·128 (+192); four int64 copies of 2^31, the quantiser's
// rounding (+224); and zeros (+256).

DATA fdctK<>+0(SB)/4, $5793
DATA fdctK<>+4(SB)/4, $5793
DATA fdctK<>+8(SB)/4, $5793
DATA fdctK<>+12(SB)/4, $5793
DATA fdctK<>+16(SB)/4, $5793
DATA fdctK<>+20(SB)/4, $5793
DATA fdctK<>+24(SB)/4, $5793
DATA fdctK<>+28(SB)/4, $5793
DATA fdctK<>+32(SB)/4, $3135
DATA fdctK<>+36(SB)/4, $3135
DATA fdctK<>+40(SB)/4, $3135
DATA fdctK<>+44(SB)/4, $3135
DATA fdctK<>+48(SB)/4, $3135
DATA fdctK<>+52(SB)/4, $3135
DATA fdctK<>+56(SB)/4, $3135
DATA fdctK<>+60(SB)/4, $3135
DATA fdctK<>+64(SB)/4, $4433
DATA fdctK<>+68(SB)/4, $4433
DATA fdctK<>+72(SB)/4, $4433
DATA fdctK<>+76(SB)/4, $4433
DATA fdctK<>+80(SB)/4, $4433
DATA fdctK<>+84(SB)/4, $4433
DATA fdctK<>+88(SB)/4, $4433
DATA fdctK<>+92(SB)/4, $4433
DATA fdctK<>+96(SB)/4, $10703
DATA fdctK<>+100(SB)/4, $10703
DATA fdctK<>+104(SB)/4, $10703
DATA fdctK<>+108(SB)/4, $10703
DATA fdctK<>+112(SB)/4, $10703
DATA fdctK<>+116(SB)/4, $10703
DATA fdctK<>+120(SB)/4, $10703
DATA fdctK<>+124(SB)/4, $10703
DATA fdctK<>+128(SB)/4, $128
DATA fdctK<>+132(SB)/4, $128
DATA fdctK<>+136(SB)/4, $128
DATA fdctK<>+140(SB)/4, $128
DATA fdctK<>+144(SB)/4, $128
DATA fdctK<>+148(SB)/4, $128
DATA fdctK<>+152(SB)/4, $128
DATA fdctK<>+156(SB)/4, $128
DATA fdctK<>+160(SB)/4, $4096
DATA fdctK<>+164(SB)/4, $4096
DATA fdctK<>+168(SB)/4, $4096
DATA fdctK<>+172(SB)/4, $4096
DATA fdctK<>+176(SB)/4, $4096
DATA fdctK<>+180(SB)/4, $4096
DATA fdctK<>+184(SB)/4, $4096
DATA fdctK<>+188(SB)/4, $4096
DATA fdctK<>+192(SB)/4, $1024
DATA fdctK<>+196(SB)/4, $1024
DATA fdctK<>+200(SB)/4, $1024
DATA fdctK<>+204(SB)/4, $1024
DATA fdctK<>+208(SB)/4, $1024
DATA fdctK<>+212(SB)/4, $1024
DATA fdctK<>+216(SB)/4, $1024
DATA fdctK<>+220(SB)/4, $1024
DATA fdctK<>+224(SB)/8, $0x80000000
DATA fdctK<>+232(SB)/8, $0x80000000
DATA fdctK<>+240(SB)/8, $0x80000000
DATA fdctK<>+248(SB)/8, $0x80000000
DATA fdctK<>+256(SB)/8, $0
DATA fdctK<>+264(SB)/8, $0
DATA fdctK<>+272(SB)/8, $0
DATA fdctK<>+280(SB)/8, $0
GLOBL fdctK<>(SB), RODATA|NOPTR, $288

// FDCT1D(level, pre, round, shift) is one pass of encFDCTQuant's
// transform over eight rows (or columns) at once, Y0..Y7 holding samples
// 0..7 of each, one a lane: Y8..Y15 get outputs 0..7. The rows pass takes
// the level shift off the DC term (level) and keeps pre fraction bits;
// the products are rounded by round and shifted right by shift. Y0..Y7
// are clobbered.
#define FDCT1D(level, pre, round, shift) \
	VPADDD Y7, Y0, Y8 \
	VPSUBD Y7, Y0, Y15 \
	VPADDD Y6, Y1, Y9 \
	VPSUBD Y6, Y1, Y14 \
	VPADDD Y5, Y2, Y10 \
	VPSUBD Y5, Y2, Y13 \
	VPADDD Y4, Y3, Y11 \
	VPSUBD Y4, Y3, Y12 \
	VPADDD Y11, Y8, Y0 \
	VPSUBD Y11, Y8, Y3 \
	VPADDD Y10, Y9, Y1 \
	VPSUBD Y10, Y9, Y2 \
	VPADDD Y1, Y0, Y4 \
	VPSUBD level, Y4, Y4 \
	VPSLLD $pre, Y4, Y4 \
	VPSUBD Y1, Y0, Y5 \
	VPSLLD $pre, Y5, Y5 \
	VPADDD Y3, Y2, Y0 \
	VPMULLD fdctK<>+0(SB), Y0, Y0 \
	VPADDD round, Y0, Y0 \
	VPSRAD $shift, Y0, Y0 \
	VPSLLD $pre, Y3, Y3 \
	VPADDD Y0, Y3, Y6 \
	VPSUBD Y0, Y3, Y7 \
	VPADDD Y13, Y12, Y0 \
	VPADDD Y14, Y13, Y1 \
	VPADDD Y15, Y14, Y2 \
	VPSUBD Y2, Y0, Y3 \
	VPMULLD fdctK<>+32(SB), Y3, Y3 \
	VPMULLD fdctK<>+64(SB), Y0, Y0 \
	VPADDD Y3, Y0, Y0 \
	VPADDD round, Y0, Y0 \
	VPSRAD $shift, Y0, Y0 \
	VPMULLD fdctK<>+96(SB), Y2, Y2 \
	VPADDD Y3, Y2, Y2 \
	VPADDD round, Y2, Y2 \
	VPSRAD $shift, Y2, Y2 \
	VPMULLD fdctK<>+0(SB), Y1, Y1 \
	VPADDD round, Y1, Y1 \
	VPSRAD $shift, Y1, Y1 \
	VPSLLD $pre, Y15, Y15 \
	VPADDD Y1, Y15, Y8 \
	VPSUBD Y1, Y15, Y9 \
	VPADDD Y0, Y9, Y10 \
	VPSUBD Y0, Y9, Y11 \
	VPADDD Y2, Y8, Y12 \
	VPSUBD Y2, Y8, Y13 \
	VMOVDQA Y13, Y15 \
	VMOVDQA Y7, Y14 \
	VMOVDQA Y10, Y13 \
	VMOVDQA Y4, Y8 \
	VMOVDQA Y12, Y9 \
	VMOVDQA Y5, Y12 \
	VMOVDQA Y6, Y10


// QUANTROW(F, off) quantises the coefficient row F (natural order) with
// the reciprocals at off(R8): VPMULDQ on the even lanes, and on the odd
// ones moved down, each 64-bit product rounded and its high half kept
// (the Go code's >>32); the row is stored at off(DI) and its zero lanes'
// mask left in AX. Y4 must be zero.
#define QUANTROW(F, off) \
	VMOVDQU off(R8), Y0 \
	VPMULDQ Y0, F, Y1 \
	VPSRLQ $32, F, Y2 \
	VPSRLQ $32, Y0, Y3 \
	VPMULDQ Y3, Y2, Y2 \
	VPADDQ fdctK<>+224(SB), Y1, Y1 \
	VPADDQ fdctK<>+224(SB), Y2, Y2 \
	VPSRLQ $32, Y1, Y1 \
	VPBLENDD $0xAA, Y2, Y1, Y1 \
	VMOVDQU Y1, off(DI) \
	VPCMPEQD Y4, Y1, Y3 \
	VMOVMSKPS Y3, AX

// func encFDCTQuantAsm(p *byte, stride int, recip *[64]int32, nat *[64]int32) uint64
//
// encFDCTQuant in AVX2, up to the zigzag order: the block's rows are
// loaded and transposed so that the rows pass runs on the eight rows as
// lanes, transposed back for the columns pass, and quantised row by row
// (VPMULDQ on even and odd lanes, the high half of each rounded 64-bit
// product kept) into nat, in natural order. It returns the mask of the
// non-zero coefficients of nat (VPCMPEQD/VMOVMSKPS), bit n for nat[n].
TEXT ·encFDCTQuantAsm(SB), NOSPLIT, $0-40
	MOVQ p+0(FP), SI
	MOVQ stride+8(FP), CX
	MOVQ recip+16(FP), R8
	MOVQ nat+24(FP), DI
	LEAQ (CX)(CX*2), DX
	VPMOVZXBD (SI), Y8
	VPMOVZXBD (SI)(CX*1), Y9
	VPMOVZXBD (SI)(CX*2), Y10
	VPMOVZXBD (SI)(DX*1), Y11
	LEAQ (SI)(CX*4), SI
	VPMOVZXBD (SI), Y12
	VPMOVZXBD (SI)(CX*1), Y13
	VPMOVZXBD (SI)(CX*2), Y14
	VPMOVZXBD (SI)(DX*1), Y15
	TRANSPOSE8
	FDCT1D(fdctK<>+192(SB), 5, fdctK<>+128(SB), 8)
	TRANSPOSE8
	FDCT1D(fdctK<>+256(SB), 0, fdctK<>+160(SB), 13)
	VPXOR Y4, Y4, Y4
	XORQ BX, BX
	QUANTROW(Y8, 0)
	ORQ AX, BX
	QUANTROW(Y9, 32)
	SHLQ $8, AX
	ORQ AX, BX
	QUANTROW(Y10, 64)
	SHLQ $16, AX
	ORQ AX, BX
	QUANTROW(Y11, 96)
	SHLQ $24, AX
	ORQ AX, BX
	QUANTROW(Y12, 128)
	SHLQ $32, AX
	ORQ AX, BX
	QUANTROW(Y13, 160)
	SHLQ $40, AX
	ORQ AX, BX
	QUANTROW(Y14, 192)
	SHLQ $48, AX
	ORQ AX, BX
	QUANTROW(Y15, 224)
	SHLQ $56, AX
	ORQ AX, BX
	NOTQ BX
	MOVQ BX, ret+32(FP)
	VZEROUPPER
	RET
