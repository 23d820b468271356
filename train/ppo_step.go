package train

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/policy"
	"github.com/barriergym/barriergym/vecmath"
)

// iterate collects one rollout and updates the policy and the critic.
func (r *ppoRun) iterate(iters int) (PPOMetrics, error) {
	start := time.Now()
	r.net.SetNormalization(r.st.Obs.Mean, r.st.Obs.Std())
	if r.p.AnnealLR {
		lr := r.cfg.Train.LR * (1 - float64(r.st.Iteration)/float64(iters))
		r.adamPi.LR, r.adamV.LR = lr, lr
	}
	r.collect()
	m := r.episodeMetrics()
	r.updateLambda(m.EpCost)
	kl, clipFrac, lossPi, lossV, err := r.update()
	if err != nil {
		return m, err
	}
	// Fold this rollout's observations into the running statistics.
	d := r.spec.ObsDim
	for i := 0; i < len(r.buf.obs)/d; i++ {
		r.st.Obs.Add(r.buf.obs[i*d : (i+1)*d])
	}
	n := r.p.Rollout()
	r.st.Iteration++
	r.st.EnvSteps += n
	m.Iteration, m.TotalEnvSteps = r.st.Iteration, r.st.EnvSteps
	m.KL, m.ClipFrac, m.LossPi, m.LossV = kl, clipFrac, lossPi, lossV
	std := 0.0
	for _, l := range r.st.LogStd {
		std += math.Exp(l)
	}
	m.PolicyStd = std / float64(len(r.st.LogStd))
	m.Intervention = float64(r.buf.interventions) / float64(n)
	m.QPSlackActive = float64(r.buf.slackSteps) / float64(n)
	m.FPS = float64(n) / time.Since(start).Seconds()
	m.TrainCollisionSteps, m.TrainCollidedEpisodes = r.st.Collisions, float64(r.st.Collided)
	m.Seconds = r.elapsed()
	return m, nil
}

// collect runs every environment for Steps steps, workers in parallel.
func (r *ppoRun) collect() {
	n, T, d, f := r.p.NumEnvs, r.p.Steps, r.spec.ObsDim, r.spec.FeatDim()
	b := &r.buf
	b.obs, b.feat, b.act = grow(b.obs, n*T*d), grow(b.feat, n*T*f), grow(b.act, n*T*r.spec.M())
	b.logp, b.val, b.rew = grow(b.logp, n*T), grow(b.val, n*T), grow(b.rew, n*T)
	b.lastVal = grow(b.lastVal, n)
	if r.cvalue != nil {
		b.cost, b.cval, b.lastCVal = grow(b.cost, n*T), grow(b.cval, n*T), grow(b.lastCVal, n)
	}
	if cap(b.done) < n*T {
		b.done = make([]bool, n*T)
	}
	b.done = b.done[:n*T]
	b.interventions, b.slackSteps, b.finished = 0, 0, b.finished[:0]
	type share struct {
		interventions, slackSteps int
		finished                  []eval.Episode
	}
	shares := make([]share, len(r.workers))
	var wg sync.WaitGroup
	for k, w := range r.workers {
		wg.Add(1)
		go func(k int, w *ppoWorker) {
			defer wg.Done()
			s := &shares[k]
			s.interventions, s.slackSteps, s.finished = r.runWorker(w)
		}(k, w)
	}
	wg.Wait()
	// In worker order, so the figures do not depend on which finished first.
	for _, s := range shares {
		b.interventions += s.interventions
		b.slackSteps += s.slackSteps
		b.finished = append(b.finished, s.finished...)
	}
	r.advantages()
}

