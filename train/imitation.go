package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/policy"
	"github.com/barriergym/barriergym/progress"
)

// ErrInterrupted is returned when the context was cancelled (Ctrl-C): the
// run directory holds the last completed epoch and can be resumed.
var ErrInterrupted = errors.New("training interrupted")

// Options of a training run.
type Options struct {
	Root   string // where new run directories go (default "runs")
	Dir    string // an explicit new run directory instead
	Resume string // a run directory to continue
	// With Resume: train to this total instead of the run's own (0 keeps
	// it): Epochs for imitation, Steps (environment steps) for PPO. The run's
	// config.yaml is rewritten with the new total.
	Epochs, Steps int
	Log           io.Writer // progress and messages; nil for silence
	// SaveEvery is how often a run writes its checkpoints, metrics and
	// event files while it trains (0: DefaultSaveEvery; negative: after
	// every epoch or iteration). It always writes them at its end and
	// when interrupted.
	SaveEvery time.Duration

	afterEpoch func(epoch int) // test hook, called once an epoch is recorded
}

// Result describes a finished (or interrupted) run.
type Result struct {
	Dir     string
	Epochs  int     // epochs completed
	Seconds float64 // wall-clock of the whole run, resumed parts included
	Final   *eval.Summary
}

// imitation is one imitation-learning run.
type imitation struct {
	cfg          *configs.Config
	spec         policy.Spec
	taskSpec     env.Spec
	net          *policy.Net
	learner      *policy.Learner
	adam         *Adam
	train, valid *Dataset
	rows         []Metrics
	best         float64
	epoch        int // epochs completed
	// pending and pendingBest are the checkpoints record kept that flush
	// has not written yet (nil: none).
	pending, pendingBest *policy.Checkpoint
	runBase
}

// Imitation trains cfg's policy to imitate demonstrations and writes the
// run directory. With opts.Resume it continues that run from its last
// checkpoint, with its own config.
func Imitation(ctx context.Context, cfg *configs.Config, opts Options) (*Result, error) {
	r := &imitation{runBase: runBase{log: opts.Log, started: time.Now(), saveEvery: opts.SaveEvery}, best: math.Inf(1)}
	defer r.unlock()
	if err := r.setup(cfg, opts); err != nil {
		return nil, err
	}
	defer r.learner.Close()
	res := &Result{Dir: r.dir}
	for r.epoch < r.cfg.Train.Epochs {
		m, err := r.runEpoch(ctx)
		if err != nil {
			res.Epochs, res.Seconds = r.epoch, r.elapsed()
			if errors.Is(err, ErrInterrupted) {
				if err := r.flush(); err != nil {
					return res, err
				}
				r.logf("interrupted during epoch %d; %s holds epoch %d: continue with -resume %s\n",
					r.epoch+1, filepath.Join(r.dir, CheckpointFile), r.epoch, r.dir)
			}
			return res, err
		}
		if err := r.record(m); err != nil {
			return res, err
		}
		if opts.afterEpoch != nil {
			opts.afterEpoch(r.epoch)
		}
	}
	sum, err := r.finalEval()
	if err != nil {
		return res, err
	}
	res.Epochs, res.Seconds, res.Final = r.epoch, r.elapsed(), sum
	return res, nil
}

// setup resolves the run directory, data, network and optimizer.
func (r *imitation) setup(cfg *configs.Config, opts Options) error {
	cfg, ck, err := r.open(cfg, opts)
	if err != nil {
		return err
	}
	if ck != nil {
		if r.rows, err = ReadMetrics(r.dir); err != nil {
			return err
		}
		r.rows = r.rows[:min(len(r.rows), ck.Epoch)]
		if len(r.rows) > 0 {
			r.offset = r.rows[len(r.rows)-1].Seconds
		}
	}
	r.cfg = cfg
	if r.spec, err = policy.SpecFor(cfg); err != nil {
		return err
	}
	task, err := cfg.Task()
	if err != nil {
		return err
	}
	r.taskSpec = task.Spec()
	if err := r.loadData(); err != nil {
		return err
	}
	if ck != nil {
		if r.net, err = ck.Net(r.spec); err != nil {
			return fmt.Errorf("resume %s: %w", r.dir, err)
		}
		r.epoch = ck.Epoch
		if ck.BestLoss != nil {
			r.best = *ck.BestLoss
		}
	} else {
		r.net = policy.NewNet(r.spec, cfg.Train.Seed)
		r.net.SetNormalization(r.train.Stats())
	}
	if r.learner, err = policy.NewLearner(r.net, cfg.Train.BatchSize); err != nil {
		return err
	}
	r.adam = NewAdam(cfg.Train.LR, r.net.Params())
	if ck != nil && ck.Optimizer != nil {
		r.adam.State = *ck.Optimizer
	}
	if ck == nil {
		if err := r.create(opts, cfg); err != nil {
			return err
		}
		if err := r.saveCheckpoint(CheckpointFile); err != nil {
			return err
		}
	}
	r.logf("run %s: %s policy (%d parameters), %d training and %d validation samples, %d epochs\n",
		r.dir, r.spec.Head, r.net.NumParams(), r.train.Len(), r.valid.Len(), cfg.Train.Epochs)
	return nil
}

