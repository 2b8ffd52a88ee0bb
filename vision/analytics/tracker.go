package analytics

import (
	"image"
	"math"
	"slices"
	"time"
)

// track is one person (or a candidate: detected fewer than Confirm
// times) followed from frame to frame.
type track struct {
	id     int
	box    image.Rectangle // in frame pixels
	vx, vy float64         // pixels a second, of the box's centre
	hits   int             // detections matched
	person bool            // hits reached Confirm
	// Last matched to a detection or a moving region (seen), to a
	// detection (detected); last placed on a detection or a region of
	// its own (observed); last searched by the detector (examined).
	seen, detected, observed, examined time.Time
	// This frame the box was predicted, not observed (coasting); it is a
	// moving region that is this person alone (followed).
	coasting, followed bool
	rules              trackRules
}

// tracker associates detections and moving regions with tracks.
//
// Detections (HOG) create tracks and confirm them; moving regions keep
// them alive and give them their exact extent (a region hugs the
// person's pixels, a detection window only roughly). A region several
// tracks share — people walking into a group — keeps them all, slowing
// to a stand inside it, so a crowd keeps its count while its members are
// not separable.
type tracker struct {
	cfg     TrackerConfig
	confirm int
	next    int
	tracks  []*track
	ended   []*track // recently ended, kept for Reacquire
}

func newTracker(cfg TrackerConfig, confirm int) *tracker {
	return &tracker{cfg: cfg, confirm: confirm, next: 1}
}

// predict returns where t's box is expected dt after it was last placed.
func (t *track) predict(dt time.Duration) image.Rectangle {
	s := min(dt, time.Second).Seconds()
	return t.box.Add(image.Pt(int(math.Round(t.vx*s)), int(math.Round(t.vy*s))))
}

// A person merged with others into one moving region is taken to slow
// down with time constant mergedSlow, and to stand after mergedWalk.
const (
	mergedSlow = time.Second
	mergedWalk = 2 * time.Second
)

// moveTo places t's box where it was observed, updating its velocity.
func (t *track) moveTo(box image.Rectangle, at time.Time, dt time.Duration) {
	t.observed = at
	if s := dt.Seconds(); s > 0 {
		c0, c1 := center(t.box), center(box)
		t.vx = 0.6*t.vx + 0.4*(c1.X-c0.X)/s
		t.vy = 0.6*t.vy + 0.4*(c1.Y-c0.Y)/s
	}
	t.box = box
}

// compatible says a moving region is the extent of one person whose box
// is like ref: similar size, and overlapping it or within the gate of it
// (a new track has no velocity yet, and a person walking fast moves most
// of a body width between frames).
func compatible(region, ref image.Rectangle) bool {
	ra, rr := float64(area(region)), float64(area(ref))
	near := iou(region, ref) >= 0.3 || center(region).dist(center(ref)) <= gate*float64(ref.Dy())
	return ra >= 0.4*rr && ra <= 2*rr && near
}

// gate is how far, in body heights, a person's centre may be from where
// it was predicted and still be taken for the same person.
const gate = 0.6

// fit scores how well box b continues a track predicted at p whose body
// is h pixels tall: their overlap, or a weak 0.1 when b's centre is
// within the gate and its size is like p's; 0 when it does not fit.
func fit(p, b image.Rectangle, h int) float64 {
	if s := iou(p, b); s >= 0.15 {
		return s
	}
	ratio := float64(area(b)) / float64(max(area(p), 1))
	if center(p).dist(center(b)) <= gate*float64(h) && ratio >= 0.4 && ratio <= 2.5 {
		return 0.1
	}
	return 0
}

// claims says a region covers enough of box to be (part of) that
// person: a third of it. A sliver left behind where someone stood does
// not keep their track alive.
func claims(region, box image.Rectangle) bool {
	return float64(area(region.Intersect(box))) >= 0.3*float64(area(box))
}

