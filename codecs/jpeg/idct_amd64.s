//go:build amd64 && !purego

#include "textflag.h"
#include "transpose_amd64.h"

DATA idctK<>+0(SB)/4, $0x1151
DATA idctK<>+4(SB)/4, $0x1151
DATA idctK<>+8(SB)/4, $0x1151
DATA idctK<>+12(SB)/4, $0x1151
DATA idctK<>+16(SB)/4, $0x1151
DATA idctK<>+20(SB)/4, $0x1151
DATA idctK<>+24(SB)/4, $0x1151
DATA idctK<>+28(SB)/4, $0x1151
DATA idctK<>+32(SB)/4, $0xffffc4df
DATA idctK<>+36(SB)/4, $0xffffc4df
DATA idctK<>+40(SB)/4, $0xffffc4df
DATA idctK<>+44(SB)/4, $0xffffc4df
DATA idctK<>+48(SB)/4, $0xffffc4df
DATA idctK<>+52(SB)/4, $0xffffc4df
DATA idctK<>+56(SB)/4, $0xffffc4df
DATA idctK<>+60(SB)/4, $0xffffc4df
DATA idctK<>+64(SB)/4, $0x187e
DATA idctK<>+68(SB)/4, $0x187e
DATA idctK<>+72(SB)/4, $0x187e
DATA idctK<>+76(SB)/4, $0x187e
DATA idctK<>+80(SB)/4, $0x187e
DATA idctK<>+84(SB)/4, $0x187e
DATA idctK<>+88(SB)/4, $0x187e
DATA idctK<>+92(SB)/4, $0x187e
DATA idctK<>+96(SB)/4, $0x25a1
DATA idctK<>+100(SB)/4, $0x25a1
DATA idctK<>+104(SB)/4, $0x25a1
DATA idctK<>+108(SB)/4, $0x25a1
DATA idctK<>+112(SB)/4, $0x25a1
DATA idctK<>+116(SB)/4, $0x25a1
DATA idctK<>+120(SB)/4, $0x25a1
DATA idctK<>+124(SB)/4, $0x25a1
DATA idctK<>+128(SB)/4, $0x98e
DATA idctK<>+132(SB)/4, $0x98e
DATA idctK<>+136(SB)/4, $0x98e
DATA idctK<>+140(SB)/4, $0x98e
DATA idctK<>+144(SB)/4, $0x98e
DATA idctK<>+148(SB)/4, $0x98e
DATA idctK<>+152(SB)/4, $0x98e
DATA idctK<>+156(SB)/4, $0x98e
DATA idctK<>+160(SB)/4, $0x41b3
DATA idctK<>+164(SB)/4, $0x41b3
DATA idctK<>+168(SB)/4, $0x41b3
DATA idctK<>+172(SB)/4, $0x41b3
DATA idctK<>+176(SB)/4, $0x41b3
DATA idctK<>+180(SB)/4, $0x41b3
DATA idctK<>+184(SB)/4, $0x41b3
DATA idctK<>+188(SB)/4, $0x41b3
DATA idctK<>+192(SB)/4, $0x6254
DATA idctK<>+196(SB)/4, $0x6254
DATA idctK<>+200(SB)/4, $0x6254
DATA idctK<>+204(SB)/4, $0x6254
DATA idctK<>+208(SB)/4, $0x6254
DATA idctK<>+212(SB)/4, $0x6254
DATA idctK<>+216(SB)/4, $0x6254
DATA idctK<>+220(SB)/4, $0x6254
DATA idctK<>+224(SB)/4, $0x300b
DATA idctK<>+228(SB)/4, $0x300b
DATA idctK<>+232(SB)/4, $0x300b
DATA idctK<>+236(SB)/4, $0x300b
DATA idctK<>+240(SB)/4, $0x300b
DATA idctK<>+244(SB)/4, $0x300b
DATA idctK<>+248(SB)/4, $0x300b
DATA idctK<>+252(SB)/4, $0x300b
DATA idctK<>+256(SB)/4, $0xffffe333
DATA idctK<>+260(SB)/4, $0xffffe333
DATA idctK<>+264(SB)/4, $0xffffe333
DATA idctK<>+268(SB)/4, $0xffffe333
DATA idctK<>+272(SB)/4, $0xffffe333
DATA idctK<>+276(SB)/4, $0xffffe333
DATA idctK<>+280(SB)/4, $0xffffe333
DATA idctK<>+284(SB)/4, $0xffffe333
DATA idctK<>+288(SB)/4, $0xffffadfd
DATA idctK<>+292(SB)/4, $0xffffadfd
DATA idctK<>+296(SB)/4, $0xffffadfd
DATA idctK<>+300(SB)/4, $0xffffadfd
DATA idctK<>+304(SB)/4, $0xffffadfd
DATA idctK<>+308(SB)/4, $0xffffadfd
DATA idctK<>+312(SB)/4, $0xffffadfd
DATA idctK<>+316(SB)/4, $0xffffadfd
DATA idctK<>+320(SB)/4, $0xffffc13b
DATA idctK<>+324(SB)/4, $0xffffc13b
DATA idctK<>+328(SB)/4, $0xffffc13b
DATA idctK<>+332(SB)/4, $0xffffc13b
DATA idctK<>+336(SB)/4, $0xffffc13b
DATA idctK<>+340(SB)/4, $0xffffc13b
DATA idctK<>+344(SB)/4, $0xffffc13b
DATA idctK<>+348(SB)/4, $0xffffc13b
DATA idctK<>+352(SB)/4, $0xfffff384
DATA idctK<>+356(SB)/4, $0xfffff384
DATA idctK<>+360(SB)/4, $0xfffff384
DATA idctK<>+364(SB)/4, $0xfffff384
DATA idctK<>+368(SB)/4, $0xfffff384
DATA idctK<>+372(SB)/4, $0xfffff384
DATA idctK<>+376(SB)/4, $0xfffff384
DATA idctK<>+380(SB)/4, $0xfffff384
DATA idctK<>+384(SB)/4, $0x400
DATA idctK<>+388(SB)/4, $0x400
DATA idctK<>+392(SB)/4, $0x400
DATA idctK<>+396(SB)/4, $0x400
DATA idctK<>+400(SB)/4, $0x400
DATA idctK<>+404(SB)/4, $0x400
DATA idctK<>+408(SB)/4, $0x400
DATA idctK<>+412(SB)/4, $0x400
DATA idctK<>+416(SB)/4, $0x2020000
DATA idctK<>+420(SB)/4, $0x2020000
DATA idctK<>+424(SB)/4, $0x2020000
DATA idctK<>+428(SB)/4, $0x2020000
DATA idctK<>+432(SB)/4, $0x2020000
DATA idctK<>+436(SB)/4, $0x2020000
DATA idctK<>+440(SB)/4, $0x2020000
DATA idctK<>+444(SB)/4, $0x2020000
DATA idctK<>+448(SB)/4, $0
DATA idctK<>+452(SB)/4, $4
DATA idctK<>+456(SB)/4, $1
DATA idctK<>+460(SB)/4, $5
DATA idctK<>+464(SB)/4, $2
DATA idctK<>+468(SB)/4, $6
DATA idctK<>+472(SB)/4, $3
DATA idctK<>+476(SB)/4, $7
GLOBL idctK<>(SB), RODATA|NOPTR, $480