// create makes a new run's directory (opts.Dir, or a fresh one under
// opts.Root), takes its lock and writes the resolved config into it.
func (r *runBase) create(opts Options, cfg *configs.Config) error {
	if opts.Dir == "" {
		root := opts.Root
		if root == "" {
			root = "runs"
		}
		dir, err := NewRunDir(root, cfg, time.Now())
		if err != nil {
			return err
		}
		r.dir = dir
		return r.lock()
	}
	if err := MkdirNew(opts.Dir); err != nil {
		return err
	}
	r.dir = opts.Dir
	if err := r.lock(); err != nil {
		return err
	}
	// Another process may have filled the directory between the check and
	// the lock.
	if entries, err := os.ReadDir(r.dir); err != nil || len(entries) > 1 {
		return fmt.Errorf("run directory %s exists and is not empty (use -resume to continue it)", r.dir)
	}
	return WriteConfig(r.dir, cfg)
}

// loadData reads or generates the demonstrations.
func (r *imitation) loadData() error {
	t := r.cfg.Train
	var err error
	if t.Data == "expert" {
		nValid := max(5, t.Episodes/10)
		r.logf("generating %d + %d expert demonstrations\n", t.Episodes, nValid)
		if r.train, err = ExpertDemos(r.cfg, r.spec, t.Episodes, t.Seed); err != nil {
			return err
		}
		r.valid, err = ExpertDemos(r.cfg, r.spec, nValid, t.Seed+1_000_000)
		return err
	}
	task, err := r.cfg.Task()
	if err != nil {
		return err
	}
	r.train, r.valid, err = LoadDemos(task, t.Data, r.spec)
	return err
}

// runEpoch trains one epoch: a seeded shuffle, then minibatches (the
// remainder that does not fill a batch waits for the next epoch's shuffle).
func (r *imitation) runEpoch(ctx context.Context) (Metrics, error) {
	start := time.Now()
	b := r.learner.Batch()
	n := r.train.Len()
	if n < b {
		return Metrics{}, fmt.Errorf("%d training samples, fewer than the batch size %d", n, b)
	}
	rng := rand.New(rand.NewPCG(r.cfg.Train.Seed, uint64(r.epoch+1)))
	perm := rng.Perm(n)
	batches := n / b
	bar := progress.New(r.log, fmt.Sprintf("epoch %d/%d", r.epoch+1, r.cfg.Train.Epochs), batches)
	defer bar.Finish()
	var lossSum float64
	slack, qps := 0, 0
	for k := 0; k < batches; k++ {
		if ctx.Err() != nil {
			return Metrics{}, ErrInterrupted
		}
		for i := 0; i < b; i++ {
			obs, feat, u := r.train.Sample(perm[k*b+i])
			r.learner.Load(i, obs, feat, u)
		}
		loss, err := r.learner.Run()
		if err != nil {
			return Metrics{}, err
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return Metrics{}, fmt.Errorf("epoch %d batch %d: the loss is %v (learning rate %v too high?)", r.epoch+1, k, loss, r.cfg.Train.LR)
		}
		grads, err := r.learner.Grads()
		if err != nil {
			return Metrics{}, err
		}
		r.adam.LR = r.learningRate(float64(r.epoch*batches+k) / float64(r.cfg.Train.Epochs*batches))
		r.adam.Step(r.net.Params(), grads)
		lossSum += loss
		if res := r.learner.QPResult(); res != nil {
			for _, t := range res.Slack {
				if t > 1e-9 {
					slack++
				}
			}
			qps += res.Size
		}
		bar.Add(1)
	}
	m := Metrics{Epoch: r.epoch + 1, Loss: lossSum / float64(batches), ValLoss: MeanLoss(r.net, r.valid),
		EpRet: math.NaN(), SuccessRate: math.NaN(), Collisions: math.NaN(), MinBarrier: math.NaN(),
		Intervention: math.NaN(), QPSlackActive: float64(slack) / float64(max(qps, 1)),
		FPS: float64(batches*b) / time.Since(start).Seconds()}
	if e := r.cfg.Train.EvalEvery; e > 0 && (m.Epoch%e == 0 || m.Epoch == r.cfg.Train.Epochs) {
		s, err := r.evaluate(r.cfg.Train.EvalEpisodes, r.cfg.Eval.Seed, nil)
		if err != nil {
			return Metrics{}, err
		}
		m.EpRet, m.SuccessRate, m.MinBarrier = s.MeanReturn, s.SuccessRate, s.MinBarrier
		m.Collisions, m.Intervention = s.CollisionRate*float64(s.Episodes), s.InterventionRate
	}
	r.epoch++
	m.Seconds = r.elapsed()
	return m, nil
}

