package camera

import (
	"math"
	"time"
)

// Line is a tripwire. Left names the side on the left of someone walking
// from A to B on the screen — where (B−A)×(P−A) < 0 with y pointing down —
// and Right the other side.
type Line struct {
	Name        string
	A, B        Point
	Left, Right string
}

// Zone is an area of the picture, a polygon in normalised coordinates.
type Zone struct {
	Name    string
	Polygon []Point
}

// Box is a figure's exact extent in a frame: the pixels [X, X+W) × [Y, Y+H)
// hold every pixel drawn for it (clipped to the picture), and no row or
// column of the box is empty. Foot is where it stands, normalised.
type Box struct {
	ID         int
	X, Y, W, H int
	Foot       Point
}

// FrameTruth is what frame Index of a scene shows.
type FrameTruth struct {
	Index int
	T     time.Duration // scene time of the frame
	// Boxes lists the figures in the picture; none while the lens is
	// covered.
	Boxes []Box
	// Covered: the lens is at least half covered (the picture is dark).
	Covered bool
	// Cut: the camera does not send this frame.
	Cut bool
	// Defocused: the picture is at least half way to full blur. Boxes
	// are the figures' extents before the blur.
	Defocused bool
	// Turned: the camera has panned at least half way to the wall.
	Turned bool
}

// Event kinds.
const (
	EventCross     = "cross"     // a figure's feet crossed Line from From to To
	EventEnter     = "enter"     // a figure's feet entered Zone
	EventLeave     = "leave"     // a figure's feet left Zone
	EventLoiter    = "loiter"    // a figure has stayed in Zone for the scene's loiter time
	EventCrowd     = "crowd"     // Count figures are in Zone, reaching the scene's crowd size
	EventCovered   = "covered"   // the lens became covered
	EventUncovered = "uncovered" // the lens became clear
	EventCut       = "cut"       // the camera stopped sending
	EventResume    = "resume"    // the camera sends again
	EventDefocused = "defocused" // the picture became blurred
	EventFocused   = "focused"   // the picture is sharp again
	EventTurned    = "turned"    // the camera was turned away from its scene
	EventReturned  = "returned"  // the camera points at its scene again
)

// Event is something an analytics pipeline should report, at the first
// frame where it is true.
type Event struct {
	Kind     string
	Frame    int
	T        time.Duration
	ID       int    // the figure, 0 for whole-picture events
	Line     string // for cross
	From, To string // for cross: side names of the line
	Zone     string // for enter, leave, loiter, crowd
	Count    int    // for crowd
}

// Truth is the exact ground truth of a scene rendered at a size and rate.
type Truth struct {
	Scene       string
	Description string
	Width       int
	Height      int
	FPS         int
	Lines       []Line
	Zones       []Zone
	// LoiterAfter and CrowdMin are the thresholds the loiter and crowd
	// events were computed with.
	LoiterAfter time.Duration
	CrowdMin    int
	// LoiterZone and CrowdZone name the zones those events are about
	// ("" when the scene has none).
	LoiterZone string
	CrowdZone  string
	Frames     []FrameTruth
	Events     []Event
}

// Duration is the length of one loop of the scene.
func (t *Truth) Duration() time.Duration { return frameTime(len(t.Frames), t.FPS) }

