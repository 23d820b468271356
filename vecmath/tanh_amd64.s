#include "textflag.h"

// func tanhAVX2(dst, src *float64, blocks int, consts *[31]float64)
//
// tanhGo on four values at a time, operation for operation (tanh.go):
// Y0 x, Y1 |x|, Y8 the exponential form, Y12 the rational form, Y13 the
// mask |x| ≥ 0.625 that picks between them.
TEXT ·tanhAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	MOVQ consts+24(FP), DX
	TESTQ CX, CX
	JE    done

loop:
	VMOVUPD (SI), Y0
	VBROADCASTSD 0(DX), Y14
	VANDPD  Y14, Y0, Y1              // a = |x|

	// Exponential form: t = min(2a, 40), e^t = p(r)·2^n.
	VADDPD  Y1, Y1, Y2               // t = a + a
	VBROADCASTSD 24(DX), Y14
	VMINPD  Y14, Y2, Y2              // t < 40 ? t : 40
	VBROADCASTSD 40(DX), Y3          // s = fma(t, log2e, shifter)
	VBROADCASTSD 32(DX), Y14
	VFMADD231PD Y14, Y2, Y3
	VBROADCASTSD 40(DX), Y14
	VSUBPD  Y14, Y3, Y4              // n = s − shifter
	VMOVAPD Y2, Y5
	VBROADCASTSD 48(DX), Y14
	VFNMADD231PD Y14, Y4, Y5         // r = fma(−n, ln2hi, t)
	VBROADCASTSD 56(DX), Y14
	VFNMADD231PD Y14, Y4, Y5         // r = fma(−n, ln2lo, r)
	VBROADCASTSD 232(DX), Y6         // p = 1/13!
	VBROADCASTSD 224(DX), Y14
	VFMADD213PD Y14, Y5, Y6          // p = fma(p, r, 1/12!)
	VBROADCASTSD 216(DX), Y14
	VFMADD213PD Y14, Y5, Y6
	VBROADCASTSD 208(DX), Y14
	VFMADD213PD Y14, Y5, Y6
	VBROADCASTSD 200(DX), Y14
	VFMADD213PD Y14, Y5, Y6
	VBROADCASTSD 192(DX), Y14
	VFMADD213PD Y14, Y5, Y6
	VBROADCASTSD 184(DX), Y14
	VFMADD213PD Y14, Y5, Y6
	VBROADCASTSD 176(DX), Y14
	VFMADD213PD Y14, Y5, Y6
	VBROADCASTSD 168(DX), Y14
	VFMADD213PD Y14, Y5, Y6
	VBROADCASTSD 160(DX), Y14
	VFMADD213PD Y14, Y5, Y6
	VBROADCASTSD 152(DX), Y14
	VFMADD213PD Y14, Y5, Y6
	VBROADCASTSD 144(DX), Y14
	VFMADD213PD Y14, Y5, Y6
	VBROADCASTSD 136(DX), Y14
	VFMADD213PD Y14, Y5, Y6
	VBROADCASTSD 128(DX), Y14
	VFMADD213PD Y14, Y5, Y6          // p = fma(p, r, 1/0!)
	VBROADCASTSD 240(DX), Y14
	VPADDQ  Y14, Y3, Y7              // 2^n: (bits(s) + 1023) << 52
	VPSLLQ  $52, Y7, Y7
	VMULPD  Y7, Y6, Y8               // e = p·2^n
	VBROADCASTSD 64(DX), Y15         // 1
	VADDPD  Y15, Y8, Y8              // e + 1
	VBROADCASTSD 72(DX), Y14         // 2
	VDIVPD  Y8, Y14, Y8              // 2/(e + 1)
	VSUBPD  Y8, Y15, Y8              // 1 − 2/(e + 1)

	// Rational form: x + x·z·P(z)/Q(z), z = x².
	VMULPD  Y0, Y0, Y9               // z
	VBROADCASTSD 80(DX), Y10
	VBROADCASTSD 88(DX), Y14
	VFMADD213PD Y14, Y9, Y10         // fma(P0, z, P1)
	VBROADCASTSD 96(DX), Y14
	VFMADD213PD Y14, Y9, Y10         // fma(·, z, P2)
	VBROADCASTSD 104(DX), Y14
	VADDPD  Y14, Y9, Y11             // z + Q0
	VBROADCASTSD 112(DX), Y14
	VFMADD213PD Y14, Y9, Y11         // fma(·, z, Q1)
	VBROADCASTSD 120(DX), Y14
	VFMADD213PD Y14, Y9, Y11         // fma(·, z, Q2)
	VDIVPD  Y11, Y10, Y10            // P/Q
	VMULPD  Y9, Y0, Y12              // x·z
	VFMADD213PD Y0, Y10, Y12         // fma(x·z, P/Q, x)

	VBROADCASTSD 16(DX), Y14
	VCMPPD  $0x1d, Y14, Y1, Y13      // a ≥ 0.625 (false for NaN)
	VBLENDVPD Y13, Y8, Y12, Y15
	VBROADCASTSD 0(DX), Y14
	VANDPD  Y14, Y15, Y15            // |y|
	VBROADCASTSD 8(DX), Y14
	VANDPD  Y14, Y0, Y14             // the sign of x
	VORPD   Y14, Y15, Y15
	VMOVUPD Y15, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET

