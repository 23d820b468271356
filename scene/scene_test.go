package scene

import (
	"math"
	"testing"
)

func TestBoxCorners(t *testing.T) {
	b := Box(Robot, Point{1, 2}, 4, 2, math.Pi/2, 0)
	want := []Point{{0, 4}, {0, 0}, {2, 0}, {2, 4}}
	for i, p := range b.Points {
		if math.Abs(p.X-want[i].X) > 1e-12 || math.Abs(p.Y-want[i].Y) > 1e-12 {
			t.Fatalf("corner %d = %v, want %v (all %v)", i, p, want[i], b.Points)
		}
	}
}

func TestBounds(t *testing.T) {
	var s Scene
	s.Add(Disc(Obstacle, Point{5, 5}, 1, 1), Line(LaneLine, true, Point{0, 0}, Point{3, -2}))
	if b := s.Bounds(); b != (Rect{0, -2, 6, 6}) {
		t.Errorf("bounds %v", b)
	}
	if Roles()[len(Roles())-1] != ControlPoint || Obstacle.String() != "obstacle" {
		t.Error("roles")
	}
}

// TestShown: a disc or polygon reaching into the world grows it to show the
// shape whole; one outside it, and lines, do not.
func TestShown(t *testing.T) {
	var s Scene
	s.World = Rect{0, 0, 10, 10}
	s.Add(Disc(Margin, Point{X: 9.8, Y: 5}, 0.7, 1), Disc(Obstacle, Point{X: 30, Y: 30}, 1, 2),
		Line(Road, false, Point{X: -50, Y: 0}, Point{X: 50, Y: 0}), Box(Obstacle, Point{X: 5, Y: -0.2}, 2, 1, 0, 3))
	if got, want := s.Shown(), (Rect{0, -0.7, 10.5, 10}); got != want {
		t.Errorf("Shown %v, want %v", got, want)
	}
}
