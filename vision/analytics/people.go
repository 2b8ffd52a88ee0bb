package analytics

import (
	"image"
	"slices"
	"time"

	"gocv.io/x/gocv"
)

// verifyEvery is how often a person the motion mask follows alone is
// looked at again by the detector.
const verifyEvery = time.Second

// detectPeople runs the detector where people are expected: around each
// tracked person (so that someone standing still stays confirmed), then
// on the moving regions not already covered, largest first. A person
// whose moving region is theirs alone, or who stands merged into a group,
// is only re-examined every verifyEvery; their region needs no search
// either.
func (a *Analyzer) detectPeople(gray gocv.Mat, moving []image.Rectangle, at time.Time, dt time.Duration) []image.Rectangle {
	type region struct {
		r       image.Rectangle
		personH int
	}
	var todo []region
	var known []*track
	var around []image.Rectangle // every track's surroundings
	for _, t := range a.tracker.tracks {
		b := t.predict(dt)
		around = append(around, grow(b, 0.5, 0.2))
		standing := t.coasting && t.vx == 0 && t.vy == 0
		if t.person && ((t.followed && at.Sub(t.detected) < verifyEvery) || (standing && at.Sub(t.examined) < verifyEvery)) {
			known = append(known, t)
			continue
		}
		t.examined = at
		todo = append(todo, region{grow(b, 0.5, 0.2), b.Dy()})
	}
	byArea := slices.Clone(moving)
	slices.SortStableFunc(byArea, func(p, q image.Rectangle) int { return area(q) - area(p) })
next:
	for _, m := range byArea {
		for _, t := range known {
			if fit(t.predict(dt), m, t.box.Dy()) > 0 {
				continue next
			}
		}
		if coverage(m, around) < 0.7 {
			todo = append(todo, region{grow(m, 0.5, 0.2), m.Dy()})
		}
	}
	// Overlapping regions of people of a size are searched once, as
	// their union: a group costs one search, not one per member.
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(todo) && !merged; i++ {
			for j := i + 1; j < len(todo); j++ {
				p, q := todo[i], todo[j]
				hi, lo := max(p.personH, q.personH), min(p.personH, q.personH)
				if float64(area(p.r.Intersect(q.r))) >= 0.3*float64(min(area(p.r), area(q.r))) && float64(hi) <= 1.5*float64(lo) {
					todo[i] = region{p.r.Union(q.r), lo}
					todo = slices.Delete(todo, j, j+1)
					merged = true
					break
				}
			}
		}
	}
	if len(todo) > a.cfg.People.MaxRegions {
		todo = todo[:a.cfg.People.MaxRegions]
	}
	var dets []image.Rectangle
	for _, t := range todo {
		for _, d := range a.people.detect(gray, t.r, t.personH) {
			dup := false
			for i, e := range dets {
				if iou(d, e) >= 0.5 {
					dets[i], dup = unionRect(d, e, 0.5), true
					break
				}
			}
			if !dup {
				dets = append(dets, d)
			}
		}
	}
	return dets
}

// coverage is the share of r inside at least one of rs, sampled on a
// grid of about 20×20 points.
func coverage(r image.Rectangle, rs []image.Rectangle) float64 {
	sx, sy := max(r.Dx()/20, 1), max(r.Dy()/20, 1)
	in, n := 0, 0
	for y := r.Min.Y + sy/2; y < r.Max.Y; y += sy {
		for x := r.Min.X + sx/2; x < r.Max.X; x += sx {
			n++
			p := image.Pt(x, y)
			for _, q := range rs {
				if p.In(q) {
					in++
					break
				}
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(in) / float64(n)
}

// unionRect averages two rectangles with weight w on a.
func unionRect(a, b image.Rectangle, w float64) image.Rectangle {
	mix := func(p, q int) int { return int(w*float64(p) + (1-w)*float64(q) + 0.5) }
	return image.Rect(mix(a.Min.X, b.Min.X), mix(a.Min.Y, b.Min.Y), mix(a.Max.X, b.Max.X), mix(a.Max.Y, b.Max.Y))
}