// runWorker runs the worker's environments for Steps steps, step by step
// across its environments: at each step the policy network runs on all
// their observations at once (Actor.NetBatch), then each environment
// finishes its action, shield and step in turn. The critics run on the
// step's observations at once too. Finished episodes
// are returned environment by environment, each in order.
func (r *ppoRun) runWorker(w *ppoWorker) (interventions, slackSteps int, finished []eval.Episode) {
	T, d := r.p.Steps, r.spec.ObsDim
	sigma := make([]float64, r.spec.M())
	for c, l := range r.st.LogStd {
		sigma[c] = math.Exp(l)
	}
	n := len(w.envs)
	w.batch = grow(w.batch, n*d)
	ended := make([][]eval.Episode, n)
	w.normed = grow(w.normed, n*d)
	cval := make([]float64, n)
	for t := 0; t < T; t++ {
		for j := range w.envs {
			copy(w.batch[j*d:(j+1)*d], w.obs[j])
			r.normalize(w.obs[j], w.normed[j*d:(j+1)*d])
		}
		w.actor.NetBatch(w.batch, n)
		val := w.value.ForwardBatch(w.normed, n)
		if w.cvalue != nil {
			cval = w.cvalue.ForwardBatch(w.normed, n)
		}
		for j := range w.envs {
			intervened, slack, ep := r.envStep(w, j, t, sigma, val[j], cval[j])
			if intervened {
				interventions++
			}
			if slack {
				slackSteps++
			}
			if ep != nil {
				ended[j] = append(ended[j], *ep)
			}
		}
	}
	b := &r.buf
	for j := range w.envs {
		gi := w.first + j
		b.lastVal[gi] = w.value.Forward(r.normalize(w.obs[j], w.norm))
		if w.cvalue != nil {
			b.lastCVal[gi] = w.cvalue.Forward(w.norm)
		}
		finished = append(finished, ended[j]...)
	}
	return interventions, slackSteps, finished
}

// envStep takes step t of the worker's environment j, the network already
// run on its observation (sample j of the last NetBatch) and the critics
// (val, cval; cval unused without a cost critic): it samples the action,
// records the transition, shields and steps the environment. It reports
// whether the shield changed the action, whether an elastic slack was
// used, and the episode if it ended.
func (r *ppoRun) envStep(w *ppoWorker, j, t int, sigma []float64, val, cval float64) (intervened, slackUsed bool, ended *eval.Episode) {
	T, d, f, m := r.p.Steps, r.spec.ObsDim, r.spec.FeatDim(), r.spec.M()
	b := &r.buf
	e, gi := w.envs[j], w.first+j
	k := gi*T + t
	obs := w.obs[j]
	copy(b.obs[k*d:(k+1)*d], obs)
	if f > 0 {
		w.rows.Read(e, w.feat)
		copy(b.feat[k*f:(k+1)*f], w.feat)
	}
	mu := w.actor.Finish(j, w.feat).U
	a := w.act
	for c := range a {
		a[c] = mu[c] + sigma[c]*w.rngs[j].NormFloat64()
	}
	copy(b.act[m*k:m*(k+1)], a)
	b.logp[k] = GaussianLogProb(a, mu, r.st.LogStd)
	b.val[k] = val
	if w.cvalue != nil {
		b.cval[k] = cval
	}
	u, slack := r.shield(w, e, a)
	intervened, slackUsed = control.Distance(u, a) > eval.InterventionTol, slack > 0
	next, rew, cost, term, trunc, info := e.Step(u)
	w.controls[j] = append(w.controls[j], u...)
	ep := &w.ep[j]
	ep.Return, ep.Cost, ep.Length = ep.Return+rew, ep.Cost+cost, ep.Length+1
	ep.Collided = ep.Collided || info.Collision
	ep.MinBarrier = math.Min(ep.MinBarrier, info.MinBarrier)
	if trunc && !term {
		rew += r.p.Gamma * w.value.Forward(r.normalize(next, w.norm))
		if w.cvalue != nil {
			cost += r.p.Gamma * w.cvalue.Forward(w.norm)
		}
	}
	b.rew[k], b.done[k] = rew, term || trunc
	if w.cvalue != nil {
		b.cost[k] = cost
	}
	if term || trunc {
		ep.Success = info.Success
		done := *ep
		ended = &done
		w.ep[j] = eval.Episode{MinBarrier: math.Inf(1)}
		w.controls[j] = w.controls[j][:0]
		next, _ = e.Reset(env.EpisodeSeed(r.cfg.Train.Seed, gi, r.episodeNumber(gi)))
	}
	w.obs[j] = append(w.obs[j][:0], next...)
	return intervened, slackUsed, ended
}

// episodeNumber returns and advances environment i's episode counter.
// Each environment belongs to one worker, so no two goroutines touch the
// same entry.
func (r *ppoRun) episodeNumber(i int) int {
	k := r.st.EnvEpisode[i]
	r.st.EnvEpisode[i]++
	return k
}

