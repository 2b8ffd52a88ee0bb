package camera

import (
	"math"
	"testing"
	"time"
)

func truthOf(t *testing.T, scene string) *Truth {
	t.Helper()
	tr, err := TruthOf(scene, ClipOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func near(d time.Duration, want float64) bool {
	return math.Abs(d.Seconds()-want) <= 1.0/15+1e-9
}

// Each scene's events say what the scene is about, when it happens.
func TestSceneEvents(t *testing.T) {
	tr := truthOf(t, "quiet-yard")
	if len(tr.Events) != 0 {
		t.Errorf("quiet-yard: events %v, want none", tr.Events)
	}
	for _, f := range tr.Frames {
		if len(f.Boxes) != 0 {
			t.Fatalf("quiet-yard frame %d has boxes", f.Index)
		}
	}

	tr = truthOf(t, "tripwire")
	x := tr.EventsOf(EventCross)
	var onL []Event
	for _, e := range x {
		if e.Line == "L" {
			onL = append(onL, e)
		}
	}
	// West to east at 0.5 + 5·(0.5−0.06)/0.86 s; back at 6.5 + 5·(0.92−0.5)/0.86 s.
	if len(onL) != 2 || onL[0].From != "west" || onL[0].To != "east" || onL[1].From != "east" || onL[1].To != "west" ||
		!near(onL[0].T, 0.5+5*0.44/0.86) || !near(onL[1].T, 6.5+5*0.42/0.86) {
		t.Errorf("tripwire crossings of L: %+v", onL)
	}

	tr = truthOf(t, "perimeter")
	enter := tr.EventsOf(EventEnter)
	cross := tr.EventsOf(EventCross)
	if len(enter) != 1 || enter[0].Zone != "sterile" || len(cross) != 1 || cross[0].From != "yard" || cross[0].To != "sterile" ||
		cross[0].Frame != enter[0].Frame {
		t.Errorf("perimeter: enter %+v cross %+v", enter, cross)
	}

	tr = truthOf(t, "loiter")
	in, lo := tr.EventsOf(EventEnter), tr.EventsOf(EventLoiter)
	var bench []Event
	for _, e := range in {
		if e.Zone == "bench" {
			bench = append(bench, e)
		}
	}
	if len(bench) != 1 || len(lo) != 1 || lo[0].T-bench[0].T < 10*time.Second || lo[0].T-bench[0].T > 10*time.Second+time.Second/15 {
		t.Errorf("loiter: bench entries %+v, loiter %+v", bench, lo)
	}
	if len(tr.EventsOf(EventLeave)) != 0 {
		t.Errorf("loiter: the loiterer left: %+v", tr.EventsOf(EventLeave))
	}

	tr = truthOf(t, "crowd")
	c := tr.EventsOf(EventCrowd)
	// The fifth walker arrives at 7 s but enters the zone a little before.
	if len(c) != 1 || c[0].Count != 5 || c[0].T < 5*time.Second || c[0].T > 7*time.Second {
		t.Errorf("crowd: %+v", c)
	}

	tr = truthOf(t, "lens-covered")
	cov, unc := tr.EventsOf(EventCovered), tr.EventsOf(EventUncovered)
	if len(cov) != 1 || len(unc) != 1 || !near(cov[0].T, 3+coverFade/2) || !near(unc[0].T, 7+coverFade/2) {
		t.Errorf("lens-covered: covered %+v uncovered %+v", cov, unc)
	}
	for _, f := range tr.Frames {
		if f.Covered && len(f.Boxes) > 0 {
			t.Fatalf("lens-covered frame %d: boxes while covered", f.Index)
		}
	}

	tr = truthOf(t, "stream-cut")
	cut, res := tr.EventsOf(EventCut), tr.EventsOf(EventResume)
	if len(cut) != 1 || len(res) != 1 || cut[0].Frame != 60 || res[0].Frame != 105 {
		t.Errorf("stream-cut: cut %+v resume %+v", cut, res)
	}
}

// A truth box is exactly the extent of the pixels drawn for the figure:
// render frames of a one-person scene without noise or light change and
// compare the pixels that differ from the background (the figure is far
// darker than anything in the yard) with the box.
func TestBoxesAreExact(t *testing.T) {
	for _, size := range [][2]int{{640, 360}, {320, 180}} {
		s, err := lookup("tripwire")
		if err != nil {
			t.Fatal(err)
		}
		quiet := *s
		quiet.Noise, quiet.LightAmp = 0, 0
		w, h := size[0], size[1]
		tr := quiet.truth(w, h, 15)
		r := newRenderer(&quiet, w, h, 15)
		pic := make([]byte, w*h)
		for i := 0; i < len(tr.Frames); i += 7 {
			r.frame(i, pic)
			x0, y0, x1, y1 := w, h, -1, -1
			for y := range h {
				for x := range w {
					if pic[y*w+x] != r.background[y*w+x] {
						x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
					}
				}
			}
			boxes := tr.Frames[i].Boxes
			if x1 < 0 {
				if len(boxes) != 0 {
					t.Errorf("%dx%d frame %d: box %+v but nothing drawn", w, h, i, boxes[0])
				}
				continue
			}
			want := Box{X: x0, Y: y0, W: x1 - x0 + 1, H: y1 - y0 + 1}
			if len(boxes) != 1 {
				t.Fatalf("%dx%d frame %d: %d boxes, drawn extent %+v", w, h, i, len(boxes), want)
			}
			b := boxes[0]
			if b.X != want.X || b.Y != want.Y || b.W != want.W || b.H != want.H {
				t.Errorf("%dx%d frame %d: box %+v, drawn extent %+v", w, h, i, b, want)
			}
		}
	}
}

func TestLineAndZoneGeometry(t *testing.T) {
	l := Line{Name: "L", A: Point{0.5, 0}, B: Point{0.5, 1}, Left: "east", Right: "west"}
	cases := []struct {
		p, q     Point
		from, to string
		ok       bool
	}{
		{Point{0.4, 0.5}, Point{0.6, 0.5}, "west", "east", true},
		{Point{0.6, 0.5}, Point{0.4, 0.5}, "east", "west", true},
		{Point{0.4, 0.5}, Point{0.45, 0.5}, "", "", false},
		{Point{0.4, 1.5}, Point{0.6, 1.5}, "", "", false}, // past the end of the segment
	}
	for _, c := range cases {
		from, to, ok := l.crossed(c.p, c.q)
		if ok != c.ok || from != c.from || to != c.to {
			t.Errorf("crossed(%v→%v) = %q %q %v, want %q %q %v", c.p, c.q, from, to, ok, c.from, c.to, c.ok)
		}
	}
	if !sterileZone.contains(Point{0.5, 0.2}) || sterileZone.contains(Point{0.5, 0.5}) {
		t.Error("sterile zone containment wrong")
	}
}
