package scene

import (
	"math"

	"github.com/palisade/palisade/sensors/radar"
)

// ghost is the multipath copy of the being: the same chest seen over a
// longer path (windscreen, roof, the bay's walls), weaker, with noise of
// its own, and intermittent. The firmware estimates its rates from its own
// weak signal: they follow the being's only when that signal is clear.
func (b *being) ghost(e env, f *radar.Frame, sigma float64) {
	if b.ghosting {
		if e.rng.Float64() < 1/b.ghostLen {
			b.ghosting = false
		}
	} else if e.rng.Float64() < b.ghostOn/(1-b.ghostOn)/b.ghostLen {
		b.ghosting = true
		b.ghostID = e.newID()
	}
	g := b.ghostGain
	if math.Sqrt(b.msB)*g/sigma > 1.5 && b.moving <= 0 {
		b.gbEst += (b.bRate - b.gbEst) * 0.08
	} else {
		b.gbEst = wander(e, b.gbEst, 30, 4.5, 2, 60)
	}
	if 0.7*b.truth.HeartMM*g/sigma > 1 && b.moving <= 0 {
		b.ghEst += (b.hRate - b.ghEst) * 0.1
	} else {
		b.ghEst = wander(e, b.ghEst, 115, 13, 30, 200)
	}
	if !b.ghosting || b.lost > 0 || e.rng.Float64() < b.dropP {
		return
	}
	r := b.rangeM() + b.ghostExtra
	v := radar.VitalSigns{
		ID:              b.ghostID,
		RangeBin:        binOf(r/e.res + e.n(1)),
		BreathDeviation: float32(math.Sqrt(g*g*b.msAll+sigma*sigma) * (1 + e.n(0.05))),
		BreathRate:      float32(clamp(b.gbEst+e.n(b.bSigma), 0, 80)),
		HeartRate:       float32(clamp(b.ghEst+e.n(b.hSigma), 0, 250)),
	}
	for i := range samplesPerFrame {
		v.BreathWaveform[i] = float32(g*b.clean[i] + e.n(sigma))
		v.HeartWaveform[i] = float32(g*b.cleanHeart[i] + e.n(sigma/2))
	}
	if e.rng.Float64() < b.garbleP {
		v.BreathRate, v.HeartRate = float32(e.u(0, 60)), float32(e.u(0, 220))
	}
	f.Vitals = append(f.Vitals, v)
	f.Tracks = append(f.Tracks, track(v.ID, r, b.ghostDir, 0, e.u(0.3, 0.7)))
	if e.rng.IntN(2) == 0 {
		f.Points = append(f.Points, point(e, r+e.n(0.05), b.ghostDir, 0.03, e.n(0.008)))
	}
}
