// Package qpbench measures qplayer: the plain solver forward and
// forward+backward, and the Gorgonia op, on random feasible problems. The
// Go benchmarks and `barriergym bench qp` share these functions.
package qpbench

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/barriergym/barriergym/qplayer"
	"gonum.org/v1/gonum/mat"
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

// Problems names a class of benchmark problems.
type Problems int

const (
	// Random problems (RandomBatch): every row random, a few active.
	Random Problems = iota
	// SafetyLayer problems (SafetyBatch): two controls, CBF rows and four
	// control bounds; most elements have no or one active row.
	SafetyLayer
)

func (p Problems) String() string {
	if p == SafetyLayer {
		return "safety layer"
	}
	return "random"
}

// SafetyBatch draws size safety-layer QPs with two controls u:
//
//	minimize ½(u − u_ref)ᵀH(u − u_ref)  subject to  CBF rows, |uᵢ| ≤ u_maxᵢ,
//
// the last four of its m rows being the bounds (m ≥ 4) and the others CBF
// rows −L_g b·u ≤ L_f b + αb. H is near the identity, u_max = (1, 2) and
// u_ref is drawn with σ = 0.6·u_max, so that a bound binds now and then. A
// CBF row's normal has a random direction and a log-normal length, and its
// offset puts u_ref inside by a margin of mean 0.4 and σ 0.5 (in units of
// the normal's length): violated about a fifth of the time, as when a
// nominal controller approaches an obstacle. Every element is feasible: a
// row's offset is raised, if need be, so that it holds at some corner of
// the box by at least 0.1.
func SafetyBatch(rng *rand.Rand, size, m int) (*qplayer.Batch, error) {
	if m < 4 {
		return nil, fmt.Errorf("qpbench: safety-layer problems need m ≥ 4 (four bounds), got %d", m)
	}
	const n = 2
	umax := [2]float64{1, 2}
	b := &qplayer.Batch{Size: size, N: n, M: m,
		Q: make([]float64, size*n*n), P: make([]float64, size*n),
		G: make([]float64, size*m*n), H: make([]float64, size*m)}
	for e := 0; e < size; e++ {
		Q, p := b.Q[e*4:(e+1)*4], b.P[e*2:(e+1)*2]
		G, h := b.G[e*m*n:(e+1)*m*n], b.H[e*m:(e+1)*m]
		off := 0.1 * rng.NormFloat64()
		Q[0], Q[3] = math.Exp(0.2*rng.NormFloat64()), math.Exp(0.2*rng.NormFloat64())
		Q[1], Q[2] = off, off
		ref := [2]float64{0.6 * umax[0] * rng.NormFloat64(), 0.6 * umax[1] * rng.NormFloat64()}
		p[0], p[1] = -(Q[0]*ref[0] + Q[1]*ref[1]), -(Q[2]*ref[0] + Q[3]*ref[1])
		for r := 0; r < m-4; r++ {
			angle := 2 * math.Pi * rng.Float64()
			length := math.Exp(rng.NormFloat64())
			g0, g1 := length*math.Cos(angle), length*math.Sin(angle)
			G[2*r], G[2*r+1] = g0, g1
			hr := g0*ref[0] + g1*ref[1] + length*(0.4+0.5*rng.NormFloat64())
			h[r] = math.Max(hr, -math.Abs(g0)*umax[0]-math.Abs(g1)*umax[1]+0.1*length)
		}
		for j := 0; j < 4; j++ { // u₀ ≤ u_max₀, −u₀ ≤ u_max₀, u₁ ≤ …, −u₁ ≤ …
			r := m - 4 + j
			G[2*r+j/2] = 1 - 2*float64(j%2)
			h[r] = umax[j/2]
		}
	}
	return b, nil
}

// Solver returns a function for testing.Benchmark that solves a batch of
// the given class (and differentiates it when backward), on the given
// number of workers. With sharedQ the batch has one Q (the first
// element's), as in a safety layer with a fixed control cost; otherwise
// every input is batched.
func Solver(class Problems, s Size, batch, workers int, sharedQ, backward bool) func(*testing.B) {
	return func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, uint64(batch)))
		data := RandomBatch(rng, batch, s.N, s.M)
		if class == SafetyLayer {
			var err error
			if data, err = SafetyBatch(rng, batch, s.M); err != nil || s.N != 2 {
				b.Fatalf("safety-layer problems of n=%d, m=%d: %v", s.N, s.M, err)
			}
		}
		if sharedQ {
			var err error
			if data, err = shareQ(data); err != nil {
				b.Fatal(err)
			}
		}
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

// shareQ returns b with the first element's Q shared by all and every
// other element's p moved so that its unconstrained minimiser is unchanged
// (p' = Q₀Q⁻¹p): the same feasible problems, with as many rows active.
func shareQ(b *qplayer.Batch) (*qplayer.Batch, error) {
	n := b.N
	Q0 := mat.NewDense(n, n, b.Q[:n*n])
	out := *b
	out.Q = b.Q[:n*n]
	out.P = make([]float64, len(b.P))
	var z mat.VecDense
	for e := 0; e < b.Size; e++ {
		Q := mat.NewDense(n, n, b.Q[e*n*n:(e+1)*n*n])
		if err := z.SolveVec(Q, mat.NewVecDense(n, b.P[e*n:(e+1)*n])); err != nil {
			return nil, fmt.Errorf("qpbench: element %d's Q: %w", e, err)
		}
		mat.NewVecDense(n, out.P[e*n:(e+1)*n]).MulVec(Q0, &z)
	}
	return &out, nil
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
	Problems
	Size
	Batch int
	// µs per QP, with Q batched (one per element) and shared (one for all).
	FwdUS, FwdBwdUS             float64
	SharedFwdUS, SharedFwdBwdUS float64
	FwdAllocs, FBAlloc          int64 // allocations per batch call (Q batched)
}

// Measure runs the solver benchmarks for every size and batch on the given
// workers, writing a progress line per row to progress (may be nil).
func Measure(class Problems, sizes []Size, batches []int, workers int, progress io.Writer) []Row {
	var rows []Row
	for _, s := range sizes {
		for _, batch := range batches {
			us := func(r testing.BenchmarkResult) float64 {
				return float64(r.NsPerOp()) / float64(batch) / 1e3
			}
			f := testing.Benchmark(Solver(class, s, batch, workers, false, false))
			fb := testing.Benchmark(Solver(class, s, batch, workers, false, true))
			sf := testing.Benchmark(Solver(class, s, batch, workers, true, false))
			sfb := testing.Benchmark(Solver(class, s, batch, workers, true, true))
			r := Row{Problems: class, Size: s, Batch: batch, FwdUS: us(f), FwdBwdUS: us(fb),
				SharedFwdUS: us(sf), SharedFwdBwdUS: us(sfb),
				FwdAllocs: f.AllocsPerOp(), FBAlloc: fb.AllocsPerOp()}
			rows = append(rows, r)
			if progress != nil {
				fmt.Fprintf(progress, "  %v n=%d m=%d batch=%d done\n", class, s.N, s.M, batch)
			}
		}
	}
	return rows
}
