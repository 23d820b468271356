package scene

// Following is the picture of a one-lane car-following scenario (merge,
// acc): a strip of road that follows the ego, the lead car with the gap its
// barrier requires behind it as the margin (key 1), the ego, arrows for
// the reference and executed accelerations, and under the road a plot of a
// figure's history (a time headway, see TimePlot). Positions are along the
// road, in metres; the lane is centred on y = 0.
type Following struct {
	From     float64 // the strip's start along the road; it is followingLength long
	Focus    float64 // the ego's reference point (arrows start here)
	LeadRear float64 // the lead car's rear bumper
	EgoFront float64 // the ego's front bumper
	Need     float64 // the gap the barrier requires behind the lead
	Ref, U   []float64
	Plot     Series
}

// Series is what Following plots: see TimePlot.
type Series struct {
	Values                []float64
	Max                   float64
	Span                  int
	Ref                   float64
	RefLabel, Title, Unit string
}

// The strip's geometry (m).
const (
	followingLength = 120.0
	carLength       = 4.5
	carWidth        = 1.8
	laneHalf        = 1.75
	plotTop         = -6.0 // the plot's top edge
	plotHeight      = 24.0
	arrowScale      = 4.0 // arrow length per m/s² of acceleration
)

// Draw adds the view to sc.
func (f Following) Draw(sc *Scene) {
	x0, x1 := f.From, f.From+followingLength
	sc.World = Rect{X0: x0, Y0: plotTop - plotHeight - 2, X1: x1, Y1: 8}
	sc.Focus = Point{X: f.Focus, Y: 0}
	road := []Point{{X: x0, Y: laneHalf}, {X: x1, Y: laneHalf}, {X: x1, Y: -laneHalf}, {X: x0, Y: -laneHalf}}
	sc.Add(Shape{Kind: Polygon, Role: Road, Points: road},
		Line(LaneLine, false, road[0], road[1]), Line(LaneLine, false, road[3], road[2]))
	sc.Add(Box(Margin, Point{X: f.LeadRear - f.Need/2, Y: 0}, f.Need, carWidth+0.6, 0, 1),
		Box(Obstacle, Point{X: f.LeadRear + carLength/2, Y: 0}, carLength, carWidth, 0, 1))
	if f.Ref != nil {
		sc.Add(ArrowTo(Reference, sc.Focus, Point{X: f.Focus + arrowScale*f.Ref[0], Y: 0}, "u_ref"),
			ArrowTo(Safe, sc.Focus, Point{X: f.Focus + arrowScale*f.U[0], Y: 0}, "u*"))
	}
	sc.Add(Box(Robot, Point{X: f.EgoFront - carLength/2, Y: 0}, carLength, carWidth, 0, 0))
	p := f.Plot
	r := Rect{X0: x0, Y0: plotTop - plotHeight, X1: x1, Y1: plotTop}
	sc.Add(TimePlot(r, p.Values, p.Max, p.Span, p.Ref, p.RefLabel, p.Title, p.Unit)...)
}

// CarLength is the length of the cars Following draws (m).
const CarLength = carLength
