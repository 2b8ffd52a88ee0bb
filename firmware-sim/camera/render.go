package camera

import (
	"hash/fnv"
	"math"
)

// shape is a filled rectangle [X0,X1)×[Y0,Y1) or a disc (R > 0) in pixel
// coordinates. A pixel belongs to it when its centre does.
type shape struct {
	X0, Y0, X1, Y1 float64
	CX, CY, R      float64
}

// each calls fn for every pixel of s inside a w×h picture.
func (s shape) each(w, h int, fn func(x, y int)) {
	x0, y0, x1, y1 := s.X0, s.Y0, s.X1, s.Y1
	if s.R > 0 {
		x0, y0, x1, y1 = s.CX-s.R, s.CY-s.R, s.CX+s.R+1, s.CY+s.R+1
	}
	// Pixel i is inside [a, b) when a ≤ i+0.5 < b.
	ix0 := max(int(math.Ceil(x0-0.5)), 0)
	iy0 := max(int(math.Ceil(y0-0.5)), 0)
	ix1 := min(int(math.Ceil(x1-0.5)), w)
	iy1 := min(int(math.Ceil(y1-0.5)), h)
	for y := iy0; y < iy1; y++ {
		for x := ix0; x < ix1; x++ {
			if s.R > 0 {
				dx, dy := float64(x)+0.5-s.CX, float64(y)+0.5-s.CY
				if dx*dx+dy*dy > s.R*s.R {
					continue
				}
			}
			fn(x, y)
		}
	}
}

// figure returns the shapes of a person standing at foot (normalised),
// heightN of the picture tall, with legs apart by the stride at dist.
func figure(foot Point, dist, heightN float64, w, h int) []shape {
	fx, fy := foot.X*float64(w), foot.Y*float64(h)
	ph := heightN * float64(h)
	top := fy - ph
	swing := 0.06 * ph * math.Sin(dist*60)
	leg := 0.09 * ph
	return []shape{
		{CX: fx, CY: top + 0.085*ph, R: 0.085 * ph},                                           // head
		{X0: fx - 0.13*ph, Y0: top + 0.18*ph, X1: fx + 0.13*ph, Y1: top + 0.58*ph},            // torso
		{X0: fx - 0.17*ph, Y0: top + 0.20*ph, X1: fx - 0.13*ph, Y1: top + 0.52*ph + swing/2},  // arm
		{X0: fx + 0.13*ph, Y0: top + 0.20*ph, X1: fx + 0.17*ph, Y1: top + 0.52*ph - swing/2},  // arm
		{X0: fx - 0.11*ph + swing, Y0: top + 0.56*ph, X1: fx - 0.11*ph + swing + leg, Y1: fy}, // leg
		{X0: fx + 0.11*ph - swing - leg, Y0: top + 0.56*ph, X1: fx + 0.11*ph - swing, Y1: fy}, // leg
	}
}

// figureBox is the exact pixel extent of a figure, false when none of it
// is inside the picture.
func figureBox(foot Point, dist, heightN float64, w, h int) (Box, bool) {
	x0, y0, x1, y1 := w, h, -1, -1
	for _, s := range figure(foot, dist, heightN, w, h) {
		s.each(w, h, func(x, y int) {
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
		})
	}
	if x1 < 0 {
		return Box{}, false
	}
	return Box{X: x0, Y: y0, W: x1 - x0 + 1, H: y1 - y0 + 1, Foot: foot}, true
}

// rng is xorshift64*: fast, and the same on every machine.
type rng uint64

func newRNG(seed string, n int) rng {
	h := fnv.New64a()
	h.Write([]byte(seed))
	v := h.Sum64() ^ uint64(n)*0x9e3779b97f4a7c15
	if v == 0 {
		v = 1
	}
	return rng(v)
}

func (r *rng) next() uint64 {
	x := uint64(*r)
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	*r = rng(x)
	return x * 0x2545f4914f6cdd1d
}

// renderer draws the frames of a scene as 8-bit grey pictures.
type renderer struct {
	s          *sceneSpec
	w, h, fps  int
	background []byte
	wall       []byte // what a camera turned away sees (scenes with Turn)
	blur       []byte // scratch for defocus
}

func newRenderer(s *sceneSpec, w, h, fps int) *renderer {
	r := &renderer{s: s, w: w, h: h, fps: fps}
	r.background = r.yard()
	if s.Turn != nil {
		r.wall = r.brickWall()
	}
	return r
}

// brickWall draws a brick wall with two dark windows: what the camera
// sees when someone turns it away from the yard. Its brightness is the
// yard's, so only its structure differs.
func (r *renderer) brickWall() []byte {
	w, h := r.w, r.h
	bg := make([]byte, w*h)
	rnd := newRNG(r.s.Name+"/wall", 0)
	course := max(h/24, 4)
	brick := 3 * course
	mortar := max(course/5, 1)
	for y := range h {
		row := y / course
		for x := range w {
			off := 0
			if row%2 == 1 {
				off = brick / 2
			}
			v := 124 + int(rnd.next()%9) - 4
			if y%course < mortar || (x+off)%brick < mortar {
				v = 92
			}
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			if fy > 0.25 && fy < 0.6 && ((fx > 0.15 && fx < 0.35) || (fx > 0.6 && fx < 0.8)) {
				v = 58 // windows
			}
			bg[y*w+x] = clamp(v)
		}
	}
	return bg
}

