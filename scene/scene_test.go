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
