package scene

import (
	"math"
	"math/rand/v2"

	"github.com/palisade/palisade/sensors/radar"
)

// samplesPerFrame is the length of the waveforms in a vital-signs report.
const samplesPerFrame = 15

// env is what a model needs from the scene for one frame.
type env struct {
	rng   *rand.Rand
	noise float64 // Config.Noise
	vibMM float64 // engine vibration reaching the seats, RMS mm (0: engine off)
	res   float64 // metres per range bin
	dt    float64 // frame period, seconds
	newID func() uint16

	noMultipath bool
}

func (e env) n(sigma float64) float64 { return e.rng.NormFloat64() * sigma }

func (e env) u(lo, hi float64) float64 { return lo + (hi-lo)*e.rng.Float64() }

// being is a living occupant: a chest that breathes, a heart that beats,
// and what the radar's tracker and vital-signs estimator make of them.
type being struct {
	truth    Occupant
	dir      dir     // direction from the radar
	ghostDir dir     // direction of its multipath echo
	seat     float64 // range of the seat, m
	offset   float64 // displacement from the seat while fidgeting, m
	id       uint16
	bRate    float64 // true breathing rate, /min (drifts)
	hRate    float64 // true heart rate, /min (drifts)
	bPhase   float64
	hPhase   float64
	amp      float64 // current peak-to-peak breath, mm
	breathMM float64 // amplitude of the present breath (varies breath to breath)
	cycle    float64 // rate factor of the present breath (breath intervals vary)
	holding  bool
	spell    float64 // seconds left of the current breathe or hold spell
	moving   float64 // seconds left of the current movement
	vel      float64 // radial speed while moving, m/s
	calmFor  float64 // seconds until the next movement
	msB      float64 // recent power of the breathing movement alone, mm²
	msAll    float64 // recent power of everything in the breathing band, mm²
	bEst     float64 // the estimator's breathing rate
	hEst     float64 // the estimator's heart rate
	lost     int     // frames left of a lost track

	// imperfections, drawn per being
	noiseMM, bSigma, hSigma        float64
	dropP, lossP, garbleP, reidP   float64
	ghostExtra, ghostGain, ghostOn float64
	ghostLen                       float64
	ghostID                        uint16
	ghosting                       bool
	gbEst, ghEst                   float64 // the estimator's rates at the ghost's range

	// this frame's chest movement without noise, which the ghost shares
	clean, cleanHeart [samplesPerFrame]float64
}

func newBeing(r *rand.Rand, s *Scene, o Occupant) *being {
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
	nz := s.cfg.Noise
	b := &being{
		truth: o, seat: float64(o.RangeBin) * s.cfg.RangeResolution,
		bRate: o.BreathRate, hRate: o.HeartRate, bEst: o.BreathRate, hEst: o.HeartRate,
		bPhase: u(0, 2*math.Pi), hPhase: u(0, 2*math.Pi), amp: o.ChestMM, breathMM: o.ChestMM, cycle: 1,
		noiseMM: u(0.02, 0.06) * nz, bSigma: u(0.3, 1.2) * nz, hSigma: u(2, 5) * nz,
		dropP: math.Min(u(0.01, 0.06)*nz, 0.3), lossP: math.Min(u(0.002, 0.008)*nz, 0.05),
		garbleP: math.Min(u(0.01, 0.04)*nz, 0.3), reidP: u(0.001, 0.004),
		ghostExtra: u(0.35, 1.1), ghostGain: u(0.15, 0.5), ghostOn: u(0.05, 0.35), ghostLen: u(10, 40),
		id: s.newID(),
	}
	b.gbEst, b.ghEst = u(5, 40), u(40, 150)
	az, el := u(-0.45, 0.45), u(-0.5, -0.2)
	switch o.Role {
	case "driver":
		az = u(-0.35, -0.15)
	case "passenger":
		az = u(0.15, 0.35)
	}
	b.dir, b.ghostDir = dirOf(az, el), dirOf(az+0.2, el)
	b.spell = u(2, 8)
	b.calmFor = u(1, 6)
	return b
}

