package control

import (
	"math"
	"testing"

	"github.com/barriergym/barriergym/env"
)

type episode struct {
	collided, success bool
	minB              float64
	steps             int
	maxSlack          float64
	finalLaneErr      float64
}

func rollout(t *testing.T, e env.Env, c Controller, reset func() []float64) episode {
	t.Helper()
	obs := reset()
	ep := episode{minB: math.Inf(1)}
	for {
		d := c.Act(e, obs)
		var term, trunc bool
		var info env.Info
		obs, _, _, term, trunc, info = e.Step(d.U[:])
		ep.steps++
		ep.collided = ep.collided || info.Collision
		ep.minB = math.Min(ep.minB, info.MinBarrier)
		ep.maxSlack = math.Max(ep.maxSlack, d.Slack)
		if term || trunc {
			ep.success = info.Success
			if r, ok := e.(*env.Robot2D); ok {
				ep.finalLaneErr = math.Abs(r.State()[1] - r.Lane())
			}
			return ep
		}
	}
}

func navExpert(t *testing.T) *Filter {
	f, err := NewFilter(DefaultNavNominal(), DefaultNavFilter())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func robotExpert(t *testing.T) *Filter {
	f, err := NewFilter(DefaultRobot2DNominal(), DefaultRobot2DFilter())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestNavExpertNeverCollides: zero collisions over 200 seeded episodes with
// the filter; the same nominal controller unfiltered does collide.
func TestNavExpertNeverCollides(t *testing.T) {
	e, _ := env.NewNav(env.DefaultNav())
	expert := navExpert(t)
	var collisions, successes, nominalCollisions int
	minB := math.Inf(1)
	for seed := uint64(0); seed < 200; seed++ {
		ep := rollout(t, e, expert, func() []float64 { o, _ := e.Reset(seed); return o })
		if ep.collided {
			collisions++
		}
		if ep.success {
			successes++
		}
		minB = math.Min(minB, ep.minB)
		if rollout(t, e, DefaultNavNominal(), func() []float64 { o, _ := e.Reset(seed); return o }).collided {
			nominalCollisions++
		}
	}
	t.Logf("expert: %d collisions, %d/200 successes, min barrier %.4f; nominal: %d collisions", collisions, successes, minB, nominalCollisions)
	if collisions != 0 {
		t.Errorf("expert collided in %d of 200 episodes", collisions)
	}
	if nominalCollisions == 0 {
		t.Error("the unfiltered nominal controller never collided: the test does not see collisions")
	}
	if successes < 190 {
		t.Errorf("expert reached the goal in only %d of 200 episodes", successes)
	}
}

// TestRobot2DExpertNeverCollides sweeps 41 destinations in [−10, 10].
func TestRobot2DExpertNeverCollides(t *testing.T) {
	e, _ := env.NewRobot2D(env.DefaultRobot2D())
	expert := robotExpert(t)
	start := env.DefaultRobot2D().Start
	var collisions, nominalCollisions, successes int
	for k := 0; k <= 40; k++ {
		dst := -10 + 0.5*float64(k)
		reset := func() []float64 { o, _ := e.ResetTo(start, dst); return o }
		ep := rollout(t, e, expert, reset)
		t.Logf("dst %5.1f: collided %v success %v min b %.2f lane err %.2f slack %.3g", dst, ep.collided, ep.success, ep.minB, ep.finalLaneErr, ep.maxSlack)
		if ep.collided {
			collisions++
		}
		if ep.success {
			successes++
		}
		if rollout(t, e, DefaultRobot2DNominal(), reset).collided {
			nominalCollisions++
		}
	}
	t.Logf("expert: %d collisions, %d/41 successes; nominal: %d collisions", collisions, successes, nominalCollisions)
	if collisions != 0 {
		t.Errorf("expert collided for %d of 41 destinations", collisions)
	}
	if nominalCollisions == 0 {
		t.Error("the unfiltered nominal controller never collided")
	}
}
