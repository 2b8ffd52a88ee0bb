package analytics

import (
	"image"
	"math"
	"time"

	"gocv.io/x/gocv"
)

const (
	// tinyWidth is the width the view is compared with its reference at.
	tinyWidth = 160
	// cell is the side of the squares the comparison is made in.
	cell = 10
	// textured: a reference cell whose luma varies less than this carries
	// no structure to compare (sky, a plain wall).
	textured = 1.5
	// cellMatch is the correlation a cell needs to still look like its
	// reference.
	cellMatch = 0.5
	// baselineFollow is the time constant with which the baseline and the
	// reference follow a healthy view (dusk, shadows, seasons).
	baselineFollow = 10 * time.Minute
	// measureEvery: tamper is judged on seconds, so frames closer than
	// this to the last one measured are not measured again.
	measureEvery = 400 * time.Millisecond
)

// tamperMetrics describe one frame.
type tamperMetrics struct {
	mean, std float64 // luma
	sharp     float64 // Laplacian deviation per unit of contrast
	match     float64 // share of textured cells that look like the reference; -1 unknown
}

// tamperChange is a tamper condition raised or cleared.
type tamperChange struct {
	kind    TamperKind
	cleared bool
}

// tamperWatch learns a camera's healthy view and reports when the view is
// covered, defocused or no longer the one learned.
type tamperWatch struct {
	cfg TamperConfig

	tiny, tinyF, lap, mean, std gocv.Mat

	learnFrom          time.Time
	learned            bool
	n                  int
	sumStd, sumSharp   float64
	baseStd, baseSharp float64
	ref                []float64 // reference view at tinyWidth, row-major
	refSize            image.Point

	state, cand TamperKind
	candSince   time.Time
	last        time.Time
}

func newTamperWatch(cfg TamperConfig) *tamperWatch {
	return &tamperWatch{cfg: cfg, tiny: gocv.NewMat(), tinyF: gocv.NewMat(), lap: gocv.NewMat(), mean: gocv.NewMat(), std: gocv.NewMat()}
}

func (w *tamperWatch) close() {
	for _, m := range []*gocv.Mat{&w.tiny, &w.tinyF, &w.lap, &w.mean, &w.std} {
		m.Close()
	}
}

// relearn forgets the baseline: the view from the next frame on is the
// healthy one. A raised condition stays until it clears.
func (w *tamperWatch) relearn() {
	w.learned, w.n, w.sumStd, w.sumSharp, w.ref, w.learnFrom = false, 0, 0, 0, nil, time.Time{}
}

// measure computes a frame's metrics; tiny holds the small view after.
func (w *tamperWatch) measure(small gocv.Mat) (tamperMetrics, []float32) {
	var m tamperMetrics
	gocv.MeanStdDev(small, &w.mean, &w.std)
	m.mean, m.std = w.mean.GetDoubleAt(0, 0), w.std.GetDoubleAt(0, 0)
	gocv.Laplacian(small, &w.lap, gocv.MatTypeCV16S, 1, 1, 0, gocv.BorderDefault)
	gocv.MeanStdDev(w.lap, &w.mean, &w.std)
	if m.std >= 0.5 {
		m.sharp = w.std.GetDoubleAt(0, 0) / m.std
	}
	tw := min(tinyWidth, small.Cols())
	th := max(small.Rows()*tw/small.Cols(), 1)
	gocv.Resize(small, &w.tiny, image.Pt(tw, th), 0, 0, gocv.InterpolationArea)
	w.tiny.ConvertTo(&w.tinyF, gocv.MatTypeCV32F)
	px, err := w.tinyF.DataPtrFloat32()
	if err != nil {
		return m, nil
	}
	m.match = -1
	if w.ref != nil && w.refSize == image.Pt(tw, th) {
		m.match = matchShare(w.ref, px, tw, th)
	}
	return m, px
}

