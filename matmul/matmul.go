// Package matmul multiplies the small dense float64 matrices of policy
// networks (a minibatch of a few hundred rows through layers of tens of
// units): C ← C + op(A)·op(B), row-major, op the identity or the
// transpose, the three products a fully connected layer needs forward and
// backward.
//
// op(B) is packed into panels of 8 columns, op(A) read in place 4 rows at
// a time, and every 4×8 block of the product is one micro-kernel call: AVX2 and
// FMA assembly on amd64 where the CPU has them, plain Go otherwise. Both
// kernels accumulate each entry in the same order with fused
// multiply–adds (math.FMA in Go), so results are bit-identical on every
// machine, and so is the one-row form for acting (RowMulAdd).
package matmul

import (
	"math"
	"runtime"
	"sync"
)

// Panel sizes of the micro-kernel: a block of mr rows by nr columns.
const (
	mr = 4
	nr = 8
)

// Workspace holds the packed panels between calls, so that a product
// allocates nothing once the workspace has grown to its operands (beyond
// its goroutines when it is split across cores). A workspace serves one
// product at a time.
type Workspace struct {
	a, b   []float64
	panels []panel
}

// Matrix is a row-major view: entry (i, j) is Data[i*Stride+j]; T means
// the view stands for the transpose of the stored matrix (entry (i, j) is
// Data[j*Stride+i]).
type Matrix struct {
	Data   []float64
	Stride int
	T      bool
}

// at returns entry (i, j) of the matrix the view stands for.
func (m Matrix) at(i, j int) float64 {
	if m.T {
		return m.Data[j*m.Stride+i]
	}
	return m.Data[i*m.Stride+j]
}

// MulAdd sets C ← C + A·B for A r×k and B k×c (as the views stand), C r×c
// row-major with stride ldc. Each entry of C gets one rounding of its
// whole k-term sum added to it: C[i][j] + fma-chain(A[i][p]·B[p][j]),
// the chain starting from 0, p ascending.
//
// B is read in place, eight columns at a time, when it is stored row by
// row; a transposed B, or its last columns when fewer than eight, is
// packed into panels of nr columns. A is read in place, four rows at a
// time, unless a block has fewer than four rows (then it is packed,
// zero-padded). Full blocks are added to C by the kernel itself.
func (w *Workspace) MulAdd(r, c, k int, A, B Matrix, C []float64, ldc int) {
	if r == 0 || c == 0 || k == 0 {
		return
	}
	w.panelsOf(B, c, k)
	// The strides of A's rows and of its columns p, in elements.
	rowStep, pStep := A.Stride, 1
	if A.T {
		rowStep, pStep = 1, A.Stride
	}
	blocks := (r + mr - 1) / mr
	par := min(runtime.GOMAXPROCS(0), blocks, r*c*k/parallelWork)
	if par <= 1 {
		w.rowBlocks(0, blocks, r, c, k, A, rowStep, pStep, C, ldc)
		return
	}
	// Row blocks split across cores: each entry is still one kernel's, so
	// the result does not depend on the split.
	var wg sync.WaitGroup
	wg.Add(par)
	for g := 0; g < par; g++ {
		// Arguments, not a closure: A and C would escape on every call.
		go w.rowBlocksDone(&wg, g*blocks/par, (g+1)*blocks/par, r, c, k, A, rowStep, pStep, C, ldc)
	}
	wg.Wait()
}

func (w *Workspace) rowBlocksDone(wg *sync.WaitGroup, lo, hi, r, c, k int, A Matrix, rowStep, pStep int, C []float64, ldc int) {
	defer wg.Done()
	w.rowBlocks(lo, hi, r, c, k, A, rowStep, pStep, C, ldc)
}

// parallelWork is the number of multiply–adds per core below which a
// product is not split. On this project's 2-vCPU machine a 512×64×64
// product (2²¹) split in two was no faster than on one core: waking the
// second costs about what the half saves.
const parallelWork = 1 << 21

// panel is where the kernel reads columns j0…j0+7 of B: row p at
// data[p*stride:].
type panel struct {
	data   []float64
	stride int
}

// panelsOf sets w.panels for B (k×c as the view stands): in place where
// B's rows hold eight columns side by side, packed otherwise.
func (w *Workspace) panelsOf(B Matrix, c, k int) {
	n := (c + nr - 1) / nr
	if cap(w.panels) < n {
		w.panels = make([]panel, n)
	}
	w.panels = w.panels[:n]
	w.b = grow(w.b, n*k*nr)
	for q := range w.panels {
		j0 := q * nr
		if !B.T && c-j0 >= nr {
			w.panels[q] = panel{B.Data[j0:], B.Stride}
			continue
		}
		packB(w.b[q*k*nr:(q+1)*k*nr], B, k, j0, min(nr, c-j0))
		w.panels[q] = panel{w.b[q*k*nr:], nr}
	}
}

