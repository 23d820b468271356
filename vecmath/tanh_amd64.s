#include "textflag.h"

// func tanhAVX2(dst, src *float64, blocks int, consts *[31][4]float64)
//
// tanhGo on four values at a time, operation for operation (tanh.go).
// consts holds tanhConsts four times over (32 bytes a constant), read as
// memory operands. Two blocks go through the loop side by side (the
// degree-13 polynomial is a chain of dependent FMAs: two chains keep the
// FMA units busy), an odd last block alone.
TEXT ·tanhAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	MOVQ consts+24(FP), DX
	MOVQ CX, BX
	SHRQ $1, BX
	JE   single

	// A in Y0 (x) and Y1 (|x|), B in Y10 and Y11.
pairloop:
	VMOVUPD (SI), Y0
	VMOVUPD 32(SI), Y10
	VANDPD  0(DX), Y0, Y1
	VANDPD  0(DX), Y10, Y11

	// Exponential form: t = min(2a, 40), e^t = p(r)·2^n.
	VADDPD  Y1, Y1, Y2
	VADDPD  Y11, Y11, Y3
	VMINPD  96(DX), Y2, Y2
	VMINPD  96(DX), Y3, Y3
	VMOVUPD 160(DX), Y4              // s = fma(t, log2e, shifter)
	VMOVUPD 160(DX), Y5
	VFMADD231PD 128(DX), Y2, Y4
	VFMADD231PD 128(DX), Y3, Y5
	VSUBPD  160(DX), Y4, Y6          // n = s − shifter
	VSUBPD  160(DX), Y5, Y7
	VFNMADD231PD 192(DX), Y6, Y2     // r = fma(−n, ln2hi, t)
	VFNMADD231PD 192(DX), Y7, Y3
	VFNMADD231PD 224(DX), Y6, Y2     // r = fma(−n, ln2lo, r)
	VFNMADD231PD 224(DX), Y7, Y3
	VMOVUPD 928(DX), Y6              // p = 1/13!
	VMOVUPD 928(DX), Y7
	VFMADD213PD 896(DX), Y2, Y6
	VFMADD213PD 896(DX), Y3, Y7
	VFMADD213PD 864(DX), Y2, Y6
	VFMADD213PD 864(DX), Y3, Y7
	VFMADD213PD 832(DX), Y2, Y6
	VFMADD213PD 832(DX), Y3, Y7
	VFMADD213PD 800(DX), Y2, Y6
	VFMADD213PD 800(DX), Y3, Y7
	VFMADD213PD 768(DX), Y2, Y6
	VFMADD213PD 768(DX), Y3, Y7
	VFMADD213PD 736(DX), Y2, Y6
	VFMADD213PD 736(DX), Y3, Y7
	VFMADD213PD 704(DX), Y2, Y6
	VFMADD213PD 704(DX), Y3, Y7
	VFMADD213PD 672(DX), Y2, Y6
	VFMADD213PD 672(DX), Y3, Y7
	VFMADD213PD 640(DX), Y2, Y6
	VFMADD213PD 640(DX), Y3, Y7
	VFMADD213PD 608(DX), Y2, Y6
	VFMADD213PD 608(DX), Y3, Y7
	VFMADD213PD 576(DX), Y2, Y6
	VFMADD213PD 576(DX), Y3, Y7
	VFMADD213PD 544(DX), Y2, Y6
	VFMADD213PD 544(DX), Y3, Y7
	VFMADD213PD 512(DX), Y2, Y6
	VFMADD213PD 512(DX), Y3, Y7
	VPADDQ  960(DX), Y4, Y4          // 2^n: (bits(s) + 1023) << 52
	VPADDQ  960(DX), Y5, Y5
	VPSLLQ  $52, Y4, Y4
	VPSLLQ  $52, Y5, Y5
	VMULPD  Y4, Y6, Y6               // e = p·2^n
	VMULPD  Y5, Y7, Y7
	VMOVUPD 256(DX), Y8              // 1
	VMOVUPD 288(DX), Y9              // 2
	VADDPD  Y8, Y6, Y6               // e + 1
	VADDPD  Y8, Y7, Y7
	VDIVPD  Y6, Y9, Y6               // 2/(e + 1)
	VDIVPD  Y7, Y9, Y7
	VSUBPD  Y6, Y8, Y6               // 1 − 2/(e + 1)
	VSUBPD  Y7, Y8, Y7

	// Rational form: x + x·z·P(z)/Q(z), z = x².
	VMULPD  Y0, Y0, Y2               // z
	VMULPD  Y10, Y10, Y5
	VMOVUPD 320(DX), Y3
	VMOVUPD 320(DX), Y8
	VFMADD213PD 352(DX), Y2, Y3      // fma(P0, z, P1)
	VFMADD213PD 352(DX), Y5, Y8
	VFMADD213PD 384(DX), Y2, Y3      // fma(·, z, P2)
	VFMADD213PD 384(DX), Y5, Y8
	VADDPD  416(DX), Y2, Y4          // z + Q0
	VADDPD  416(DX), Y5, Y9
	VFMADD213PD 448(DX), Y2, Y4      // fma(·, z, Q1)
	VFMADD213PD 448(DX), Y5, Y9
	VFMADD213PD 480(DX), Y2, Y4      // fma(·, z, Q2)
	VFMADD213PD 480(DX), Y5, Y9
	VDIVPD  Y4, Y3, Y3               // P/Q
	VDIVPD  Y9, Y8, Y8
	VMULPD  Y2, Y0, Y2               // x·z
	VMULPD  Y5, Y10, Y5
	VFMADD213PD Y0, Y3, Y2           // fma(x·z, P/Q, x)
	VFMADD213PD Y10, Y8, Y5

	VCMPPD  $0x1d, 64(DX), Y1, Y3    // a ≥ 0.625 (false for NaN)
	VCMPPD  $0x1d, 64(DX), Y11, Y4
	VBLENDVPD Y3, Y6, Y2, Y2
	VBLENDVPD Y4, Y7, Y5, Y5
	VANDPD  0(DX), Y2, Y2            // |y|
	VANDPD  0(DX), Y5, Y5
	VANDPD  32(DX), Y0, Y0           // the sign of x
	VANDPD  32(DX), Y10, Y10
	VORPD   Y0, Y2, Y2
	VORPD   Y10, Y5, Y5
	VMOVUPD Y2, (DI)
	VMOVUPD Y5, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    BX
	JNZ     pairloop