// IDCT1D(round, shift) is one pass of islow over eight columns (or,
// transposed, eight rows) at once: Y0..Y7 hold inputs 0..7, one per lane;
// Y8..Y15 get outputs 0..7, rounded by round and shifted right by shift.
// Y0..Y7 are clobbered.
#define IDCT1D(round, shift) \
	VPADDD Y6, Y2, Y8 \
	VPMULLD idctK<>+0(SB), Y8, Y8 \
	VPMULLD idctK<>+32(SB), Y6, Y9 \
	VPADDD Y8, Y9, Y9 \
	VPMULLD idctK<>+64(SB), Y2, Y10 \
	VPADDD Y8, Y10, Y10 \
	VPADDD Y4, Y0, Y11 \
	VPSLLD $13, Y11, Y11 \
	VPSUBD Y4, Y0, Y12 \
	VPSLLD $13, Y12, Y12 \
	VPADDD Y10, Y11, Y0 \
	VPSUBD Y10, Y11, Y6 \
	VPADDD Y9, Y12, Y2 \
	VPSUBD Y9, Y12, Y4 \
	VPADDD Y1, Y7, Y8 \
	VPADDD Y3, Y5, Y9 \
	VPADDD Y3, Y7, Y10 \
	VPADDD Y1, Y5, Y11 \
	VPADDD Y11, Y10, Y12 \
	VPMULLD idctK<>+96(SB), Y12, Y12 \
	VPMULLD idctK<>+128(SB), Y7, Y7 \
	VPMULLD idctK<>+160(SB), Y5, Y5 \
	VPMULLD idctK<>+192(SB), Y3, Y3 \
	VPMULLD idctK<>+224(SB), Y1, Y1 \
	VPMULLD idctK<>+256(SB), Y8, Y8 \
	VPMULLD idctK<>+288(SB), Y9, Y9 \
	VPMULLD idctK<>+320(SB), Y10, Y10 \
	VPMULLD idctK<>+352(SB), Y11, Y11 \
	VPADDD Y12, Y10, Y10 \
	VPADDD Y12, Y11, Y11 \
	VPADDD Y8, Y7, Y7 \
	VPADDD Y10, Y7, Y7 \
	VPADDD Y9, Y5, Y5 \
	VPADDD Y11, Y5, Y5 \
	VPADDD Y9, Y3, Y3 \
	VPADDD Y10, Y3, Y3 \
	VPADDD Y8, Y1, Y1 \
	VPADDD Y11, Y1, Y1 \
	VPADDD Y1, Y0, Y8 \
	VPSUBD Y1, Y0, Y15 \
	VPADDD Y3, Y2, Y9 \
	VPSUBD Y3, Y2, Y14 \
	VPADDD Y5, Y4, Y10 \
	VPSUBD Y5, Y4, Y13 \
	VPADDD Y7, Y6, Y11 \
	VPSUBD Y7, Y6, Y12 \
	VPADDD round, Y8, Y8 \
	VPADDD round, Y9, Y9 \
	VPADDD round, Y10, Y10 \
	VPADDD round, Y11, Y11 \
	VPADDD round, Y12, Y12 \
	VPADDD round, Y13, Y13 \
	VPADDD round, Y14, Y14 \
	VPADDD round, Y15, Y15 \
	VPSRAD $shift, Y8, Y8 \
	VPSRAD $shift, Y9, Y9 \
	VPSRAD $shift, Y10, Y10 \
	VPSRAD $shift, Y11, Y11 \
	VPSRAD $shift, Y12, Y12 \
	VPSRAD $shift, Y13, Y13 \
	VPSRAD $shift, Y14, Y14 \
	VPSRAD $shift, Y15, Y15