func (r *ppoRun) normalize(obs, dst []float64) []float64 {
	for i, v := range obs {
		dst[i] = (v - r.net.ObsMean[i]) / r.net.ObsStd[i]
	}
	return dst
}

// shield returns the control to execute for the sample a, and the slack.
func (r *ppoRun) shield(w *ppoWorker, e env.Env, a []float64) ([]float64, float64) {
	switch r.p.Shield {
	case "policy":
		u, slack, _ := w.actor.Project(a)
		return u, slack
	case "fixed":
		d := w.shield.Apply(e, a)
		return d.U, d.Slack
	}
	return a, 0
}

// advantages computes GAE per environment and the returns, of the reward
// and (PPO-Lagrangian) of the cost.
func (r *ppoRun) advantages() {
	b := &r.buf
	b.adv, b.ret = r.gae(b.rew, b.val, b.lastVal, b.adv[:0], b.ret[:0])
	if r.cvalue != nil {
		b.cadv, b.cret = r.gae(b.cost, b.cval, b.lastCVal, b.cadv[:0], b.cret[:0])
	}
}

// gae appends the advantages and returns of one signal (rewards or costs,
// with the critic's values and the values after the last step) to adv and
// ret, environment by environment.
func (r *ppoRun) gae(sig, val, last, adv, ret []float64) ([]float64, []float64) {
	n, T := r.p.NumEnvs, r.p.Steps
	b := &r.buf
	vals := make([]float64, T+1)
	for i := 0; i < n; i++ {
		copy(vals, val[i*T:(i+1)*T])
		vals[T] = last[i]
		a, g := GAE(sig[i*T:(i+1)*T], vals, b.done[i*T:(i+1)*T], r.p.Gamma, r.p.Lambda)
		adv, ret = append(adv, a...), append(ret, g...)
	}
	return adv, ret
}

// updateLambda takes PPO-Lagrangian's multiplier step from the mean cost
// of the episodes that ended in the rollout (none: no step), kept ≥ 0.
func (r *ppoRun) updateLambda(epCost float64) {
	if r.cvalue == nil || math.IsNaN(epCost) {
		return
	}
	r.st.Lambda = LagrangeStep(r.adamL, r.st.Lambda, epCost, r.p.CostLimit)
}

// episodeMetrics summarizes the episodes that ended in the rollout and
// adds their collisions to the run's totals.
func (r *ppoRun) episodeMetrics() PPOMetrics {
	m := PPOMetrics{EpRet: math.NaN(), EpCost: math.NaN(), EpLen: math.NaN(), SuccessRate: math.NaN(),
		CollisionRate: math.NaN(), MinBarrier: math.NaN()}
	cost := 0.0
	fin := r.buf.finished
	for _, e := range fin {
		cost += e.Cost
		if e.Collided {
			r.st.Collided++
		}
	}
	r.st.Episodes += len(fin)
	if len(fin) > 0 {
		s := eval.Summarize("", r.task.Spec(), 0, fin)
		m.EpRet, m.EpCost, m.EpLen, m.SuccessRate = s.MeanReturn, s.MeanCost, s.MeanLength, s.SuccessRate
		m.CollisionRate, m.MinBarrier = s.CollisionRate, s.MinBarrier
	}
	r.st.Collisions += cost
	return m
}