// func tanhGradAVX2(d, up, y *float64, blocks int)
//
// d = up·(1 − y·y), four at a time: the Go form's three operations.
TEXT ·tanhGradAVX2(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ up+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ blocks+24(FP), CX
	MOVQ $0x3ff0000000000000, AX  // 1.0
	MOVQ AX, X15
	VBROADCASTSD X15, Y15

gradloop:
	VMOVUPD (DX), Y0
	VMULPD  Y0, Y0, Y0       // y·y
	VSUBPD  Y0, Y15, Y0      // 1 − y·y
	VMULPD  (SI), Y0, Y0     // g·(1 − y·y)
	VMOVUPD Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     gradloop
	VZEROUPPER
	RET

// func addAVX2(dst, src *float64, blocks int)
TEXT ·addAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX

addloop:
	VMOVUPD (DI), Y0
	VADDPD  (SI), Y0, Y0
	VMOVUPD Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     addloop
	VZEROUPPER
	RET

// func adamAVX2(p, m, v, grad *float64, blocks int, consts *[7]float64)
// consts: β₁, 1−β₁, β₂, 1−β₂, step, 1/√c₂, ε.
TEXT ·adamAVX2(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ m+8(FP), SI
	MOVQ v+16(FP), DX
	MOVQ grad+24(FP), BX
	MOVQ blocks+32(FP), CX
	MOVQ consts+40(FP), AX
	VBROADCASTSD 0(AX), Y9   // β₁
	VBROADCASTSD 8(AX), Y10  // 1 − β₁
	VBROADCASTSD 16(AX), Y11 // β₂
	VBROADCASTSD 24(AX), Y12 // 1 − β₂
	VBROADCASTSD 32(AX), Y13 // step
	VBROADCASTSD 40(AX), Y14 // 1/√c₂
	VBROADCASTSD 48(AX), Y15 // ε

adamloop:
	VMOVUPD (BX), Y0         // g
	VMULPD  (SI), Y9, Y1     // β₁m
	VMULPD  Y0, Y10, Y2      // (1−β₁)g
	VADDPD  Y2, Y1, Y1       // m′
	VMOVUPD Y1, (SI)
	VMULPD  (DX), Y11, Y3    // β₂v
	VMULPD  Y0, Y12, Y4      // (1−β₂)g
	VMULPD  Y0, Y4, Y4       // (1−β₂)g·g
	VADDPD  Y4, Y3, Y3       // v′
	VMOVUPD Y3, (DX)
	VSQRTPD Y3, Y5           // √v′
	VMULPD  Y14, Y5, Y5      // √v′/√c₂
	VADDPD  Y15, Y5, Y5      // + ε
	VMULPD  Y13, Y1, Y6      // step·m′
	VDIVPD  Y5, Y6, Y6       // step·m′ / (√v′/√c₂ + ε)
	VMOVUPD (DI), Y7
	VSUBPD  Y6, Y7, Y7       // p − …
	VMOVUPD Y7, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, BX
	DECQ    CX
	JNZ     adamloop
	VZEROUPPER
	RET

// func reluAVX2(y *float64, blocks int)
// VMAXPD returns its second source when either is NaN or both are zero:
// with y there, NaN stays; adding +0 then turns −0 into +0.
TEXT ·reluAVX2(SB), NOSPLIT, $0-16
	MOVQ   y+0(FP), DI
	MOVQ   blocks+8(FP), CX
	VXORPD Y15, Y15, Y15     // +0

reluloop:
	VMOVUPD (DI), Y0
	VMAXPD  Y0, Y15, Y0      // max(0, y), y when NaN or ±0
	VADDPD  Y15, Y0, Y0      // −0 + 0 = +0
	VMOVUPD Y0, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     reluloop
	VZEROUPPER
	RET

// func reluGradAVX2(d, up, y *float64, blocks int)
TEXT ·reluGradAVX2(SB), NOSPLIT, $0-32
	MOVQ   d+0(FP), DI
	MOVQ   up+8(FP), SI
	MOVQ   y+16(FP), DX
	MOVQ   blocks+24(FP), CX
	VXORPD Y15, Y15, Y15

relugradloop:
	VMOVUPD (DX), Y0
	VCMPPD  $0x1e, Y15, Y0, Y0 // y > 0 (ordered, quiet): all ones
	VANDPD  (SI), Y0, Y0       // g where y > 0, +0 elsewhere
	VMOVUPD Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     relugradloop
	VZEROUPPER
	RET