// step advances the being by one frame and appends what the radar reports
// about it to f.
func (b *being) step(e env, f *radar.Frame) {
	dtS := e.dt / samplesPerFrame
	const tau = 4.0 // seconds of the estimator's deviation window
	alpha := dtS / tau
	sigma := math.Hypot(b.noiseMM, e.vibMM)

	// Slow drift of the true rates, pulled back towards the starting rate.
	b.bRate += e.n(0.03) + 0.01*(b.truth.BreathRate-b.bRate)
	b.hRate += e.n(0.15) + 0.01*(b.truth.HeartRate-b.hRate)

	if b.truth.Fidgets {
		b.fidget(e)
	}
	var bw, hw [samplesPerFrame]float32
	for i := range samplesPerFrame {
		if b.truth.HoldsBreath {
			b.spell -= dtS
			if b.spell <= 0 {
				b.holding = !b.holding
				if b.holding {
					b.spell = e.u(8, 20)
				} else {
					b.spell = e.u(4, 10)
				}
			}
		}
		target := b.breathMM
		if b.holding {
			target = 0
		}
		b.amp += (target - b.amp) * dtS / 0.8 // the chest settles in about a second
		prev := b.bPhase
		b.bPhase = wrap(b.bPhase + 2*math.Pi*b.bRate*b.cycle/60*dtS)
		if b.bPhase < prev { // a new breath: its depth and length vary
			b.breathMM = b.truth.ChestMM * math.Max(0.3, 1+e.n(0.15))
			b.cycle = math.Max(0.6, 1+e.n(0.12))
		}
		b.hPhase = wrap(b.hPhase + 2*math.Pi*b.hRate/60*dtS)
		// Inhalation is quicker than exhalation: a second harmonic skews it.
		sb, cb := math.Sincos(b.bPhase)
		sh, ch := math.Sincos(b.hPhase)
		breath := b.amp * (-0.5*cb + 0.24*sb*cb) // sin 2φ = 2 sin φ cos φ
		heart := b.truth.HeartMM * (sh + 0.8*sh*ch) / 1.08
		noise := e.n(sigma)
		motion := 0.0
		if b.moving > 0 {
			motion = e.n(math.Abs(b.vel) * 40)
		}
		b.msB += (breath*breath - b.msB) * alpha
		all := breath + noise + motion
		b.msAll += (all*all - b.msAll) * alpha
		bw[i] = float32(all)
		hw[i] = float32(heart + 0.5*noise + 0.1*breath + 0.2*motion)
		b.clean[i], b.cleanHeart[i] = breath+motion, heart+0.1*breath+0.2*motion
	}
	b.estimate(e, sigma)

	if b.report(e) {
		b.emit(e, f, bw, hw)
	}
	if !e.noMultipath {
		b.ghost(e, f, sigma)
	}
}

// fidget moves the body now and then: up to 15 cm off the seat at
// 0.15–0.8 m/s, for half a second to two seconds.
func (b *being) fidget(e env) {
	if b.moving > 0 {
		b.moving -= e.dt
		b.offset += b.vel * e.dt
		if math.Abs(b.offset) > 0.15 {
			b.vel = -b.vel
		}
		if b.moving <= 0 {
			b.vel = 0
			b.calmFor = e.u(1, 8)
		}
		return
	}
	b.calmFor -= e.dt
	if b.calmFor <= 0 {
		b.moving = e.u(0.4, 2)
		b.vel = e.u(0.15, 0.8)
		if e.rng.IntN(2) == 0 {
			b.vel = -b.vel
		}
	}
}

// estimate updates the rates the firmware would report: they follow the
// truth while the signal stands above the noise and the body is still, and
// wander otherwise.
func (b *being) estimate(e env, sigma float64) {
	if math.Sqrt(b.msB)/sigma > 1.5 && b.moving <= 0 {
		b.bEst += (b.bRate - b.bEst) * 0.08
	} else {
		b.bEst = wander(e, b.bEst, 30, 4.5, 2, 60)
	}
	if b.moving > 0 {
		b.bEst = wander(e, b.bEst, 30, 6, 2, 60)
		b.hEst = wander(e, b.hEst, 115, 20, 30, 200)
		return
	}
	if 0.7*b.truth.HeartMM/sigma > 1 {
		b.hEst += (b.hRate - b.hEst) * 0.1
	} else {
		b.hEst = wander(e, b.hEst, 115, 13, 30, 200)
	}
}