// update runs the PPO epochs over the rollout. In each epoch the critics
// take their minibatch steps in goroutines of their own, alongside the
// policy's (they do not depend on it), and all meet at the epoch's end,
// where the KL test is taken: the same steps as one minibatch at a time,
// with the cores kept busy.
func (r *ppoRun) update() (kl, clipFrac, lossPi, lossV float64, err error) {
	N, M := r.p.Rollout(), r.p.Minibatch
	rng := rand.New(rand.NewPCG(r.cfg.Train.Seed, uint64(r.st.Iteration)+7))
	var klSum, cfSum, lpSum, lvSum float64
	count := 0
	for epoch := 0; epoch < r.p.UpdateEpochs; epoch++ {
		perm := rng.Perm(N)
		epochKL := 0.0
		batches := N / M
		lv := make(chan float64, 1)
		go func() {
			lv <- r.criticEpoch(r.value, r.adamV, r.buf.ret, r.buf.val, &r.buf.valueScratch, perm, batches)
		}()
		var lc chan float64 // the cost critic (PPO-Lagrangian), alongside too
		if r.cvalue != nil {
			lc = make(chan float64, 1)
			go func() {
				lc <- r.criticEpoch(r.cvalue, r.adamC, r.buf.cret, r.buf.cval, &r.buf.costScratch, perm, batches)
			}()
		}
		for k := 0; k < batches && err == nil; k++ {
			var bkl, bcf, blp float64
			bkl, bcf, blp, err = r.policyStep(perm[k*M : (k+1)*M])
			klSum, cfSum, lpSum = klSum+bkl, cfSum+bcf, lpSum+blp
			epochKL += bkl / float64(batches)
			count++
		}
		lvSum += <-lv
		if lc != nil {
			<-lc
		}
		if err != nil {
			return 0, 0, 0, 0, err
		}
		if r.p.TargetKL > 0 && epochKL > r.p.TargetKL {
			break
		}
	}
	c := float64(max(count, 1))
	return klSum / c, cfSum / c, lpSum / c, lvSum / c, nil
}

// criticEpoch takes critic v's steps over one epoch's minibatches (perm
// cut into batches) and returns the sum of their losses.
func (r *ppoRun) criticEpoch(v *ValueNet, adam *Adam, rets, vals []float64, s *criticScratch, perm []int, batches int) float64 {
	M, sum := r.p.Minibatch, 0.0
	for k := 0; k < batches; k++ {
		sum += r.valueStep(v, adam, rets, vals, s, perm[k*M:(k+1)*M])
	}
	return sum
}

// policyStep takes one gradient step of the clipped objective on a
// minibatch: the learners' forward passes give the Gaussian means (the
// QP's outputs), surrogate the objective and its derivative with respect
// to them, and the backward passes the rest through the QP op. The two
// halves of the minibatch run side by side and their gradients are added
// (first half, then second), so the step is the same on any number of
// cores.
func (r *ppoRun) policyStep(idx []int) (kl, clipFrac, loss float64, err error) {
	d, f, m := r.spec.ObsDim, r.spec.FeatDim(), r.spec.M()
	b := &r.buf
	adv := b.mbAdv[:0]
	for _, k := range idx {
		adv = append(adv, b.adv[k])
	}
	b.mbAdv = adv
	Normalize(adv)
	if r.cvalue != nil {
		cadv := b.mbCAdv[:0]
		for _, k := range idx {
			cadv = append(cadv, b.cadv[k])
		}
		b.mbCAdv = cadv
		Normalize(cadv)
		LagrangianAdvantages(adv, cadv, r.st.Lambda)
	}
	mb := &r.mb
	if len(mb.sigma) != m {
		mb.sigma = make([]float64, m)
		for h := range mb.half {
			mb.half[h].dLogStd = make([]float64, m)
		}
	}
	for c, l := range r.st.LogStd {
		mb.sigma[c] = math.Exp(l)
	}
	mb.idx, mb.adv = idx, adv
	var losses [2]float64
	var errs [2]error
	var wg sync.WaitGroup
	lo := 0
	for h, l := range r.learners {
		if l == nil {
			continue
		}
		hs := &mb.half[h]
		hs.lo, hs.kl, hs.clipFrac = lo, 0, 0
		clear(hs.dLogStd)
		lo += l.Batch()
		wg.Add(1)
		go func(h int, l *policy.Learner, idx []int) {
			defer wg.Done()
			for i, k := range idx {
				l.Load(i, b.obs[k*d:(k+1)*d], b.feat[k*f:(k+1)*f], nil)
			}
			losses[h], errs[h] = l.Run()
		}(h, l, idx[hs.lo:lo])
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return 0, 0, 0, err
	}
	all, err := r.sumGrads()
	if err != nil {
		return 0, 0, 0, err
	}
	dLogStd := all[len(all)-1]
	for c := range dLogStd {
		dLogStd[c] = mb.half[0].dLogStd[c] + mb.half[1].dLogStd[c] - r.p.EntCoef
	}
	ClipGradNorm(all, r.p.MaxGradNorm)
	r.adamPi.Step(r.piParams(), all)
	return mb.half[0].kl + mb.half[1].kl, mb.half[0].clipFrac + mb.half[1].clipFrac, losses[0] + losses[1], nil
}