// update advances the tracks to a frame at `at`, dt after the previous
// one, with the people detected and the moving regions (frame pixels).
func (k *tracker) update(at time.Time, dt time.Duration, frame image.Rectangle, dets, regions []image.Rectangle) {
	pred := make([]image.Rectangle, len(k.tracks))
	for i, t := range k.tracks {
		pred[i] = t.predict(dt)
		t.coasting, t.followed = false, false
	}
	// Detections to tracks, best overlap first. A person may move most
	// of a body width between analysed frames, so a detection whose
	// centre is within the gate of the prediction also fits, weakly.
	type pair struct {
		t, d  int
		score float64
	}
	var pairs []pair
	for i, t := range k.tracks {
		for j, d := range dets {
			if s := fit(pred[i], d, t.box.Dy()); s > 0 {
				pairs = append(pairs, pair{i, j, s})
			}
		}
	}
	slices.SortStableFunc(pairs, func(a, b pair) int { return cmpDesc(a.score, b.score) })
	detOf := make([]int, len(k.tracks))
	for i := range detOf {
		detOf[i] = -1
	}
	usedDet := make([]bool, len(dets))
	for _, p := range pairs {
		if detOf[p.t] < 0 && !usedDet[p.d] {
			detOf[p.t], usedDet[p.d] = p.d, true
		}
	}
	// The moving region each track is in, and how many tracks share each.
	shared := make([]int, len(regions))
	regionOf := make([]int, len(k.tracks))
	for i, t := range k.tracks {
		regionOf[i] = -1
		best := 0.0
		for j, r := range regions {
			s := fit(pred[i], r, t.box.Dy())
			if claims(r, pred[i]) {
				s = max(s, 0.2)
			}
			if s > best {
				regionOf[i], best = j, s
			}
		}
		if regionOf[i] >= 0 {
			shared[regionOf[i]]++
		}
	}
	for i, t := range k.tracks {
		r := -1
		if regionOf[i] >= 0 && shared[regionOf[i]] == 1 {
			r = regionOf[i]
		}
		switch d := detOf[i]; {
		case d >= 0:
			t.hits++
			t.detected, t.seen = at, at
			box := dets[d]
			if r >= 0 && compatible(regions[r], box) {
				box, t.followed = regions[r], true
			}
			t.moveTo(box, at, dt)
		case regionOf[i] >= 0:
			t.seen = at
			if r >= 0 && compatible(regions[r], pred[i]) {
				t.moveTo(regions[r], at, dt)
				t.followed = true
			} else {
				// Merged with others: people joining a group slow
				// down and stand — inside the group's region, which
				// holds all of their pixels.
				t.box, t.coasting = keepInside(pred[i], regions[regionOf[i]]), true
				if at.Sub(t.observed) > mergedWalk {
					t.vx, t.vy = 0, 0
				} else {
					slow := math.Exp(-dt.Seconds() / mergedSlow.Seconds())
					t.vx, t.vy = t.vx*slow, t.vy*slow
				}
			}
		default:
			t.box, t.vx, t.vy, t.coasting = pred[i], t.vx*0.5, t.vy*0.5, true
		}
		if !t.person && t.hits >= k.confirm {
			t.person = true
		}
	}
	// Detections nobody took start (or resume) tracks — if something
	// moves there, so that a post the detector likes is not a person.
	for j, d := range dets {
		if usedDet[j] || !k.moving(d, regions) || k.duplicate(d) {
			continue
		}
		if t := k.reacquire(at, d, frame); t != nil {
			t.hits++
			t.detected, t.seen, t.observed = at, at, at
			t.box, t.vx, t.vy = d, 0, 0
			// Where the person went while unseen is not known: no
			// tripwire crossing is inferred across the gap.
			clear(t.rules.side)
			k.tracks = append(k.tracks, t)
			continue
		}
		t := &track{id: k.next, box: d, seen: at, detected: at, observed: at, hits: 1}
		t.person = t.hits >= k.confirm
		k.next++
		k.tracks = append(k.tracks, t)
	}
	k.expire(at)
}

// moving reports whether a detection overlaps a moving region.
func (k *tracker) moving(d image.Rectangle, regions []image.Rectangle) bool {
	for _, r := range regions {
		if claims(r, d) {
			return true
		}
	}
	return false
}

// duplicate reports whether a detection is a second window on a person
// already tracked: overlapping it, or centred within 0.3 body heights of
// it (closer than two people stand).
func (k *tracker) duplicate(d image.Rectangle) bool {
	for _, t := range k.tracks {
		if iou(t.box, d) >= 0.3 || center(t.box).dist(center(d)) < 0.3*float64(t.box.Dy()) {
			return true
		}
	}
	return false
}

// reacquire finds a person track that ended near d recently, removing it
// from the ended list. Someone appearing at the picture's edge is taken
// for a newcomer unless the track also ended there.
func (k *tracker) reacquire(at time.Time, d, frame image.Rectangle) *track {
	best, bestDist := -1, math.Inf(1)
	for i, t := range k.ended {
		gap := at.Sub(t.seen)
		if !t.person || gap > k.cfg.Reacquire || (atEdge(d, frame) && !atEdge(t.box, frame)) {
			continue
		}
		// As far as a person walks in the gap, at least a body height.
		reach := float64(t.box.Dy()) * (1 + gap.Seconds())
		if dist := center(t.box).dist(center(d)); dist <= reach && dist < bestDist {
			best, bestDist = i, dist
		}
	}
	if best < 0 {
		return nil
	}
	t := k.ended[best]
	k.ended = slices.Delete(k.ended, best, best+1)
	return t
}

// candidateLife: a candidate the detector does not see again within this
// many MaxGaps ends, even if something keeps moving where it is.
const candidateLife = 5

// expire ends tracks not seen for MaxGap, and candidates not detected
// again within candidateLife MaxGaps; it forgets ended tracks older than
// Reacquire.
func (k *tracker) expire(at time.Time) {
	k.tracks = slices.DeleteFunc(k.tracks, func(t *track) bool {
		gone := at.Sub(t.seen) > k.cfg.MaxGap || (!t.person && at.Sub(t.detected) > candidateLife*k.cfg.MaxGap)
		if gone && t.person {
			k.ended = append(k.ended, t)
		}
		return gone
	})
	k.ended = slices.DeleteFunc(k.ended, func(t *track) bool { return at.Sub(t.seen) > k.cfg.Reacquire })
}

// clear ends every track (the view changed: a new frame size).
func (k *tracker) clear() {
	k.tracks, k.ended = nil, nil
}

// keepInside moves b into r, shrinking it where it is larger.
func keepInside(b, r image.Rectangle) image.Rectangle {
	shift := func(lo, hi, rlo, rhi int) (int, int) {
		if hi-lo >= rhi-rlo {
			return rlo, rhi
		}
		if lo < rlo {
			return rlo, rlo + hi - lo
		}
		if hi > rhi {
			return rhi - (hi - lo), rhi
		}
		return lo, hi
	}
	b.Min.X, b.Max.X = shift(b.Min.X, b.Max.X, r.Min.X, r.Max.X)
	b.Min.Y, b.Max.Y = shift(b.Min.Y, b.Max.Y, r.Min.Y, r.Max.Y)
	return b
}

// atEdge reports whether r comes within 2 % of the picture's width of
// its left or right edge, or its bottom: where people walk in and out.
func atEdge(r, frame image.Rectangle) bool {
	m := max(frame.Dx()/50, 2)
	return r.Min.X-frame.Min.X < m || frame.Max.X-r.Max.X < m || frame.Max.Y-r.Max.Y < m
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}