// rowBlocks computes row blocks lo…hi−1 of the product (B's panels in
// w.panels).
// Only the last block of the matrix can be short; it is packed into w.a,
// which no other block uses.
func (w *Workspace) rowBlocks(lo, hi, r, c, k int, A Matrix, rowStep, pStep int, C []float64, ldc int) {
	var acc [mr * nr]float64
	for blk := lo; blk < hi; blk++ {
		i0 := blk * mr
		rows := min(mr, r-i0)
		a, rs, ps := A.Data[i0*rowStep:], rowStep, pStep
		if rows < mr {
			w.a = grow(w.a, k*mr)
			packA(w.a, A, k, i0, rows)
			a, rs, ps = w.a, 1, mr
		}
		for q, pb := range w.panels {
			j0 := q * nr
			cols := min(nr, c-j0)
			if rows == mr && cols == nr {
				kernel(k, a, rs, ps, pb.data, pb.stride, C[i0*ldc+j0:], ldc)
				continue
			}
			acc = [mr * nr]float64{}
			kernel(k, a, rs, ps, pb.data, pb.stride, acc[:], nr)
			addBlock(C, ldc, i0, j0, rows, cols, &acc)
		}
	}
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// packA writes rows i0…i0+rows−1 of A as a k×mr panel, column p of the
// block at dst[p*mr:], zero-padded past rows.
func packA(dst []float64, A Matrix, k, i0, rows int) {
	for p := 0; p < k; p++ {
		for r := 0; r < mr; r++ {
			v := 0.0
			if r < rows {
				v = A.at(i0+r, p)
			}
			dst[p*mr+r] = v
		}
	}
}

// packB writes columns j0…j0+cols−1 of B as a k×nr panel, row p at
// dst[p*nr:], zero-padded past cols.
func packB(dst []float64, B Matrix, k, j0, cols int) {
	if !B.T && cols == nr {
		for p := 0; p < k; p++ {
			copy(dst[p*nr:p*nr+nr], B.Data[p*B.Stride+j0:p*B.Stride+j0+nr])
		}
		return
	}
	for p := 0; p < k; p++ {
		for c := 0; c < nr; c++ {
			v := 0.0
			if c < cols {
				v = B.at(p, j0+c)
			}
			dst[p*nr+c] = v
		}
	}
}

// addBlock adds the valid rows×cols corner of a kernel block to C at
// (i0, j0).
func addBlock(C []float64, ldc, i0, j0, rows, cols int, acc *[mr * nr]float64) {
	for r := 0; r < rows; r++ {
		row := C[(i0+r)*ldc+j0 : (i0+r)*ldc+j0+cols]
		for c := range row {
			row[c] += acc[r*nr+c]
		}
	}
}

// kernelGo is the micro-kernel in Go: C[r][c] += Σₚ A[r][p]·b[p][c] for
// the 4×8 block at C (row stride ldc), A's entry (r, p) at a[r*rs+p*ps]
// and B's row p at b[p*ldb:]; each sum is fused term by term from 0, p
// ascending, then added to C.
func kernelGo(k int, a []float64, rs, ps int, b []float64, ldb int, C []float64, ldc int) {
	var acc [mr * nr]float64
	for p := 0; p < k; p++ {
		bp := b[p*ldb : p*ldb+nr]
		for r := 0; r < mr; r++ {
			x := a[r*rs+p*ps]
			row := acc[r*nr : r*nr+nr]
			for c, y := range bp {
				row[c] = math.FMA(x, y, row[c])
			}
		}
	}
	for r := 0; r < mr; r++ {
		row := C[r*ldc : r*ldc+nr]
		for c := range row {
			row[c] += acc[r*nr+c]
		}
	}
}

// RowMulAdd sets acc[j] = fma(x[p], W[p*stride+j], acc[j]) for p ascending,
// for every j < len(acc): one row times a matrix, the one-sample form of a
// layer (for acting). From acc = 0, then plus the bias, it rounds as
// MulAdd does.
func RowMulAdd(x, W []float64, stride int, acc []float64) {
	n := len(acc)
	done := 0
	if len(x) > 0 && n >= 4 {
		done = rowKernel(x, W, stride, acc)
	}
	for j := done; j < n; j++ {
		s := acc[j]
		for p, v := range x {
			s = math.FMA(v, W[p*stride+j], s)
		}
		acc[j] = s
	}
}
