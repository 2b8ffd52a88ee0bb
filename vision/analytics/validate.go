package analytics

import (
	"errors"
	"fmt"
	"image"
	"time"
)

// Validate fills in defaults and checks the configuration. The error
// lists every problem, each with its key: "zones[1].polygon: needs at
// least 3 points, has 2".
func (c *Config) Validate() error {
	c.defaults()
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.Camera == "" {
		bad("camera", "required")
	}
	if c.Width < 16 || c.Height < 16 || c.Width > 8192 || c.Height > 8192 {
		bad("width, height", "%dx%d: want the size of the picture the zones are drawn on, 16..8192 pixels each", c.Width, c.Height)
	}
	frame := image.Rect(0, 0, c.Width, c.Height)
	ids := map[string]string{}
	unique := func(key, id string) {
		switch prev, dup := ids[id]; {
		case id == "":
			bad(key, "required")
		case dup:
			bad(key, "%q is also %s", id, prev)
		default:
			ids[id] = key
		}
	}
	for i, z := range c.Zones {
		key := fmt.Sprintf("zones[%d]", i)
		unique(key+".id", z.ID)
		validatePolygon(key+".polygon", z.Polygon, frame, bad)
		if z.LoiterAfter < 0 || (z.LoiterAfter > 0 && z.LoiterAfter < time.Second) {
			bad(key+".loiter_after", "%v: want 0 (off) or at least 1s", z.LoiterAfter)
		}
		if z.CrowdMin < 0 || z.CrowdMin == 1 || z.CrowdMin > 1000 {
			bad(key+".crowd_min", "%d: want 0 (off) or 2..1000 people", z.CrowdMin)
		}
	}
	for i, w := range c.Tripwires {
		key := fmt.Sprintf("tripwires[%d]", i)
		unique(key+".id", w.ID)
		if !within(w.A, frame) || !within(w.B, frame) {
			bad(key, "end %v or %v outside the %dx%d picture", w.A, w.B, c.Width, c.Height)
		}
		if w.A == w.B {
			bad(key, "both ends at %v: a line needs two points", w.A)
		}
		if w.Left == w.Right {
			bad(key+".left, right", "both sides are named %q", w.Left)
		}
		if w.Direction != BothWays && w.Direction != LeftToRight && w.Direction != RightToLeft {
			bad(key+".direction", "%q: want %s, %s or %s", w.Direction, BothWays, LeftToRight, RightToLeft)
		}
	}
	m := c.Motion
	if m.Width < 32 || m.Width > 1920 {
		bad("motion.width", "%d: want 32..1920", m.Width)
	}
	if m.Threshold < 1 || m.Threshold > 255 {
		bad("motion.threshold", "%d: want 1..255", m.Threshold)
	}
	if !(m.MinArea > 0 && m.MinArea < 0.5) {
		bad("motion.min_area", "%v: want a fraction of the picture above 0 and below 0.5", m.MinArea)
	}
	if m.Learn < 100*time.Millisecond || m.LearnForeground < m.Learn {
		bad("motion.learn", "learn %v, learn_foreground %v: want 100ms ≤ learn ≤ learn_foreground", m.Learn, m.LearnForeground)
	}
	if !(m.GlobalChange > 0.05 && m.GlobalChange <= 1) {
		bad("motion.global_change", "%v: want a fraction above 0.05, at most 1", m.GlobalChange)
	}
	p := c.People
	if p.HitThreshold < -1 || p.HitThreshold > 5 {
		bad("people.hit_threshold", "%v: want -1..5", p.HitThreshold)
	}
	if p.Height < 64 || p.Height > 400 {
		bad("people.height", "%d: want 64..400 pixels", p.Height)
	}
	if p.Scale < 1.01 || p.Scale > 1.5 {
		bad("people.scale", "%v: want 1.01..1.5", p.Scale)
	}
	if p.MaxRegions < 1 || p.MaxRegions > 100 {
		bad("people.max_regions", "%d: want 1..100", p.MaxRegions)
	}
	if p.Confirm < 1 || p.Confirm > 20 {
		bad("people.confirm", "%d: want 1..20", p.Confirm)
	}
	k := c.Tracker
	if k.MaxGap < 200*time.Millisecond || k.MaxGap > time.Minute {
		bad("tracker.max_gap", "%v: want 200ms..1m", k.MaxGap)
	}
	if k.Reacquire < 0 || k.Reacquire > 5*time.Minute {
		bad("tracker.reacquire", "%v: want 0..5m", k.Reacquire)
	}
	if k.CrowdReArm < 0 {
		bad("tracker.crowd_rearm", "%v: must not be negative", k.CrowdReArm)
	}
	t := c.Tamper
	if t.Learn < time.Second {
		bad("tamper.learn", "%v: want at least 1s", t.Learn)
	}
	if t.Hold < 0 || t.Hold > 10*time.Minute {
		bad("tamper.hold", "%v: want 0..10m", t.Hold)
	}
	for _, f := range []struct {
		key string
		v   float64
	}{{"tamper.covered", t.Covered}, {"tamper.defocused", t.Defocused}, {"tamper.turned_away", t.TurnedAway}} {
		if !(f.v > 0 && f.v < 1) {
			bad(f.key, "%v: want a fraction above 0 and below 1", f.v)
		}
	}
	if c.SnapshotQuality < 1 || c.SnapshotQuality > 100 {
		bad("snapshot_quality", "%d: want 1..100", c.SnapshotQuality)
	}
	if len(errs) > 0 {
		return fmt.Errorf("analytics: camera %q: %w", c.Camera, errors.Join(errs...))
	}
	return nil
}

// validatePolygon checks a zone's polygon: enough points, inside the
// picture, a non-zero area and no crossing edges.
func validatePolygon(key string, poly []image.Point, frame image.Rectangle, bad func(key, format string, args ...any)) {
	if len(poly) < 3 {
		bad(key, "needs at least 3 points, has %d", len(poly))
		return
	}
	for j, p := range poly {
		if !within(p, frame) {
			bad(fmt.Sprintf("%s[%d]", key, j), "%v is outside the %dx%d picture", p, frame.Dx(), frame.Dy())
			return
		}
	}
	if polygonArea(toFloat(poly)) == 0 {
		bad(key, "encloses no area")
		return
	}
	if i, j, ok := selfCrossing(toFloat(poly)); ok {
		bad(key, "edges %d and %d cross", i, j)
	}
}

// within reports whether p is in the picture, its right and bottom edges
// included: a zone or a line may run along them.
func within(p image.Point, frame image.Rectangle) bool {
	return p.X >= frame.Min.X && p.Y >= frame.Min.Y && p.X <= frame.Max.X && p.Y <= frame.Max.Y
}