// report decides whether the tracker reports the being in this frame:
// single dropped frames, lost tracks of a second or two, re-numbered tracks.
func (b *being) report(e env) bool {
	if b.lost > 0 {
		b.lost--
		if b.lost == 0 && e.rng.IntN(2) == 0 {
			b.id = e.newID()
		}
		return false
	}
	if e.rng.Float64() < b.lossP {
		b.lost = 3 + e.rng.IntN(18)
		return false
	}
	if e.rng.Float64() < b.reidP {
		b.id = e.newID()
	}
	return e.rng.Float64() >= b.dropP
}

func (b *being) rangeM() float64 { return b.seat + b.offset }

func (b *being) emit(e env, f *radar.Frame, bw, hw [samplesPerFrame]float32) {
	r := b.rangeM()
	v := radar.VitalSigns{
		ID:              b.id,
		RangeBin:        binOf(r/e.res + e.n(0.5)),
		BreathDeviation: float32(math.Sqrt(b.msAll) * (1 + e.n(0.05))),
		BreathRate:      float32(clamp(b.bEst+e.n(b.bSigma), 0, 80)),
		HeartRate:       float32(clamp(b.hEst+e.n(b.hSigma), 0, 250)),
		BreathWaveform:  bw,
		HeartWaveform:   hw,
	}
	garble := b.garbleP
	if e.vibMM > 0 {
		garble += 0.15
	}
	if e.rng.Float64() < garble {
		v.BreathRate = float32(e.u(0, 60))
		v.HeartRate = float32(e.u(0, 220))
		v.BreathDeviation = float32(e.u(0, 1))
	}
	f.Vitals = append(f.Vitals, v)
	f.Tracks = append(f.Tracks, track(b.id, r, b.dir, b.vel, e.u(0.6, 0.99)))
	n := e.rng.IntN(4)
	if b.moving > 0 {
		n = 5 + e.rng.IntN(10)
	}
	for range n {
		d := e.n(0.008)
		if b.moving > 0 {
			d = b.vel + e.n(0.15)
		}
		f.Points = append(f.Points, point(e, r+e.n(0.04), b.dir, 0.05, d))
	}
}

// wander is an estimator fed with noise: the spectral peak it picks
// roams the whole band, each estimate near the last because successive
// windows overlap (a mean-reverting walk, spread about σ/0.4).
func wander(e env, x, mid, sigma, lo, hi float64) float64 {
	return clamp(x+0.08*(mid-x)+e.n(sigma), lo, hi)
}

// wrap keeps a phase advanced by less than a turn within [0, 2π).
func wrap(phase float64) float64 {
	if phase >= 2*math.Pi {
		phase -= 2 * math.Pi
	}
	return phase
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

func binOf(x float64) uint16 { return uint16(clamp(math.Round(x), 0, 1023)) }

// dir is a unit vector from the radar: y along its boresight, z up.
type dir struct{ x, y, z float64 }

func dirOf(az, el float64) dir {
	return dir{math.Sin(az) * math.Cos(el), math.Cos(az) * math.Cos(el), math.Sin(el)}
}

// point is a detected point at range r in direction d, scattered across
// the beam by spread radians.
func point(e env, r float64, d dir, spread, doppler float64) radar.Point {
	return radar.Point{
		X:       float32(r*d.x + e.n(spread*r)),
		Y:       float32(r * d.y),
		Z:       float32(r*d.z + e.n(spread*r)),
		Doppler: float32(doppler),
	}
}

func track(id uint16, r float64, d dir, radialVel, confidence float64) radar.Track {
	t := radar.Track{ID: uint32(id), Gain: 1, Confidence: float32(confidence)}
	t.Pos = [3]float32{float32(r * d.x), float32(r * d.y), float32(r * d.z)}
	t.Vel = [3]float32{float32(radialVel * d.x), float32(radialVel * d.y), float32(radialVel * d.z)}
	for i := 0; i < 16; i += 5 {
		t.ErrCov[i] = 0.01 // diagonal
	}
	return t
}