// yard draws the still background: textured ground, the gravel of the
// sterile zone between two fences, fence posts, and a footpath.
func (r *renderer) yard() []byte {
	w, h := r.w, r.h
	bg := make([]byte, w*h)
	rnd := newRNG(r.s.Name+"/yard", 0)
	block := max(w/40, 4)
	bw := w/block + 1
	blotch := make([]int, bw*(h/block+1))
	for i := range blotch {
		blotch[i] = int(rnd.next()%11) - 5
	}
	fence := max(h/180, 2)
	oy, iy := int(outerFenceY*float64(h)), int(innerFenceY*float64(h))
	for y := range h {
		for x := range w {
			v := 116 + blotch[(y/block)*bw+x/block] + int(rnd.next()%7) - 3
			fy := float64(y) / float64(h)
			fx := float64(x) / float64(w)
			switch {
			case y > oy && y < iy:
				v += 28 // gravel
			case math.Abs(fy-(0.86-0.2*fx)) < 0.03:
				v += 14 // footpath
			}
			if abs(y-oy) < fence || abs(y-iy) < fence {
				v = 64
			}
			if (x%(w/12) < fence) && ((y < oy && y > oy-h/25) || (y < iy && y > iy-h/25)) {
				v = 64 // posts
			}
			bg[y*w+x] = clamp(v)
		}
	}
	return bg
}

// frame draws frame i into dst (w×h bytes).
func (r *renderer) frame(i int, dst []byte) {
	s := r.s
	t := frameTime(i, r.fps).Seconds()
	light := 0
	if s.LightPeriod > 0 {
		light = int(math.Round(s.LightAmp * math.Sin(2*math.Pi*t/s.LightPeriod)))
	}
	rnd := newRNG(s.Name+"/noise", i)
	span := uint64(2*s.Noise + 1)
	var bits uint64
	bg := r.background
	turn := s.turnAlpha(t)
	if turn > 0 {
		bg = r.panned(turn)
	}
	for p, v := range bg {
		if p%8 == 0 {
			bits = rnd.next()
		}
		n := 0
		if s.Noise > 0 {
			n = int((bits&0xff)%span) - s.Noise
		}
		bits >>= 8
		dst[p] = clamp(int(v) + light + n)
	}
	for wi := range s.Walkers {
		wk := &s.Walkers[wi]
		foot, dist, ok := wk.position(t)
		if !ok || turn > 0 {
			continue
		}
		shade := clamp(int(wk.Shade) + light/2)
		for _, sh := range figure(foot, dist, wk.Height, r.w, r.h) {
			sh.each(r.w, r.h, func(x, y int) { dst[y*r.w+x] = shade })
		}
	}
	if a := s.defocusAlpha(t); a > 0 {
		r.defocus(dst, int(math.Round(a*defocusRadius*float64(r.w))))
	}
	if a := s.coverAlpha(t); a > 0 {
		// A hand or cloth over the lens: dark, nearly uniform.
		const covered = 12
		for p, v := range dst {
			dst[p] = clamp(int(math.Round((1-a)*float64(v) + a*covered)))
		}
	}
}

// panned returns the background of a camera panned the fraction a of the
// way from the yard to the wall: the yard slides out to the left and the
// wall comes in from the right.
func (r *renderer) panned(a float64) []byte {
	out := make([]byte, r.w*r.h)
	shift := int(math.Round(a * float64(r.w)))
	for y := range r.h {
		row := out[y*r.w : (y+1)*r.w]
		n := copy(row, r.background[y*r.w+shift:(y+1)*r.w])
		copy(row[n:], r.wall[y*r.w:])
	}
	return out
}

// defocus blurs pic in place with two passes of a box filter of the given
// radius in each direction (close to a Gaussian).
func (r *renderer) defocus(pic []byte, radius int) {
	if radius < 1 {
		return
	}
	if len(r.blur) != len(pic) {
		r.blur = make([]byte, len(pic))
	}
	for range 2 {
		boxBlur(r.blur, pic, r.w, r.h, radius, 1, r.w) // rows
		boxBlur(pic, r.blur, r.h, r.w, radius, r.w, 1) // columns
	}
}

// boxBlur averages src over a window of 2·radius+1 along lines of n
// pixels (step apart) and writes dst; m lines start lineStep apart. The
// window is clamped at the ends of a line.
func boxBlur(dst, src []byte, n, m, radius, step, lineStep int) {
	for l := range m {
		base := l * lineStep
		sum, lo, hi := 0, 0, -1 // sum of src[lo..hi]
		for i := range n {
			for hi < min(i+radius, n-1) {
				hi++
				sum += int(src[base+hi*step])
			}
			for lo < i-radius {
				sum -= int(src[base+lo*step])
				lo++
			}
			cnt := hi - lo + 1
			dst[base+i*step] = byte((sum + cnt/2) / cnt)
		}
	}
}

func clamp(v int) byte {
	return byte(min(max(v, 0), 255))
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
