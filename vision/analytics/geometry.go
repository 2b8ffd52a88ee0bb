package analytics

import (
	"image"
	"math"
)

// pt is a point in frame pixels, fractional.
type pt struct{ X, Y float64 }

func toFloat(poly []image.Point) []pt {
	out := make([]pt, len(poly))
	for i, p := range poly {
		out[i] = pt{float64(p.X), float64(p.Y)}
	}
	return out
}

func (p pt) sub(q pt) pt             { return pt{p.X - q.X, p.Y - q.Y} }
func (p pt) cross(q pt) float64      { return p.X*q.Y - p.Y*q.X }
func (p pt) dot(q pt) float64        { return p.X*q.X + p.Y*q.Y }
func (p pt) dist(q pt) float64       { return math.Hypot(p.X-q.X, p.Y-q.Y) }
func (p pt) scale(sx, sy float64) pt { return pt{p.X * sx, p.Y * sy} }

// polygonArea is the absolute area by the shoelace formula.
func polygonArea(poly []pt) float64 {
	a := 0.0
	for i := range poly {
		a += poly[i].cross(poly[(i+1)%len(poly)])
	}
	return math.Abs(a) / 2
}

// selfCrossing reports two non-adjacent edges of poly that intersect.
func selfCrossing(poly []pt) (int, int, bool) {
	n := len(poly)
	for i := range n {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue // adjacent through the closing edge
			}
			if segmentsIntersect(poly[i], poly[(i+1)%n], poly[j], poly[(j+1)%n]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// orient is the sign of (b−a)×(c−a).
func orient(a, b, c pt) int {
	v := b.sub(a).cross(c.sub(a))
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func onSegment(a, b, p pt) bool {
	return min(a.X, b.X) <= p.X && p.X <= max(a.X, b.X) && min(a.Y, b.Y) <= p.Y && p.Y <= max(a.Y, b.Y)
}

// segmentsIntersect reports whether segments ab and cd share a point.
func segmentsIntersect(a, b, c, d pt) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if o1 != o2 && o3 != o4 {
		return true
	}
	return (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d)) ||
		(o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b))
}

// inside is the even-odd rule.
func inside(poly []pt, p pt) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.Y > p.Y) != (b.Y > p.Y) && p.X < (b.X-a.X)*(p.Y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}

// edgeDistance is the distance from p to the nearest edge of poly.
func edgeDistance(poly []pt, p pt) float64 {
	d := math.Inf(1)
	for i := range poly {
		d = min(d, segmentDistance(poly[i], poly[(i+1)%len(poly)], p))
	}
	return d
}

// segmentDistance is the distance from p to the segment ab.
func segmentDistance(a, b, p pt) float64 {
	ab := b.sub(a)
	l2 := ab.dot(ab)
	if l2 == 0 {
		return p.dist(a)
	}
	t := math.Max(0, math.Min(1, p.sub(a).dot(ab)/l2))
	return p.dist(pt{a.X + t*ab.X, a.Y + t*ab.Y})
}

// signedDistance is p's distance from the line through a and b: negative
// on the Left side (as Tripwire defines it), positive on the Right.
func signedDistance(a, b, p pt) float64 {
	ab := b.sub(a)
	return ab.cross(p.sub(a)) / math.Hypot(ab.X, ab.Y)
}

// crossesSegment reports whether a step from p to q passes through the
// segment ab, ends included, with a tolerance of slack pixels past them.
func crossesSegment(a, b, p, q pt, slack float64) bool {
	ab := b.sub(a)
	l := math.Hypot(ab.X, ab.Y)
	// Where the step crosses the line, measured along ab from a.
	dp, dq := signedDistance(a, b, p), signedDistance(a, b, q)
	if dp == dq {
		return false
	}
	f := dp / (dp - dq)
	x := pt{p.X + f*(q.X-p.X), p.Y + f*(q.Y-p.Y)}
	along := x.sub(a).dot(ab) / l
	return along >= -slack && along <= l+slack
}

// iou is the intersection over union of two rectangles.
func iou(a, b image.Rectangle) float64 {
	in := a.Intersect(b)
	if in.Empty() {
		return 0
	}
	ai, aa, ab := area(in), area(a), area(b)
	return float64(ai) / float64(aa+ab-ai)
}

func area(r image.Rectangle) int { return r.Dx() * r.Dy() }

// foot is where a person's box stands: the middle of its bottom edge.
func foot(r image.Rectangle) pt {
	return pt{float64(r.Min.X+r.Max.X) / 2, float64(r.Max.Y)}
}

func center(r image.Rectangle) pt {
	return pt{float64(r.Min.X+r.Max.X) / 2, float64(r.Min.Y+r.Max.Y) / 2}
}

// scaleRect maps r by factors sx, sy, rounding outwards.
func scaleRect(r image.Rectangle, sx, sy float64) image.Rectangle {
	return image.Rect(
		int(math.Floor(float64(r.Min.X)*sx)), int(math.Floor(float64(r.Min.Y)*sy)),
		int(math.Ceil(float64(r.Max.X)*sx)), int(math.Ceil(float64(r.Max.Y)*sy)))
}

// grow enlarges r by fx of its width on each side and fy of its height
// above and below.
func grow(r image.Rectangle, fx, fy float64) image.Rectangle {
	dx, dy := int(math.Round(float64(r.Dx())*fx)), int(math.Round(float64(r.Dy())*fy))
	return image.Rect(r.Min.X-dx, r.Min.Y-dy, r.Max.X+dx, r.Max.Y+dy)
}