// learningRate returns the rate at fraction f ∈ [0, 1) of the run.
func (r *imitation) learningRate(f float64) float64 {
	if r.cfg.Train.LRSchedule == "cosine" {
		return r.cfg.Train.LR * 0.5 * (1 + math.Cos(math.Pi*f))
	}
	return r.cfg.Train.LR
}

// record keeps the epoch's metrics and a copy of the run as it stands
// (also as the best one when the validation loss improved), and writes
// the run directory when a save is due (Options.SaveEvery) or the run is
// at its last epoch.
func (r *imitation) record(m Metrics) error {
	r.rows = append(r.rows, m)
	improved := m.ValLoss < r.best
	if improved {
		r.best = m.ValLoss
	}
	ck, err := r.capture()
	if err != nil {
		return err
	}
	r.pending = ck
	if improved {
		r.pendingBest = ck
	}
	r.logf("epoch %d: loss %.5g, validation %.5g%s\n", m.Epoch, m.Loss, m.ValLoss, evalNote(m))
	if r.epoch < r.cfg.Train.Epochs && !r.saveDue() {
		return nil
	}
	return r.flush()
}

// flush writes what record kept: best.ckpt when a better epoch came since
// the last flush, checkpoint.ckpt of the epoch completed last, then the
// metrics and event files up to it, and the curves when due. Metrics
// never run ahead of the checkpoint a resume starts from.
func (r *imitation) flush() error {
	if r.pendingBest != nil {
		if err := r.pendingBest.Save(filepath.Join(r.dir, BestFile)); err != nil {
			return err
		}
		r.pendingBest = nil
	}
	if r.pending == nil {
		return nil
	}
	if err := r.pending.Save(filepath.Join(r.dir, CheckpointFile)); err != nil {
		return err
	}
	r.pending = nil
	if err := WriteMetrics(r.dir, r.rows); err != nil {
		return err
	}
	if err := logScalars(&r.runBase, metricsHeader, r.rows, Metrics.values); err != nil {
		return err
	}
	if r.plotDue() {
		return WriteCurves(r.dir, r.rows)
	}
	return nil
}

func evalNote(m Metrics) string {
	if math.IsNaN(m.MinBarrier) {
		return ""
	}
	return fmt.Sprintf(", closed loop: success %.0f%%, %g collided, min barrier %.4g", 100*m.SuccessRate, m.Collisions, m.MinBarrier)
}

func (r *imitation) saveCheckpoint(name string) error {
	ck, err := r.capture()
	if err != nil {
		return err
	}
	return ck.Save(filepath.Join(r.dir, name))
}

// capture returns a checkpoint of the run as it stands, the weights and
// the optimizer's state copied.
func (r *imitation) capture() (*policy.Checkpoint, error) {
	text, err := configs.Render(r.cfg)
	if err != nil {
		return nil, err
	}
	ck := policy.NewCheckpoint(r.net, string(text))
	ck.Epoch = r.epoch
	if best := r.best; !math.IsInf(best, 0) {
		ck.BestLoss = &best
	}
	st := r.adam.State.Clone()
	ck.Optimizer = &st
	return ck, nil
}

// evaluate runs the current policy in closed loop.
func (r *imitation) evaluate(episodes int, seed uint64, bar *progress.Bar) (eval.Summary, error) {
	eps, err := eval.Run(r.cfg, func() (control.Controller, error) {
		return policy.Controller{Actor: policy.NewActor(r.net)}, nil
	}, eval.Seeds(seed, episodes), eval.Options{Workers: r.cfg.Eval.Workers, Progress: bar})
	if err != nil {
		return eval.Summary{}, err
	}
	return eval.Summarize(r.spec.Head, r.taskSpec, seed, eps), nil
}

// finalEval evaluates the trained policy with the config's eval section
// and writes eval.json.
func (r *imitation) finalEval() (*eval.Summary, error) {
	bar := progress.New(r.log, "final evaluation", r.cfg.Eval.Episodes)
	s, err := r.evaluate(r.cfg.Eval.Episodes, r.cfg.Eval.Seed, bar)
	bar.Finish()
	if err != nil {
		return nil, err
	}
	s.Policy = r.dir
	if err := WriteJSON(filepath.Join(r.dir, EvalFile), s); err != nil {
		return nil, err
	}
	return &s, WriteCurves(r.dir, r.rows)
}

// MeanLoss is the mean squared error of net's controls on a dataset,
// computed with plain-Go actors across cores.
func MeanLoss(net *policy.Net, d *Dataset) float64 {
	w := workers()
	sums := make([]float64, w)
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			a := policy.NewActor(net)
			for i := k; i < d.Len(); i += w {
				obs, feat, u := d.Sample(i)
				o := a.Forward(obs, feat)
				for j, uj := range u {
					sums[k] += (o.U[j] - uj) * (o.U[j] - uj)
				}
			}
		}(k)
	}
	wg.Wait()
	total := 0.0
	for _, s := range sums {
		total += s
	}
	return total / float64(d.M*d.Len())
}