// sumGrads returns the two learners' parameter gradients added, in the
// order of Net.Params, and a last slice for ∂loss/∂log σ (the caller's).
func (r *ppoRun) sumGrads() ([][]float64, error) {
	first := true
	for _, l := range r.learners {
		if l == nil {
			continue
		}
		g, err := l.Grads()
		if err != nil {
			return nil, err
		}
		if r.gradSum == nil {
			for _, p := range g {
				r.gradSum = append(r.gradSum, make([]float64, len(p)))
			}
			r.gradSum = append(r.gradSum, make([]float64, r.spec.M()))
		}
		for i, p := range g {
			if first {
				copy(r.gradSum[i], p)
			} else {
				vecmath.Add(r.gradSum[i], p)
			}
		}
		first = false
	}
	return r.gradSum, nil
}

// surrogate returns the policy's loss on half h of the minibatch r.mb for
// the Gaussian means u (the policy's controls, one row per sample of the
// half): minus the clipped objective summed over the half and divided by
// the whole minibatch's size. It writes ∂loss/∂u into grad and ∂loss/∂log σ,
// the KL estimate and the clipped fraction into r.mb.half[h].
func (r *ppoRun) surrogate(h int) policy.Loss {
	return func(u, grad []float64) float64 {
		mb, b := &r.mb, &r.buf
		m := r.spec.M()
		M := float64(len(mb.idx))
		hs := &mb.half[h]
		lo, n := hs.lo, len(u)/m
		sigma := mb.sigma
		loss := 0.0
		for i, k := range mb.idx[lo : lo+n] {
			mu := u[m*i : m*(i+1)]
			act := b.act[m*k : m*(k+1)]
			logp := GaussianLogProb(act, mu, r.st.LogStd)
			obj, dlogp := ClippedSurrogate(logp, b.logp[k], mb.adv[lo+i], r.p.Clip)
			loss -= obj / M
			ratio := math.Exp(logp - b.logp[k])
			hs.kl += ((ratio - 1) - (logp - b.logp[k])) / M
			if math.Abs(ratio-1) > r.p.Clip {
				hs.clipFrac += 1 / M
			}
			for c := 0; c < m; c++ {
				z := (act[c] - mu[c]) / sigma[c]
				grad[m*i+c] = -dlogp / M * z / sigma[c]
				hs.dLogStd[c] += -dlogp / M * (z*z - 1)
			}
		}
		return loss
	}
}

// valueStep takes one gradient step of the clipped value loss of critic
// v (its optimizer adam) towards the returns rets, the rollout's values
// being vals, on the minibatch idx, in the memory s.
func (r *ppoRun) valueStep(v *ValueNet, adam *Adam, rets, vals []float64, s *criticScratch, idx []int) float64 {
	M := float64(len(idx))
	d := r.spec.ObsDim
	b := &r.buf
	s.X, s.dV = grow(s.X, len(idx)*d), grow(s.dV, len(idx))
	for i, k := range idx {
		r.normalize(b.obs[k*d:(k+1)*d], s.X[i*d:(i+1)*d])
	}
	preds := v.ForwardBatch(s.X, len(idx))
	dV := s.dV
	loss := 0.0
	for i, k := range idx {
		pred, ret, old := preds[i], rets[k], vals[k]
		clipped := old + math.Max(-r.p.Clip, math.Min(r.p.Clip, pred-old))
		lu, lc := (pred-ret)*(pred-ret), (clipped-ret)*(clipped-ret)
		var dv float64
		if lu >= lc {
			loss += 0.5 * lu / M
			dv = pred - ret
		} else {
			loss += 0.5 * lc / M
			if math.Abs(pred-old) < r.p.Clip {
				dv = clipped - ret
			}
		}
		dV[i] = r.p.VFCoef * dv / M
	}
	v.ZeroGrads()
	v.BackwardBatch(dV)
	ClipGradNorm(v.Grads(), r.p.MaxGradNorm)
	adam.Step(v.Params(), v.Grads())
	return loss
}