single:
	ANDQ $1, CX
	JE   done
	VMOVUPD (SI), Y0
	VANDPD  0(DX), Y0, Y1            // a = |x|

	// Exponential form: t = min(2a, 40), e^t = p(r)·2^n.
	VADDPD  Y1, Y1, Y2               // t = a + a
	VMINPD  96(DX), Y2, Y2           // t < 40 ? t : 40
	VMOVUPD 160(DX), Y3              // s = fma(t, log2e, shifter)
	VFMADD231PD 128(DX), Y2, Y3
	VSUBPD  160(DX), Y3, Y4          // n = s − shifter
	VMOVAPD Y2, Y5
	VFNMADD231PD 192(DX), Y4, Y5     // r = fma(−n, ln2hi, t)
	VFNMADD231PD 224(DX), Y4, Y5     // r = fma(−n, ln2lo, r)
	VMOVUPD 928(DX), Y6              // p = 1/13!
	VFMADD213PD 896(DX), Y5, Y6      // p = fma(p, r, 1/12!)
	VFMADD213PD 864(DX), Y5, Y6
	VFMADD213PD 832(DX), Y5, Y6
	VFMADD213PD 800(DX), Y5, Y6
	VFMADD213PD 768(DX), Y5, Y6
	VFMADD213PD 736(DX), Y5, Y6
	VFMADD213PD 704(DX), Y5, Y6
	VFMADD213PD 672(DX), Y5, Y6
	VFMADD213PD 640(DX), Y5, Y6
	VFMADD213PD 608(DX), Y5, Y6
	VFMADD213PD 576(DX), Y5, Y6
	VFMADD213PD 544(DX), Y5, Y6
	VFMADD213PD 512(DX), Y5, Y6      // p = fma(p, r, 1/0!)
	VPADDQ  960(DX), Y3, Y7          // 2^n: (bits(s) + 1023) << 52
	VPSLLQ  $52, Y7, Y7
	VMULPD  Y7, Y6, Y8               // e = p·2^n
	VMOVUPD 256(DX), Y15             // 1
	VADDPD  Y15, Y8, Y8              // e + 1
	VMOVUPD 288(DX), Y14             // 2
	VDIVPD  Y8, Y14, Y8              // 2/(e + 1)
	VSUBPD  Y8, Y15, Y8              // 1 − 2/(e + 1)

	// Rational form: x + x·z·P(z)/Q(z), z = x².
	VMULPD  Y0, Y0, Y9               // z
	VMOVUPD 320(DX), Y10
	VFMADD213PD 352(DX), Y9, Y10     // fma(P0, z, P1)
	VFMADD213PD 384(DX), Y9, Y10     // fma(·, z, P2)
	VADDPD  416(DX), Y9, Y11         // z + Q0
	VFMADD213PD 448(DX), Y9, Y11     // fma(·, z, Q1)
	VFMADD213PD 480(DX), Y9, Y11     // fma(·, z, Q2)
	VDIVPD  Y11, Y10, Y10            // P/Q
	VMULPD  Y9, Y0, Y12              // x·z
	VFMADD213PD Y0, Y10, Y12         // fma(x·z, P/Q, x)

	VCMPPD  $0x1d, 64(DX), Y1, Y13   // a ≥ 0.625 (false for NaN)
	VBLENDVPD Y13, Y8, Y12, Y15
	VANDPD  0(DX), Y15, Y15          // |y|
	VANDPD  32(DX), Y0, Y14          // the sign of x
	VORPD   Y14, Y15, Y15
	VMOVUPD Y15, (DI)

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
