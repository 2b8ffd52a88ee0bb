package lifescan

import (
	"math"
	"time"
)

// Multipath: the radar sees a chest directly and again over a longer path
// (windscreen, roof, the bay's walls). The echo is farther, weaker, has
// the same rates, and moves exactly as the chest does, all the time. Two
// people breathing at about the same rate can look alike for a breath or
// two, but their breaths differ in length and depth and their phases drift
// apart; an echo never drifts. So an echo must match its source in
// (nearly) every short window of the scan, not on average; one window may
// fail, spoiled by a garbled report or a transient the cluster absorbed.
// Breathing alone is not enough: two people can fall into step for a few
// breaths (in the evaluation, 2 pairs in 400 did for 15 s), but their
// hearts do not beat together; the echo's heart waveform is its source's.
// Every condition must hold: a signature that fails any one of them counts
// as a being.
const (
	echoMaxDevRatio   = 0.8  // the echo's deviation is at most this fraction of the source's
	echoBreathDiff    = 2.0  // breaths/min between the medians, when both are measured
	echoHeartDiff     = 10.0 // beats/min between the medians, when both are measured
	echoWindowSeconds = 2.5  // window of the echo's reports
	echoMinWindows    = 4    // matching windows needed: 10 s
	echoWindowCorr    = 0.75 // correlation of the breathing waveforms for a window to match
	echoMatching      = 0.8  // fraction of the windows that must match
	echoMedianCorr    = 0.9  // correlation in the median window
	echoHeartCorr     = 0.8  // correlation of the heart waveforms over all co-reported frames
)

// source is a signature an echo may come from, indexed by frame.
type source struct {
	s   Signature
	dev float64 // median breath deviation of its still reports
	at  map[int]*report
}

func newSource(s Signature, cl *cluster) source {
	src := source{s: s, dev: medianDev(cl), at: make(map[int]*report, len(cl.reports))}
	for i := range cl.reports {
		src.at[cl.reports[i].frame] = &cl.reports[i]
	}
	return src
}

// echo reports whether far is a multipath echo of one of the nearer
// signatures. The sources must have measured breathing; far may be a
// target without rates (an echo too weak for the estimator still copies
// the waveform). Each window is compared with the source it matches best,
// because the echoes of two people sitting side by side land on the same
// range and the tracker mixes them into one target.
func (c Config) echo(far *cluster, sFar Signature, sources []source) bool {
	devFar := medianDev(far)
	var cands []*source
	breathOK, heartOK := sFar.BreathRate == 0, sFar.HeartRate == 0
	for i := range sources {
		src := &sources[i]
		if sFar.RangeBin <= src.s.RangeBin+c.BinTolerance || src.s.BreathRate == 0 || devFar > echoMaxDevRatio*src.dev {
			continue
		}
		cands = append(cands, src)
		breathOK = breathOK || math.Abs(src.s.BreathRate-sFar.BreathRate) <= echoBreathDiff
		heartOK = heartOK || src.s.HeartRate == 0 || math.Abs(src.s.HeartRate-sFar.HeartRate) <= echoHeartDiff
	}
	if len(cands) == 0 || !breathOK || !heartOK {
		return false
	}
	window := int(echoWindowSeconds * float64(time.Second) / float64(c.Period))
	var corrs, hx, hy []float64
	for start := 0; start+window <= len(far.reports); start += window {
		chunk := far.reports[start : start+window]
		best, bestSrc := math.Inf(-1), (*source)(nil)
		for _, src := range cands {
			var xs, ys []float64
			for _, r := range chunk {
				if n, ok := src.at[r.frame]; ok {
					xs = append(xs, f64(n.wave[:])...)
					ys = append(ys, f64(r.wave[:])...)
				}
			}
			if len(xs) < len(chunk)*len(chunk[0].wave)*4/5 {
				continue // the source was not reported through the window
			}
			if r := pearson(xs, ys); r > best {
				best, bestSrc = r, src
			}
		}
		if bestSrc == nil {
			continue
		}
		corrs = append(corrs, best)
		for _, r := range chunk {
			if n, ok := bestSrc.at[r.frame]; ok {
				hx = append(hx, f64(n.heart[:])...)
				hy = append(hy, f64(r.heart[:])...)
			}
		}
	}
	matching := 0
	for _, r := range corrs {
		if r >= echoWindowCorr {
			matching++
		}
	}
	return matching >= echoMinWindows && float64(matching) >= echoMatching*float64(len(corrs)) &&
		median(corrs) >= echoMedianCorr && pearson(hx, hy) >= echoHeartCorr
}

func f64(xs []float32) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

func pearson(xs, ys []float64) float64 {
	n := float64(len(xs))
	var sx, sy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
	}
	mx, my := sx/n, sy/n
	var cov, vx, vy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		cov += dx * dy
		vx += dx * dx
		vy += dy * dy
	}
	if vx == 0 || vy == 0 {
		return 0
	}
	return cov / math.Sqrt(vx*vy)
}

// medianDev is the median breath deviation of a cluster's still reports.
func medianDev(cl *cluster) float64 {
	var devs []float64
	for _, r := range cl.reports {
		if !r.moving {
			devs = append(devs, float64(r.dev))
		}
	}
	return median(devs)
}