// func decIDCT8Asm(in, dq *[64]int32, dst *byte, stride int)
//
// decIDCT8Go in AVX2: the columns pass on eight lanes at once (the
// coefficient rows are the lanes' inputs), a transpose, the rows pass,
// a transpose, and saturating packs to bytes, which clamp as decClamp.
TEXT ·decIDCT8Asm(SB), NOSPLIT, $0-32
	MOVQ in+0(FP), SI
	MOVQ dq+8(FP), DX
	MOVQ dst+16(FP), DI
	MOVQ stride+24(FP), CX
	VMOVDQU 0(SI), Y0
	VPMULLD 0(DX), Y0, Y0
	VMOVDQU 32(SI), Y1
	VPMULLD 32(DX), Y1, Y1
	VMOVDQU 64(SI), Y2
	VPMULLD 64(DX), Y2, Y2
	VMOVDQU 96(SI), Y3
	VPMULLD 96(DX), Y3, Y3
	VMOVDQU 128(SI), Y4
	VPMULLD 128(DX), Y4, Y4
	VMOVDQU 160(SI), Y5
	VPMULLD 160(DX), Y5, Y5
	VMOVDQU 192(SI), Y6
	VPMULLD 192(DX), Y6, Y6
	VMOVDQU 224(SI), Y7
	VPMULLD 224(DX), Y7, Y7
	IDCT1D(idctK<>+384(SB), 11)
	TRANSPOSE8
	IDCT1D(idctK<>+416(SB), 18)
	TRANSPOSE8
	// Y0..Y7 are the output rows as int32: pack two rows to int16, four
	// to bytes, and put each row's two halves back together.
	VPACKSSDW Y1, Y0, Y8
	VPACKSSDW Y3, Y2, Y9
	VPACKSSDW Y5, Y4, Y10
	VPACKSSDW Y7, Y6, Y11
	VPACKUSWB Y9, Y8, Y8
	VPACKUSWB Y11, Y10, Y10
	VMOVDQU idctK<>+448(SB), Y12
	VPERMD Y8, Y12, Y8
	VPERMD Y10, Y12, Y10
	LEAQ (CX)(CX*2), DX       // 3·stride
	VMOVQ X8, (DI)
	VPEXTRQ $1, X8, (DI)(CX*1)
	VEXTRACTI128 $1, Y8, X9
	VMOVQ X9, (DI)(CX*2)
	VPEXTRQ $1, X9, (DI)(DX*1)
	LEAQ (DI)(CX*4), DI
	VMOVQ X10, (DI)
	VPEXTRQ $1, X10, (DI)(CX*1)
	VEXTRACTI128 $1, Y10, X11
	VMOVQ X11, (DI)(CX*2)
	VPEXTRQ $1, X11, (DI)(DX*1)
	VZEROUPPER
	RET