// EventsOf returns the events of one kind, in time order.
func (t *Truth) EventsOf(kind string) []Event {
	var out []Event
	for _, e := range t.Events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// coverAlpha is how much of the lens is covered at t (0 clear, 1 covered).
func (s *sceneSpec) coverAlpha(t float64) float64 {
	c := s.Cover
	if c == nil {
		return 0
	}
	switch {
	case t < c.From || t >= c.To+coverFade:
		return 0
	case t < c.From+coverFade:
		return (t - c.From) / coverFade
	case t < c.To:
		return 1
	}
	return 1 - (t-c.To)/coverFade
}

// fade is 0 outside w, 1 inside it, ramping over the given seconds at
// either end (from w.From and from w.To).
func fade(w *window, t, ramp float64) float64 {
	switch {
	case w == nil || t < w.From || t >= w.To+ramp:
		return 0
	case t < w.From+ramp:
		return (t - w.From) / ramp
	case t < w.To:
		return 1
	}
	return 1 - (t-w.To)/ramp
}

// defocusAlpha is how far the picture is blurred at t (0 sharp, 1 fully).
func (s *sceneSpec) defocusAlpha(t float64) float64 { return fade(s.Defocus, t, defocusFade) }

// turnAlpha is how far the camera has panned towards the wall at t.
func (s *sceneSpec) turnAlpha(t float64) float64 { return fade(s.Turn, t, turnFade) }

func (s *sceneSpec) cut(t float64) bool {
	return s.Cut != nil && t >= s.Cut.From && t < s.Cut.To
}

// truth computes the ground truth of s at w×h and fps.
func (s *sceneSpec) truth(w, h, fps int) *Truth {
	tr := &Truth{
		Scene: s.Name, Description: s.Description, Width: w, Height: h, FPS: fps,
		Lines: s.Lines, Zones: s.Zones, CrowdMin: s.CrowdMin,
		LoiterAfter: time.Duration(s.LoiterAfter * float64(time.Second)),
		LoiterZone:  s.LoiterZone, CrowdZone: s.CrowdZone,
	}
	n := int(math.Round(s.Seconds * float64(fps)))
	prevFoot := map[int]Point{}
	inZone := map[[2]int]bool{} // (walker, zone index)
	since := map[int]float64{}  // walker → when it entered the loiter zone
	loitered := map[int]bool{}
	crowded, covered, cut, defocused, turned := false, false, false, false, false
	add := func(e Event) { tr.Events = append(tr.Events, e) }
	for i := range n {
		ft := FrameTruth{Index: i, T: frameTime(i, fps)}
		t := ft.T.Seconds()
		ft.Covered = s.coverAlpha(t) >= 0.5
		ft.Cut = s.cut(t)
		at := Event{Frame: i, T: ft.T}
		if ft.Covered != covered {
			e := at
			e.Kind = map[bool]string{true: EventCovered, false: EventUncovered}[ft.Covered]
			add(e)
			covered = ft.Covered
		}
		if ft.Cut != cut {
			e := at
			e.Kind = map[bool]string{true: EventCut, false: EventResume}[ft.Cut]
			add(e)
			cut = ft.Cut
		}
		ft.Defocused = s.defocusAlpha(t) >= 0.5
		if ft.Defocused != defocused {
			e := at
			e.Kind = map[bool]string{true: EventDefocused, false: EventFocused}[ft.Defocused]
			add(e)
			defocused = ft.Defocused
		}
		ft.Turned = s.turnAlpha(t) >= 0.5
		if ft.Turned != turned {
			e := at
			e.Kind = map[bool]string{true: EventTurned, false: EventReturned}[ft.Turned]
			add(e)
			turned = ft.Turned
		}
		crowd := 0
		for wi := range s.Walkers {
			wk := &s.Walkers[wi]
			foot, dist, ok := wk.position(t)
			if !ok {
				delete(prevFoot, wk.ID)
				continue
			}
			if !ft.Covered && s.turnAlpha(t) == 0 {
				if b, ok := figureBox(foot, dist, wk.Height, w, h); ok {
					b.ID = wk.ID
					ft.Boxes = append(ft.Boxes, b)
				}
			}
			if p, ok := prevFoot[wk.ID]; ok {
				for _, l := range s.Lines {
					if from, to, ok := l.crossed(p, foot); ok {
						e := at
						e.Kind, e.ID, e.Line, e.From, e.To = EventCross, wk.ID, l.Name, from, to
						add(e)
					}
				}
			}
			prevFoot[wk.ID] = foot
			for zi, z := range s.Zones {
				in := z.contains(foot)
				k := [2]int{wk.ID, zi}
				if in != inZone[k] {
					e := at
					e.Kind, e.ID, e.Zone = map[bool]string{true: EventEnter, false: EventLeave}[in], wk.ID, z.Name
					add(e)
					inZone[k] = in
					if z.Name == s.LoiterZone {
						since[wk.ID] = t
						loitered[wk.ID] = false
					}
				}
				if !in {
					continue
				}
				if z.Name == s.CrowdZone {
					crowd++
				}
				if z.Name == s.LoiterZone && !loitered[wk.ID] && t-since[wk.ID] >= s.LoiterAfter-1e-9 {
					e := at
					e.Kind, e.ID, e.Zone = EventLoiter, wk.ID, z.Name
					add(e)
					loitered[wk.ID] = true
				}
			}
		}
		if s.CrowdZone != "" && (crowd >= s.CrowdMin) != crowded {
			crowded = crowd >= s.CrowdMin
			if crowded {
				e := at
				e.Kind, e.Zone, e.Count = EventCrowd, s.CrowdZone, crowd
				add(e)
			}
		}
		tr.Frames = append(tr.Frames, ft)
	}
	return tr
}

// side is (B−A)×(P−A) in y-down coordinates.
func (l Line) side(p Point) float64 {
	return (l.B.X-l.A.X)*(p.Y-l.A.Y) - (l.B.Y-l.A.Y)*(p.X-l.A.X)
}

// crossed reports whether the step p→q crosses the segment, and from which
// side to which.
func (l Line) crossed(p, q Point) (from, to string, ok bool) {
	sp, sq := l.side(p), l.side(q)
	if sp == 0 || sq == 0 || (sp < 0) == (sq < 0) {
		return "", "", false
	}
	// The segment's ends must lie on either side of the step's line too.
	step := Line{A: p, B: q}
	sa, sb := step.side(l.A), step.side(l.B)
	if (sa < 0) == (sb < 0) && sa != 0 && sb != 0 {
		return "", "", false
	}
	if sp < 0 {
		return l.Left, l.Right, true
	}
	return l.Right, l.Left, true
}

// contains is the even-odd rule.
func (z Zone) contains(p Point) bool {
	in := false
	poly := z.Polygon
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.Y > p.Y) != (b.Y > p.Y) && p.X < (b.X-a.X)*(p.Y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}
