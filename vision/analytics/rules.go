package analytics

import (
	"image"
	"math"
	"time"
)

// trackRules is what the rules remember about one track.
type trackRules struct {
	inZone    []bool
	enteredAt []time.Time
	intruded  []bool // intrusion raised for the current visit
	loitered  []bool // loiter raised for the current visit
	side      []int  // per tripwire: -1 Left, +1 Right, 0 not yet known
	sideFoot  []pt   // where the feet were when the side was last known
	pending   []pendingCrossing
}

// pendingCrossing is a crossing by a track not yet confirmed as a person,
// reported if it is.
type pendingCrossing struct {
	line     int
	from, to string
}

// zoneGeom and lineGeom are the configured geometry scaled to the frame.
type zoneGeom struct {
	cfg  Zone
	poly []pt
	// crowd state: armed to raise; below: since when the count is under
	// CrowdMin (zero while it is not).
	armed bool
	below time.Time
}

type lineGeom struct {
	cfg  Tripwire
	a, b pt
}

// rules turns tracks into intrusion, tripwire, loiter and crowd events.
type rules struct {
	zones   []zoneGeom
	lines   []lineGeom
	rearm   time.Duration
	counts  []int
	members [][]*track // persons in each zone this frame
}

func newRules(cfg Config, frameW, frameH int) *rules {
	sx, sy := float64(frameW)/float64(cfg.Width), float64(frameH)/float64(cfg.Height)
	r := &rules{rearm: cfg.Tracker.CrowdReArm, counts: make([]int, len(cfg.Zones)), members: make([][]*track, len(cfg.Zones))}
	for _, z := range cfg.Zones {
		g := zoneGeom{cfg: z, armed: true}
		for _, p := range toFloat(z.Polygon) {
			g.poly = append(g.poly, p.scale(sx, sy))
		}
		r.zones = append(r.zones, g)
	}
	for _, l := range cfg.Tripwires {
		p := toFloat([]image.Point{l.A, l.B})
		r.lines = append(r.lines, lineGeom{cfg: l, a: p[0].scale(sx, sy), b: p[1].scale(sx, sy)})
	}
	return r
}

// pendingEvent is an event before its snapshot is drawn.
type pendingEvent struct {
	ev     Event
	tracks []*track
	zone   int // index, -1 for none
	line   int // index, -1 for none
}

// evaluate applies the rules to the tracks of a frame at `at`.
func (r *rules) evaluate(at time.Time, tracks []*track) []pendingEvent {
	var out []pendingEvent
	for i := range r.counts {
		r.counts[i] = 0
		r.members[i] = r.members[i][:0]
	}
	for _, t := range tracks {
		tr := &t.rules
		fresh := len(tr.inZone) != len(r.zones) || len(tr.side) != len(r.lines)
		if fresh {
			*tr = trackRules{
				inZone: make([]bool, len(r.zones)), enteredAt: make([]time.Time, len(r.zones)),
				intruded: make([]bool, len(r.zones)), loitered: make([]bool, len(r.zones)),
				side: make([]int, len(r.lines)), sideFoot: make([]pt, len(r.lines)),
			}
		}
		f := foot(t.box)
		// Hysteresis: feet must be this far past an edge or a line to
		// count as on the other side, so jitter does not flicker.
		margin := math.Max(2, 0.06*float64(t.box.Dy()))
		for i := range r.zones {
			z := &r.zones[i]
			in := inside(z.poly, f)
			if in != tr.inZone[i] && (fresh || edgeDistance(z.poly, f) >= margin) {
				tr.inZone[i] = in
				if in {
					tr.enteredAt[i], tr.intruded[i], tr.loitered[i] = at, false, false
				}
			}
			if !tr.inZone[i] || !t.person {
				continue
			}
			r.counts[i]++
			r.members[i] = append(r.members[i], t)
			if z.cfg.Sterile && !tr.intruded[i] {
				tr.intruded[i] = true
				out = append(out, pendingEvent{ev: Event{Kind: KindIntrusion, Zone: z.cfg.ID}, tracks: []*track{t}, zone: i, line: -1})
			}
			if z.cfg.LoiterAfter > 0 && !tr.loitered[i] && at.Sub(tr.enteredAt[i]) >= z.cfg.LoiterAfter {
				tr.loitered[i] = true
				out = append(out, pendingEvent{ev: Event{Kind: KindLoiter, Zone: z.cfg.ID}, tracks: []*track{t}, zone: i, line: -1})
			}
		}
		for i := range r.lines {
			l := &r.lines[i]
			d := signedDistance(l.a, l.b, f)
			s := 0
			switch {
			case d <= -margin:
				s = -1
			case d >= margin:
				s = 1
			}
			if s == 0 {
				continue
			}
			if tr.side[i] != 0 && s != tr.side[i] && crossesSegment(l.a, l.b, tr.sideFoot[i], f, margin) {
				from, to := l.cfg.Left, l.cfg.Right
				if s < 0 {
					from, to = to, from
				}
				tr.pending = append(tr.pending, pendingCrossing{line: i, from: from, to: to})
			}
			tr.side[i], tr.sideFoot[i] = s, f
		}
		if t.person {
			for _, c := range tr.pending {
				l := r.lines[c.line].cfg
				if l.Direction == BothWays || (l.Direction == LeftToRight && c.from == l.Left) || (l.Direction == RightToLeft && c.from == l.Right) {
					out = append(out, pendingEvent{ev: Event{Kind: KindTripwire, Line: l.ID, From: c.from, To: c.to}, tracks: []*track{t}, zone: -1, line: c.line})
				}
			}
			tr.pending = tr.pending[:0]
		}
	}
	for i := range r.zones {
		z := &r.zones[i]
		if z.cfg.CrowdMin == 0 {
			continue
		}
		n := r.counts[i]
		switch {
		case n >= z.cfg.CrowdMin:
			z.below = time.Time{}
			if z.armed {
				z.armed = false
				members := append([]*track(nil), r.members[i]...)
				out = append(out, pendingEvent{ev: Event{Kind: KindCrowd, Zone: z.cfg.ID, Count: n}, tracks: members, zone: i, line: -1})
			}
		case z.below.IsZero():
			z.below = at
		case !z.armed && at.Sub(z.below) >= r.rearm:
			z.armed = true
		}
	}
	return out
}