// matchShare is the share of the reference's textured cells whose
// correlation with the current view reaches cellMatch; -1 when the
// reference has too little texture to tell (under a tenth of its cells).
func matchShare(ref []float64, cur []float32, w, h int) float64 {
	total, good := 0, 0
	for cy := 0; cy+cell <= h; cy += cell {
		for cx := 0; cx+cell <= w; cx += cell {
			var sr, sc, srr, scc, src float64
			for y := cy; y < cy+cell; y++ {
				for x := cx; x < cx+cell; x++ {
					r, c := ref[y*w+x], float64(cur[y*w+x])
					sr, sc, srr, scc, src = sr+r, sc+c, srr+r*r, scc+c*c, src+r*c
				}
			}
			const n = cell * cell
			vr, vc := srr-sr*sr/n, scc-sc*sc/n
			if vr < textured*textured*n {
				continue
			}
			total++
			if vc > 0 && (src-sr*sc/n)/math.Sqrt(vr*vc) >= cellMatch {
				good++
			}
		}
	}
	if total*10 < (w/cell)*(h/cell) {
		return -1
	}
	return float64(good) / float64(total)
}

// observe takes the downscaled gray frame at `at` and returns the tamper
// condition in force and the changes this frame made. Frames within
// measureEvery of the last one measured keep its verdict.
func (w *tamperWatch) observe(small gocv.Mat, at time.Time) (TamperKind, []tamperChange) {
	dt := time.Duration(0)
	if !w.last.IsZero() {
		dt = at.Sub(w.last)
		if dt < measureEvery {
			return w.state, nil
		}
	}
	w.last = at
	m, px := w.measure(small)
	if !w.learned {
		w.learn(m, px, at)
		return w.state, nil
	}
	cand := TamperKind("")
	switch {
	case m.std < w.cfg.Covered*w.baseStd:
		cand = Covered
	case m.sharp < w.cfg.Defocused*w.baseSharp:
		cand = Defocused
	case m.match >= 0 && m.match < w.cfg.TurnedAway:
		cand = TurnedAway
	}
	if cand == "" && w.state == "" {
		w.follow(m, px, dt)
	}
	return w.step(cand, at)
}

// learn accumulates the baseline over the first Learn of healthy frames.
func (w *tamperWatch) learn(m tamperMetrics, px []float32, at time.Time) {
	if m.std < 2 || px == nil {
		return // a blank picture teaches nothing
	}
	size := image.Pt(w.tiny.Cols(), w.tiny.Rows())
	if w.n == 0 || size != w.refSize {
		w.learnFrom, w.n, w.sumStd, w.sumSharp, w.refSize = at, 0, 0, 0, size
		w.ref = make([]float64, len(px))
	}
	w.n++
	w.sumStd += m.std
	w.sumSharp += m.sharp
	for i, v := range px {
		w.ref[i] += float64(v)
	}
	if at.Sub(w.learnFrom) >= w.cfg.Learn && w.n >= 3 {
		w.baseStd, w.baseSharp = w.sumStd/float64(w.n), w.sumSharp/float64(w.n)
		for i := range w.ref {
			w.ref[i] /= float64(w.n)
		}
		w.learned = true
	}
}

// follow moves the baseline towards a healthy frame.
func (w *tamperWatch) follow(m tamperMetrics, px []float32, dt time.Duration) {
	a := 1 - math.Exp(-dt.Seconds()/baselineFollow.Seconds())
	w.baseStd += a * (m.std - w.baseStd)
	w.baseSharp += a * (m.sharp - w.baseSharp)
	if len(px) == len(w.ref) {
		for i, v := range px {
			w.ref[i] += a * (float64(v) - w.ref[i])
		}
	}
}

// step runs the hold-and-clear state machine on this frame's candidate.
func (w *tamperWatch) step(cand TamperKind, at time.Time) (TamperKind, []tamperChange) {
	if cand != w.cand {
		w.cand, w.candSince = cand, at
	}
	held := at.Sub(w.candSince) >= w.cfg.Hold
	var out []tamperChange
	switch {
	case w.state == "" && cand != "" && held:
		w.state = cand
		out = append(out, tamperChange{kind: cand})
	case w.state != "" && cand == "" && held:
		out = append(out, tamperChange{kind: w.state, cleared: true})
		w.state = ""
	case w.state != "" && cand != "" && cand != w.state && held:
		out = append(out, tamperChange{kind: w.state, cleared: true}, tamperChange{kind: cand})
		w.state = cand
	}
	return w.state, out
}
