// Package qpbench measures qplayer: the plain solver forward and
// forward+backward, and the Gorgonia op, on random feasible problems. The
// Go benchmarks and `barriergym bench qp` share these functions.
package qpbench

import (
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/barriergym/barriergym/qplayer"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Size is a problem size: n variables, m inequalities.
type Size struct{ N, M int }

// Sizes are the (n, m) pairs the README reports.
var Sizes = []Size{{2, 1}, {2, 5}, {4, 10}, {10, 20}}

// Batches are the batch sizes the README reports.
var Batches = []int{1, 64, 1024, 16384}

// RandomBatch draws size problems of n variables and m inequalities, every
// input batched, each feasible with some constraints active at the optimum.
func RandomBatch(rng *rand.Rand, size, n, m int) *qplayer.Batch {
	b := &qplayer.Batch{Size: size, N: n, M: m,
		Q: make([]float64, size*n*n), P: make([]float64, size*n),
		G: make([]float64, size*m*n), H: make([]float64, size*m)}
	M := make([]float64, n*n)
	z0 := make([]float64, n)
	for e := 0; e < size; e++ {
		Q := b.Q[e*n*n : (e+1)*n*n]
		for i := range M {
			M[i] = rng.NormFloat64()
		}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				s := 0.0
				for l := 0; l < n; l++ {
					s += M[i*n+l] * M[j*n+l]
				}
				if i == j {
					s += 0.5
				}
				Q[i*n+j] = s
			}
		}
		for i := range z0 {
			z0[i] = rng.NormFloat64()
		}
		for i := 0; i < n; i++ {
			s := 0.0
			for j := 0; j < n; j++ {
				s += Q[i*n+j] * z0[j]
			}
			b.P[e*n+i] = -s + 2*rng.NormFloat64()
		}
		for r := 0; r < m; r++ {
			row := b.G[(e*m+r)*n : (e*m+r+1)*n]
			s := 0.0
			for j := range row {
				row[j] = rng.NormFloat64()
				s += row[j] * z0[j]
			}
			b.H[e*m+r] = s + 0.5*rng.ExpFloat64()
		}
	}
	return b
}

// Solver returns a function for testing.Benchmark that solves a batch
// (and differentiates it when backward), on the given number of workers.
func Solver(s Size, batch, workers int, backward bool) func(*testing.B) {
	return func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, uint64(batch)))
		data := RandomBatch(rng, batch, s.N, s.M)
		solver, err := qplayer.NewSolver(qplayer.Options{Workers: workers})
		if err != nil {
			b.Fatal(err)
		}
		var res qplayer.Result
		var grad qplayer.Grad
		dz := make([]float64, batch*s.N)
		for i := range dz {
			dz[i] = rng.NormFloat64()
		}
		// One untimed round grows the workspaces.
		solver.Solve(data, &res)
		solver.Backward(data, &res, dz, &grad)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := solver.Solve(data, &res); err != nil {
				b.Fatal(err)
			}
			if backward {
				if err := solver.Backward(data, &res, dz, &grad); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// Op returns a function for testing.Benchmark that runs the Gorgonia op in
// a TapeMachine: Q shared, p, G, h batched, the loss Σz; with backward the
// graph also computes the gradients of p, G and h.
func Op(s Size, batch, workers int, backward bool) func(*testing.B) {
	return func(b *testing.B) {
		rng := rand.New(rand.NewPCG(2, uint64(batch)))
		data := RandomBatch(rng, batch, s.N, s.M)
		g := gorgonia.NewGraph()
		node := func(name string, shape []int, v []float64) *gorgonia.Node {
			t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
			return gorgonia.NewTensor(g, tensor.Float64, len(shape), gorgonia.WithShape(shape...),
				gorgonia.WithName(name), gorgonia.WithValue(t))
		}
		n, m := s.N, s.M
		Q := node("Q", []int{n, n}, data.Q[:n*n])
		p := node("p", []int{batch, n}, data.P)
		G := node("G", []int{batch, m, n}, data.G)
		h := node("h", []int{batch, m}, data.H)
		z, err := qplayer.QP(Q, p, G, h, qplayer.WithSolverOptions(qplayer.Options{Workers: workers}))
		if err != nil {
			b.Fatal(err)
		}
		cost := gorgonia.Must(gorgonia.Sum(z))
		var opts []gorgonia.VMOpt
		if backward {
			if _, err := gorgonia.Grad(cost, p, G, h); err != nil {
				b.Fatal(err)
			}
			opts = append(opts, gorgonia.BindDualValues(p, G, h))
		}
		vm := gorgonia.NewTapeMachine(g, opts...)
		defer vm.Close()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := vm.RunAll(); err != nil {
				b.Fatal(err)
			}
			vm.Reset()
		}
	}
}

// Row is one measured configuration.
type Row struct {
	Size
	Batch              int
	FwdUS, FwdBwdUS    float64 // µs per QP
	FwdAllocs, FBAlloc int64   // allocations per batch call
}

// Measure runs the solver benchmarks for every size and batch on the given
// workers, writing a progress line per row to progress (may be nil).
func Measure(sizes []Size, batches []int, workers int, progress io.Writer) []Row {
	var rows []Row
	for _, s := range sizes {
		for _, batch := range batches {
			f := testing.Benchmark(Solver(s, batch, workers, false))
			fb := testing.Benchmark(Solver(s, batch, workers, true))
			r := Row{Size: s, Batch: batch,
				FwdUS:     float64(f.NsPerOp()) / float64(batch) / 1e3,
				FwdBwdUS:  float64(fb.NsPerOp()) / float64(batch) / 1e3,
				FwdAllocs: f.AllocsPerOp(), FBAlloc: fb.AllocsPerOp()}
			rows = append(rows, r)
			if progress != nil {
				fmt.Fprintf(progress, "  n=%d m=%d batch=%d done\n", s.N, s.M, batch)
			}
		}
	}
	return rows
}
