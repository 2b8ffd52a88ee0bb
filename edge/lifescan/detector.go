package lifescan

import (
	"math"
	"time"

	"github.com/palisade/palisade/sensors/radar"
)

// Detector accumulates one scan of one vehicle. It is pure: it does no
// I/O, starts no goroutine and reads no clock; time comes with each frame.
// It is not safe for concurrent use: its owner (the radar's driver loop)
// feeds it and reads results from one goroutine.
type Detector struct {
	cfg    Config
	cfgErr error

	frames      int
	first, last time.Time
	lastFN      uint32
	missing     int           // frames the frame counter says were lost
	maxGap      time.Duration // longest silence between two frames
	maxGapAt    time.Duration // offset of its end from the first frame
	outOfOrder  int           // frames ignored: not later than the previous one
	overflow    bool          // MaxFrames reached
	broadband   int           // frames with micro-motion over many range cells
	fullReports int           // frames that carried MaxReports vital-signs reports
	flooded     int           // frames with more reports than any radar sends, or past maxTargets

	clusters []*cluster // every target seen, in order of appearance
	active   []*cluster // those reported within the last few seconds
}

// New returns a detector for one scan. Zero fields of cfg take their
// defaults; an invalid cfg yields a detector whose every result is
// Inconclusive, with the error as reason.
func New(cfg Config) *Detector {
	return &Detector{cfg: cfg.withDefaults(), cfgErr: cfg.Validate()}
}

// Add feeds the frame the radar sent at at. Frames must come in order: a
// frame not later than the previous one is ignored. The frame counter only
// serves to count lost frames; a radar that does not number its frames
// (all zero) is judged by the clock alone.
func (d *Detector) Add(at time.Time, f radar.Frame) {
	fn := f.Header.FrameNumber
	if d.frames > 0 {
		if !at.After(d.last) {
			d.outOfOrder++
			return
		}
		if d.frames >= d.cfg.MaxFrames {
			d.overflow = true
			return
		}
		gap := at.Sub(d.last)
		if gap > d.maxGap {
			d.maxGap, d.maxGapAt = gap, at.Sub(d.first)
		}
		// Frames lost: what the frame counter says, or the clock if it
		// says more (a radar that skipped numbering). A counter that runs
		// backwards or leaps far ahead of the clock restarted or wrapped:
		// then only the clock counts.
		byClock := max(int(math.Round(float64(gap)/float64(d.cfg.Period)))-1, 0)
		lost := int(int32(fn - d.lastFN - 1))
		if lost < 0 || lost > byClock+maxCounterLeap {
			lost = byClock
		}
		lost = max(lost, byClock)
		d.missing += lost
	} else {
		d.first = at
	}
	d.last, d.lastFN = at, fn
	idx := d.frames
	d.frames++

	if d.broadbandFrame(f.Points) {
		d.broadband++
	}
	if d.cfg.MaxReports > 0 && len(f.Vitals) >= d.cfg.MaxReports {
		d.fullReports++
	}
	if len(f.Vitals) > maxReportsPerFrame || len(d.clusters) >= maxTargets {
		d.flooded++ // garbage, not a vehicle: keep the cost bounded
		return
	}
	moving := d.movingAt(f)
	recent := int(5 * time.Second / d.cfg.Period)
	n := len(d.active)
	d.active = assign(d.active, idx, f.Vitals, moving, d.cfg.BinTolerance, recent)
	d.clusters = append(d.clusters, d.active[n:]...)
	live := d.active[:0]
	for _, c := range d.active {
		if idx-c.last <= recent {
			live = append(live, c)
		}
	}
	d.active = live
}

// broadbandFrame tells whether micro-motion (small doppler) spreads over
// many 25 cm range cells: the body of a vehicle vibrating, not a few
// chests breathing.
func (d *Detector) broadbandFrame(ps []radar.Point) bool {
	cells := map[int]bool{}
	for _, p := range ps {
		if math.Abs(float64(p.Doppler)) <= d.cfg.MicroDoppler {
			cells[int(rangeOf(p)/0.25)] = true
		}
	}
	return len(cells) >= d.cfg.BroadbandCells
}

// movingAt marks the reports of f at whose range a body moves: at least
// minMovingPoints points with a large doppler within 30 cm. Their rates
// are motion, not breathing. One fast point is noise, not a body.
func (d *Detector) movingAt(f radar.Frame) []bool {
	var ranges []float64
	for _, p := range f.Points {
		if math.Abs(float64(p.Doppler)) >= d.cfg.MotionDoppler {
			ranges = append(ranges, rangeOf(p))
		}
	}
	out := make([]bool, len(f.Vitals))
	for i, v := range f.Vitals {
		r, n := float64(v.RangeBin)*d.cfg.RangeResolution, 0
		for _, m := range ranges {
			if math.Abs(m-r) <= 0.3 {
				n++
			}
		}
		out[i] = n >= minMovingPoints
	}
	return out
}

const minMovingPoints = 3

// Bounds on what a detector keeps, so that a garbled stream cannot make
// Result slow: a vital-signs radar reports a handful of targets per frame
// and a ten-minute scan with the engine running a few hundred.
const (
	maxCounterLeap     = 1000
	maxReportsPerFrame = 64
	maxTargets         = 1000
)

func rangeOf(p radar.Point) float64 {
	x, y, z := float64(p.X), float64(p.Y), float64(p.Z)
	return math.Sqrt(x*x + y*y + z*z)
}
