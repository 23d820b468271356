package train

import "math"

// log2Pi is log(2π).
var log2Pi = math.Log(2 * math.Pi)

// GaussianLogProb returns log N(a; μ, diag(exp(logStd))²).
func GaussianLogProb(a, mu, logStd []float64) float64 {
	lp := 0.0
	for k := range a {
		z := (a[k] - mu[k]) / math.Exp(logStd[k])
		lp += -0.5*z*z - logStd[k] - 0.5*log2Pi
	}
	return lp
}

// GaussianEntropy is the entropy of a diagonal Gaussian with these log-stds.
func GaussianEntropy(logStd []float64) float64 {
	h := 0.0
	for _, l := range logStd {
		h += l + 0.5*(log2Pi+1)
	}
	return h
}

// GAE computes generalized advantage estimates and returns (advantages
// plus values) for one environment's rollout of T steps. values has T+1
// entries: the last is V of the state after the rollout. done[t] marks a
// step after which the episode ended (its successor value is not used);
// a truncated episode's bootstrap value is already in its reward.
func GAE(rewards, values []float64, done []bool, gamma, lambda float64) (adv, ret []float64) {
	T := len(rewards)
	adv, ret = make([]float64, T), make([]float64, T)
	last := 0.0
	for t := T - 1; t >= 0; t-- {
		next := values[t+1]
		if done[t] {
			next, last = 0, 0
		}
		delta := rewards[t] + gamma*next - values[t]
		last = delta + gamma*lambda*last
		adv[t] = last
		ret[t] = last + values[t]
	}
	return adv, ret
}

// ClippedSurrogate returns PPO's clipped objective term for one sample,
// min(r·A, clip(r, 1−ε, 1+ε)·A) with r = exp(logp − oldLogp), and its
// derivative with respect to logp.
func ClippedSurrogate(logp, oldLogp, adv, eps float64) (obj, dLogp float64) {
	r := math.Exp(logp - oldLogp)
	unclipped := r * adv
	clipped := math.Max(1-eps, math.Min(1+eps, r)) * adv
	if unclipped <= clipped {
		return unclipped, r * adv
	}
	return clipped, 0
}

// Normalize shifts and scales v to zero mean and unit standard deviation
// (in place); a constant v becomes zeros.
func Normalize(v []float64) {
	n := float64(len(v))
	if n == 0 {
		return
	}
	mean := 0.0
	for _, x := range v {
		mean += x / n
	}
	variance := 0.0
	for _, x := range v {
		variance += (x - mean) * (x - mean) / n
	}
	sd := math.Sqrt(variance) + 1e-8
	for i := range v {
		v[i] = (v[i] - mean) / sd
	}
}

// ClipGradNorm scales gradients so that their global L2 norm is at most
// max, and returns the norm before clipping.
func ClipGradNorm(grads [][]float64, max float64) float64 {
	s := 0.0
	for _, g := range grads {
		for _, x := range g {
			s += x * x
		}
	}
	norm := math.Sqrt(s)
	if norm > max && norm > 0 {
		k := max / norm
		for _, g := range grads {
			for i := range g {
				g[i] *= k
			}
		}
	}
	return norm
}

// RunningStats keeps a running mean and variance (Chan et al.'s parallel
// update), for observation normalization in RL.
type RunningStats struct {
	Count float64   `json:"count"`
	Mean  []float64 `json:"mean"`
	M2    []float64 `json:"m2"`
}

// NewRunningStats returns empty statistics of dimension n.
func NewRunningStats(n int) *RunningStats {
	return &RunningStats{Mean: make([]float64, n), M2: make([]float64, n)}
}

// Add folds one observation in.
func (s *RunningStats) Add(x []float64) {
	s.Count++
	for i, v := range x {
		d := v - s.Mean[i]
		s.Mean[i] += d / s.Count
		s.M2[i] += d * (v - s.Mean[i])
	}
}

// Std returns the standard deviations (1 before two observations).
func (s *RunningStats) Std() []float64 {
	sd := make([]float64, len(s.M2))
	for i, m := range s.M2 {
		sd[i] = 1
		if s.Count > 1 {
			sd[i] = math.Sqrt(m / s.Count)
		}
	}
	return sd
}

// LagrangeStep is PPO-Lagrangian's multiplier update, as OmniSafe's
// PPOLag takes it: one step of Adam (adam, over the single parameter λ)
// descending −λ·(epCost − limit), then λ clamped at 0. λ rises while the
// mean episode cost exceeds the limit and falls while it does not; Adam's
// normalization makes each step about adam.LR whatever the excess.
func LagrangeStep(adam *Adam, lambda, epCost, limit float64) float64 {
	p := [][]float64{{lambda}}
	adam.Step(p, [][]float64{{-(epCost - limit)}})
	return math.Max(0, p[0][0])
}

// LagrangianAdvantages replaces adv, in place, by (A_r − λ·A_c)/(1+λ):
// the reward advantage penalized by the cost advantage, rescaled so that
// its size does not grow with λ (OmniSafe's PPOLag).
func LagrangianAdvantages(adv, cadv []float64, lambda float64) {
	for i := range adv {
		adv[i] = (adv[i] - lambda*cadv[i]) / (1 + lambda)
	}
}
