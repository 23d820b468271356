package env

import (
	"fmt"
	"runtime"
	"sync"
)

// Transition is what one copy of a vectorized environment returned for a
// step. When the episode ended (Terminated or Truncated), Obs is already
// the first observation of the next episode and FinalObs the last one of
// the finished episode; FinalInfo likewise.
type Transition struct {
	Obs                   []float64
	Reward, Cost          float64
	Terminated, Truncated bool
	Info                  Info
	FinalObs              []float64
	FinalInfo             Info
}

// Vec steps N auto-resetting copies of an environment across goroutines.
// Copy i's k-th episode uses the seed EpisodeSeed(base, i, k), so a run is
// deterministic whatever the number of workers.
type Vec struct {
	envs    []Env
	base    uint64
	episode []uint64
	out     []Transition
	workers int
}

// EpisodeSeed is the seed of copy i's k-th episode in a vectorized run
// seeded with base (a splitmix64-style mix, so seeds do not collide).
func EpisodeSeed(base uint64, i, k int) uint64 {
	z := base + 0x9e3779b97f4a7c15*uint64(i+1) + 0xbf58476d1ce4e5b9*uint64(k)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// NewVec makes n copies of task's environment. workers ≤ 0 means
// GOMAXPROCS.
func NewVec(n int, base uint64, workers int, task Task) (*Vec, error) {
	if n < 1 {
		return nil, fmt.Errorf("vec env: %d copies, want ≥ 1", n)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	v := &Vec{base: base, episode: make([]uint64, n), out: make([]Transition, n), workers: min(workers, n)}
	for i := 0; i < n; i++ {
		v.envs = append(v.envs, task.NewEnv())
	}
	return v, nil
}

// Len returns the number of copies.
func (v *Vec) Len() int { return len(v.envs) }

// Env returns copy i (for experts that read the simulator state).
func (v *Vec) Env(i int) Env { return v.envs[i] }

// Reset starts every copy's first episode and returns the transitions
// holding their observations.
func (v *Vec) Reset() []Transition {
	v.each(func(i int) {
		v.episode[i] = 0
		obs, info := v.envs[i].Reset(EpisodeSeed(v.base, i, 0))
		v.out[i].Obs = append(v.out[i].Obs[:0], obs...)
		v.out[i].Info = info
	})
	return v.out
}

// Step applies actions[i] to copy i and returns the transitions; the
// returned slice and its buffers are reused by the next call.
func (v *Vec) Step(actions [][]float64) []Transition {
	v.each(func(i int) {
		t := &v.out[i]
		obs, r, c, term, trunc, info := v.envs[i].Step(actions[i])
		t.Reward, t.Cost, t.Terminated, t.Truncated, t.Info = r, c, term, trunc, info
		if term || trunc {
			t.FinalObs = append(t.FinalObs[:0], obs...)
			t.FinalInfo = info
			v.episode[i]++
			obs, info = v.envs[i].Reset(EpisodeSeed(v.base, i, int(v.episode[i])))
			t.Info = info
		}
		t.Obs = append(t.Obs[:0], obs...)
	})
	return v.out
}

// each runs fn for every copy, split into contiguous chunks per worker.
func (v *Vec) each(fn func(i int)) {
	n := len(v.envs)
	if v.workers == 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + v.workers - 1) / v.workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
