#include "textflag.h"

// func kernelAVX2(k int, a *float64, rs, ps int, b *float64, ldb int, c *float64, ldc int)
//
// C[r][0:8] += Σₚ A[r][p]·b[p][0:8] for r < 4, k ≥ 1: A's entry (r, p) at
// a + 8(r·rs + p·ps), B's rows ldb apart, C's rows ldc apart. One
// fused multiply–add per term in p order from 0, then one addition to C:
// Y(2r), Y(2r+1) hold row r.
TEXT ·kernelAVX2(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ rs+16(FP), R8
	SHLQ $3, R8             // row step in bytes
	MOVQ ps+24(FP), R9
	SHLQ $3, R9             // column step in bytes
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R13
	SHLQ $3, R13            // B's row step in bytes
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R10
	SHLQ $3, R10
	LEAQ (R8)(R8*2), R11    // 3 row steps
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7

loop:
	VMOVUPD      (DI), Y8
	VMOVUPD      32(DI), Y9
	VBROADCASTSD (SI), Y10
	VFMADD231PD  Y8, Y10, Y0
	VFMADD231PD  Y9, Y10, Y1
	VBROADCASTSD (SI)(R8*1), Y11
	VFMADD231PD  Y8, Y11, Y2
	VFMADD231PD  Y9, Y11, Y3
	VBROADCASTSD (SI)(R8*2), Y12
	VFMADD231PD  Y8, Y12, Y4
	VFMADD231PD  Y9, Y12, Y5
	VBROADCASTSD (SI)(R11*1), Y13
	VFMADD231PD  Y8, Y13, Y6
	VFMADD231PD  Y9, Y13, Y7
	ADDQ         R9, SI
	ADDQ         R13, DI
	DECQ         CX
	JNZ          loop

	VADDPD  (DX), Y0, Y0
	VADDPD  32(DX), Y1, Y1
	VMOVUPD Y0, (DX)
	VMOVUPD Y1, 32(DX)
	ADDQ    R10, DX
	VADDPD  (DX), Y2, Y2
	VADDPD  32(DX), Y3, Y3
	VMOVUPD Y2, (DX)
	VMOVUPD Y3, 32(DX)
	ADDQ    R10, DX
	VADDPD  (DX), Y4, Y4
	VADDPD  32(DX), Y5, Y5
	VMOVUPD Y4, (DX)
	VMOVUPD Y5, 32(DX)
	ADDQ    R10, DX
	VADDPD  (DX), Y6, Y6
	VADDPD  32(DX), Y7, Y7
	VMOVUPD Y6, (DX)
	VMOVUPD Y7, 32(DX)
	VZEROUPPER
	RET

// func rowAVX2(x *float64, nx int, w *float64, ldw int, acc *float64, blocks int)
//
// acc[j] = fma(x[p], w[p·ldw + j], acc[j]) for p = 0…nx−1 in order, for
// j < 4·blocks; nx ≥ 1. Sixteen columns at a time, then four.
TEXT ·rowAVX2(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), SI
	MOVQ nx+8(FP), R8
	MOVQ w+16(FP), DI
	MOVQ ldw+24(FP), R9
	SHLQ $3, R9
	MOVQ acc+32(FP), DX
	MOVQ blocks+40(FP), CX

cols16:
	CMPQ CX, $4
	JL   cols4
	VMOVUPD (DX), Y0
	VMOVUPD 32(DX), Y1
	VMOVUPD 64(DX), Y2
	VMOVUPD 96(DX), Y3
	MOVQ SI, R10
	MOVQ DI, R11
	MOVQ R8, R12

rows16:
	VBROADCASTSD (R10), Y4
	VFMADD231PD  (R11), Y4, Y0
	VFMADD231PD  32(R11), Y4, Y1
	VFMADD231PD  64(R11), Y4, Y2
	VFMADD231PD  96(R11), Y4, Y3
	ADDQ         $8, R10
	ADDQ         R9, R11
	DECQ         R12
	JNZ          rows16
	VMOVUPD Y0, (DX)
	VMOVUPD Y1, 32(DX)
	VMOVUPD Y2, 64(DX)
	VMOVUPD Y3, 96(DX)
	ADDQ    $128, DX
	ADDQ    $128, DI
	SUBQ    $4, CX
	JMP     cols16

cols4:
	TESTQ CX, CX
	JE    rowdone
	VMOVUPD (DX), Y0
	MOVQ SI, R10
	MOVQ DI, R11
	MOVQ R8, R12

rows4:
	VBROADCASTSD (R10), Y4
	VFMADD231PD  (R11), Y4, Y0
	ADDQ         $8, R10
	ADDQ         R9, R11
	DECQ         R12
	JNZ          rows4
	VMOVUPD Y0, (DX)
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JMP     cols4

rowdone:
	VZEROUPPER
	RET
