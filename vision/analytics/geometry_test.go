package analytics

import (
	"image"
	"math"
	"testing"

	"github.com/palisade/palisade/firmware-sim/camera"
)

// Tripwire sides follow the simulator's convention: Left is on your left
// walking from A to B on the screen (y down).
func TestSidesMatchTheSimulator(t *testing.T) {
	l := camera.Line{A: camera.Point{X: 0.5, Y: 0.35}, B: camera.Point{X: 0.5, Y: 0.98}, Left: "east", Right: "west"}
	a, b := pt{l.A.X, l.A.Y}, pt{l.B.X, l.B.Y}
	if d := signedDistance(a, b, pt{0.7, 0.6}); d >= 0 {
		t.Errorf("east of a line drawn downwards: distance %v, want negative (Left)", d)
	}
	if d := signedDistance(a, b, pt{0.3, 0.6}); d <= 0 {
		t.Errorf("west of a line drawn downwards: distance %v, want positive (Right)", d)
	}
	if d := signedDistance(pt{0, 0}, pt{10, 0}, pt{5, -3}); math.Abs(d+3) > 1e-9 {
		t.Errorf("3 px above a line drawn rightwards: %v, want -3", d)
	}
}

func TestCrossesSegment(t *testing.T) {
	a, b := pt{100, 100}, pt{200, 100}
	cases := []struct {
		p, q  pt
		slack float64
		want  bool
	}{
		{pt{150, 90}, pt{150, 110}, 0, true},
		{pt{150, 110}, pt{150, 90}, 0, true},
		{pt{90, 90}, pt{90, 110}, 0, false},  // beside the end
		{pt{90, 90}, pt{90, 110}, 12, true},  // within the slack
		{pt{120, 90}, pt{180, 95}, 0, false}, // parallel on one side
		{pt{50, 50}, pt{250, 150}, 0, true},  // diagonal through the middle
	}
	for _, c := range cases {
		if got := crossesSegment(a, b, c.p, c.q, c.slack); got != c.want {
			t.Errorf("%v→%v slack %v: %v, want %v", c.p, c.q, c.slack, got, c.want)
		}
	}
}

func TestPolygons(t *testing.T) {
	sq := toFloat(square(0, 0, 10))
	if !inside(sq, pt{5, 5}) || inside(sq, pt{15, 5}) || inside(sq, pt{5, -1}) {
		t.Error("inside wrong for a square")
	}
	if d := edgeDistance(sq, pt{5, 3}); d != 3 {
		t.Errorf("edge distance %v, want 3", d)
	}
	if a := polygonArea(sq); a != 100 {
		t.Errorf("area %v", a)
	}
	if _, _, ok := selfCrossing(sq); ok {
		t.Error("a square crosses itself")
	}
	if i, j, ok := selfCrossing(toFloat([]image.Point{{0, 0}, {10, 10}, {10, 0}, {0, 20}})); !ok || i != 0 || j != 2 {
		t.Errorf("bow tie: %d %d %v", i, j, ok)
	}
}

// FuzzZone: Validate never panics on a polygon; one it accepts has an
// area, and no point outside its bounding box is inside it.
func FuzzZone(f *testing.F) {
	f.Add(0, 0, 10, 0, 10, 10, 0, 10)
	f.Add(0, 0, 10, 10, 10, 0, 0, 20)
	f.Add(5, 5, 5, 5, 5, 5, 5, 5)
	f.Add(-1, 0, 700, 0, 700, 400, 0, 400)
	f.Fuzz(func(t *testing.T, x0, y0, x1, y1, x2, y2, x3, y3 int) {
		c := DefaultConfig("cam", 640, 360)
		poly := []image.Point{{x0, y0}, {x1, y1}, {x2, y2}, {x3, y3}}
		c.Zones = []Zone{{ID: "z", Polygon: poly}}
		if c.Validate() != nil {
			return
		}
		fp := toFloat(poly)
		if polygonArea(fp) <= 0 {
			t.Errorf("accepted %v with no area", poly)
		}
		box := image.Rectangle{Min: poly[0], Max: poly[0]}
		for _, p := range poly {
			box = box.Union(image.Rectangle{Min: p, Max: p.Add(image.Pt(1, 1))})
		}
		for _, p := range []pt{{float64(box.Min.X) - 1, float64(box.Min.Y)}, {float64(box.Max.X) + 1, float64(box.Max.Y) + 1}} {
			if inside(fp, p) {
				t.Errorf("%v outside the bounds of %v is inside it", p, poly)
			}
		}
	})
}