DATA idct4K<>+0(SB)/8, $0x5a82
DATA idct4K<>+8(SB)/8, $0x5a82
DATA idct4K<>+16(SB)/8, $0x5a82
DATA idct4K<>+24(SB)/8, $0x5a82
DATA idct4K<>+32(SB)/8, $0x30fc
DATA idct4K<>+40(SB)/8, $0x30fc
DATA idct4K<>+48(SB)/8, $0x30fc
DATA idct4K<>+56(SB)/8, $0x30fc
DATA idct4K<>+64(SB)/8, $0x4546
DATA idct4K<>+72(SB)/8, $0x4546
DATA idct4K<>+80(SB)/8, $0x4546
DATA idct4K<>+88(SB)/8, $0x4546
DATA idct4K<>+96(SB)/8, $0xa73d
DATA idct4K<>+104(SB)/8, $0xa73d
DATA idct4K<>+112(SB)/8, $0xa73d
DATA idct4K<>+120(SB)/8, $0xa73d
DATA idct4K<>+128(SB)/8, $0x1000000000001000
DATA idct4K<>+136(SB)/8, $0x1000000000001000
DATA idct4K<>+144(SB)/8, $0x1000000000001000
DATA idct4K<>+152(SB)/8, $0x1000000000001000
DATA idct4K<>+160(SB)/8, $0x1000004040000000
DATA idct4K<>+168(SB)/8, $0x1000004040000000
DATA idct4K<>+176(SB)/8, $0x1000004040000000
DATA idct4K<>+184(SB)/8, $0x1000004040000000
DATA idct4K<>+192(SB)/8, $0x20000000
DATA idct4K<>+200(SB)/8, $0x20000000
DATA idct4K<>+208(SB)/8, $0x20000000
DATA idct4K<>+216(SB)/8, $0x20000000
DATA idct4K<>+224(SB)/4, $0
DATA idct4K<>+228(SB)/4, $2
DATA idct4K<>+232(SB)/4, $4
DATA idct4K<>+236(SB)/4, $6
DATA idct4K<>+240(SB)/4, $0
DATA idct4K<>+244(SB)/4, $2
DATA idct4K<>+248(SB)/4, $4
DATA idct4K<>+252(SB)/4, $6
GLOBL idct4K<>(SB), RODATA|NOPTR, $256

