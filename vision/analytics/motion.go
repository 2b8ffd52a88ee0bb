package analytics

import (
	"image"
	"image/color"
	"math"
	"time"

	"gocv.io/x/gocv"
)

// globalReset is how long the whole view must keep changing before the
// background is replaced by the current picture (lights switched on, the
// camera uncovered or moved back).
const globalReset = time.Second

// motionModel is a running-average background on the downscaled frame,
// compensated for global brightness, that learns fast where nothing moves,
// slowly where something changed, and not at all under tracked people.
type motionModel struct {
	cfg  MotionConfig
	size image.Point

	cur, bg, bg8, diff, fg, fgd    gocv.Mat
	stable, fast, slow             gocv.Mat
	labels, stats, centroids       gocv.Mat
	openKernel, closeKernel, grow5 gocv.Mat

	ready  bool
	calm   bool          // nothing changed last frame: stable is all set
	global time.Duration // how long the whole view has been changing
}

func newMotionModel(cfg MotionConfig) *motionModel {
	return &motionModel{
		cfg: cfg,
		cur: gocv.NewMat(), bg: gocv.NewMat(), bg8: gocv.NewMat(), diff: gocv.NewMat(),
		fg: gocv.NewMat(), fgd: gocv.NewMat(), stable: gocv.NewMat(), fast: gocv.NewMat(), slow: gocv.NewMat(),
		labels: gocv.NewMat(), stats: gocv.NewMat(), centroids: gocv.NewMat(),
		openKernel:  gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(3, 3)),
		closeKernel: gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(7, 7)),
		grow5:       gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(5, 5)),
	}
}

func (m *motionModel) close() {
	for _, mat := range []*gocv.Mat{&m.cur, &m.bg, &m.bg8, &m.diff, &m.fg, &m.fgd, &m.stable, &m.fast, &m.slow,
		&m.labels, &m.stats, &m.centroids, &m.openKernel, &m.closeKernel, &m.grow5} {
		mat.Close()
	}
}

// reset forgets the background; the next frame starts a new one.
func (m *motionModel) reset() { m.ready = false }

// detect compares the downscaled gray frame with the background. It
// returns the moving regions (in small's pixels) and the fraction of the
// picture that changed; when that fraction reaches GlobalChange the view
// itself changed and no regions are returned. A brightness shift of more
// than twice the threshold counts as a change of the whole view.
func (m *motionModel) detect(small gocv.Mat) (regions []image.Rectangle, changed float64) {
	gocv.GaussianBlur(small, &m.cur, image.Pt(5, 5), 0, 0, gocv.BorderDefault)
	if !m.ready || m.size != image.Pt(small.Cols(), small.Rows()) {
		m.size = image.Pt(small.Cols(), small.Rows())
		m.cur.ConvertTo(&m.bg, gocv.MatTypeCV32F)
		m.stable.Close()
		m.stable = gocv.NewMatWithSizeFromScalar(gocv.NewScalar(255, 0, 0, 0), m.size.Y, m.size.X, gocv.MatTypeCV8UC1)
		m.fg.Close()
		m.fg = gocv.NewMatWithSize(m.size.Y, m.size.X, gocv.MatTypeCV8UC1)
		m.ready, m.calm = true, true
		m.global = 0
		return nil, 0
	}
	// A change of light or exposure shifts the whole picture: estimate
	// the shift where nothing moved last frame and take it out.
	offset := 0.0
	switch {
	case m.calm:
		offset = m.cur.Mean().Val1 - m.bg.Mean().Val1
	case gocv.CountNonZero(m.stable) > 0:
		offset = m.cur.MeanWithMask(m.stable).Val1 - m.bg.MeanWithMask(m.stable).Val1
	}
	if math.Abs(offset) > 2*float64(m.cfg.Threshold) {
		// Not a drift of light: lights switched, a hand over the lens.
		return nil, 1
	}
	m.bg.ConvertToWithParams(&m.bg8, gocv.MatTypeCV8U, 1, float32(offset))
	gocv.AbsDiff(m.cur, m.bg8, &m.diff)
	gocv.Threshold(m.diff, &m.fg, float32(m.cfg.Threshold), 255, gocv.ThresholdBinary)
	gocv.MorphologyEx(m.fg, &m.fg, gocv.MorphOpen, m.openKernel)
	gocv.MorphologyEx(m.fg, &m.fg, gocv.MorphClose, m.closeKernel)

	total := m.size.X * m.size.Y
	moving := gocv.CountNonZero(m.fg)
	changed = float64(moving) / float64(total)
	if changed >= m.cfg.GlobalChange {
		return nil, changed
	}
	if moving == 0 {
		if !m.calm {
			m.stable.SetTo(gocv.NewScalar(255, 0, 0, 0))
			m.calm = true
		}
		return nil, 0
	}
	m.calm = false
	gocv.BitwiseNot(m.fg, &m.stable)

	minArea := max(int(math.Round(m.cfg.MinArea*float64(total))), 4)
	n := gocv.ConnectedComponentsWithStats(m.fg, &m.labels, &m.stats, &m.centroids)
	for i := 1; i < n; i++ {
		if int(m.stats.GetIntAt(i, 4)) < minArea {
			continue
		}
		x, y := int(m.stats.GetIntAt(i, 0)), int(m.stats.GetIntAt(i, 1))
		w, h := int(m.stats.GetIntAt(i, 2)), int(m.stats.GetIntAt(i, 3))
		regions = append(regions, image.Rect(x, y, x+w, y+h))
	}
	return regions, changed
}

// learn folds the frame last given to detect into the background, dt
// after the one before. people are the tracked people's boxes in the
// small frame's pixels, under which nothing is learned: someone standing
// still stays foreground and leaves no ghost when they go. global says
// the view as a whole changed.
func (m *motionModel) learn(dt time.Duration, people []image.Rectangle, global bool) {
	if !m.ready {
		return
	}
	if global {
		m.global += dt
		if m.global >= globalReset {
			m.cur.ConvertTo(&m.bg, gocv.MatTypeCV32F)
			m.stable.SetTo(gocv.NewScalar(255, 0, 0, 0))
			m.calm, m.global = true, 0
		}
		return
	}
	m.global = 0
	sec := min(dt, 5*time.Second).Seconds()
	fast := 1 - math.Exp(-sec/m.cfg.Learn.Seconds())
	slow := 1 - math.Exp(-sec/m.cfg.LearnForeground.Seconds())

	if m.calm && len(people) == 0 {
		gocv.AccumulatedWeighted(m.cur, &m.bg, fast)
		return
	}
	gocv.Dilate(m.fg, &m.fgd, m.grow5)
	gocv.BitwiseNot(m.fgd, &m.fast)
	m.fgd.CopyTo(&m.slow)
	for _, r := range people {
		gocv.Rectangle(&m.slow, r, color.RGBA{}, -1)
		gocv.Rectangle(&m.fast, r, color.RGBA{}, -1)
	}
	gocv.AccumulatedWeightedWithMask(m.cur, &m.bg, fast, m.fast)
	gocv.AccumulatedWeightedWithMask(m.cur, &m.bg, slow, m.slow)
}