// IDCT4X1 is decIDCT4x1 over four lanes: X0..X3 hold inputs 0..3 as
// int32, their sums stay int32, products and outputs are int64 in
// 64-bit lanes. Y8..Y11 get outputs 0..3 plus round, shifted right
// logically by shift (round carries 2^60 so that the shift is the
// arithmetic one, see decIDCT4Asm). Y0..Y7 are clobbered.
#define IDCT4X1(round, shift) \
	VPADDD X2, X0, X4 \
	VPSUBD X2, X0, X5 \
	VPADDD X3, X1, X6 \
	VPMOVSXDQ X4, Y4 \
	VPMOVSXDQ X5, Y5 \
	VPMOVSXDQ X6, Y6 \
	VPMOVSXDQ X1, Y1 \
	VPMOVSXDQ X3, Y3 \
	VPMULDQ idct4K<>+0(SB), Y4, Y4 \
	VPMULDQ idct4K<>+0(SB), Y5, Y5 \
	VPMULDQ idct4K<>+32(SB), Y6, Y6 \
	VPMULDQ idct4K<>+64(SB), Y1, Y1 \
	VPADDQ Y1, Y6, Y1 \
	VPMULDQ idct4K<>+96(SB), Y3, Y3 \
	VPSUBQ Y3, Y6, Y3 \
	VPADDQ Y1, Y4, Y8 \
	VPSUBQ Y1, Y4, Y11 \
	VPADDQ Y3, Y5, Y9 \
	VPSUBQ Y3, Y5, Y10 \
	VPADDQ round, Y8, Y8 \
	VPADDQ round, Y9, Y9 \
	VPADDQ round, Y10, Y10 \
	VPADDQ round, Y11, Y11 \
	VPSRLQ $shift, Y8, Y8 \
	VPSRLQ $shift, Y9, Y9 \
	VPSRLQ $shift, Y10, Y10 \
	VPSRLQ $shift, Y11, Y11

// LOW32 keeps the low 32 bits of each 64-bit lane of Y8..Y11 in the low
// 128 bits (X8..X11); Y12 holds the VPERMD index.
#define LOW32 \
	VPERMD Y8, Y12, Y8 \
	VPERMD Y9, Y12, Y9 \
	VPERMD Y10, Y12, Y10 \
	VPERMD Y11, Y12, Y11

// TRANSPOSE4 transposes the 4×4 int32 matrix whose rows are X8..X11 into
// X0..X3.
#define TRANSPOSE4 \
	VPUNPCKLDQ X9, X8, X4 \
	VPUNPCKHDQ X9, X8, X5 \
	VPUNPCKLDQ X11, X10, X6 \
	VPUNPCKHDQ X11, X10, X7 \
	VPUNPCKLQDQ X6, X4, X0 \
	VPUNPCKHQDQ X6, X4, X1 \
	VPUNPCKLQDQ X7, X5, X2 \
	VPUNPCKHQDQ X7, X5, X3

// func decIDCT4Asm(in, dq *[64]int32, dst *byte, stride int)
//
// decIDCT4Go in AVX2, four columns (then rows) in the 64-bit lanes of a
// register. AVX2 has no 64-bit arithmetic shift: adding 2^60 first makes
// every sum positive, so the logical shift gives the floor, and the
// 2^60>>shift it leaves is subtracted (in the columns pass it lies above
// the 32 bits kept).
TEXT ·decIDCT4Asm(SB), NOSPLIT, $0-32
	MOVQ in+0(FP), SI
	MOVQ dq+8(FP), DX
	MOVQ dst+16(FP), DI
	MOVQ stride+24(FP), CX
	VMOVDQU idct4K<>+224(SB), Y12
	VMOVDQU 0(SI), X0
	VPMULLD 0(DX), X0, X0
	VMOVDQU 32(SI), X1
	VPMULLD 32(DX), X1, X1
	VMOVDQU 64(SI), X2
	VPMULLD 64(DX), X2, X2
	VMOVDQU 96(SI), X3
	VPMULLD 96(DX), X3, X3
	IDCT4X1(idct4K<>+128(SB), 13)
	LOW32
	TRANSPOSE4
	IDCT4X1(idct4K<>+160(SB), 31)
	VPSUBQ idct4K<>+192(SB), Y8, Y8
	VPSUBQ idct4K<>+192(SB), Y9, Y9
	VPSUBQ idct4K<>+192(SB), Y10, Y10
	VPSUBQ idct4K<>+192(SB), Y11, Y11
	LOW32
	TRANSPOSE4
	VPACKSSDW X1, X0, X0
	VPACKSSDW X3, X2, X2
	VPACKUSWB X2, X0, X0      // rows 0..3, four bytes each, clamped
	LEAQ (CX)(CX*2), DX
	VMOVD X0, (DI)
	VPEXTRD $1, X0, (DI)(CX*1)
	VPEXTRD $2, X0, (DI)(CX*2)
	VPEXTRD $3, X0, (DI)(DX*1)
	VZEROUPPER
	RET
