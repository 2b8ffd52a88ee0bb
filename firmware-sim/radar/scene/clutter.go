package scene

import (
	"math/rand/v2"

	"github.com/palisade/palisade/sensors/radar"
)

// transient is a short-lived spurious vital-signs track: the tracker
// locking for a few frames onto something that moves a little (a vibrating
// panel, noise), with rates that mean nothing and jump about.
type transient struct {
	id      uint16
	rangeM  float64
	dir     dir
	left    int
	br, hr  float64
	devMM   float64
	redrawP float64
}

func (t *transient) emit(e env, f *radar.Frame) {
	if e.rng.Float64() < t.redrawP {
		t.br, t.hr = e.u(3, 55), e.u(35, 200)
	} else {
		t.br = clamp(t.br+e.n(5), 0, 60)
		t.hr = clamp(t.hr+e.n(20), 0, 220)
	}
	v := radar.VitalSigns{
		ID:              t.id,
		RangeBin:        binOf(t.rangeM/e.res + e.n(1.5)),
		BreathDeviation: float32(t.devMM * (1 + e.n(0.3))),
		BreathRate:      float32(t.br),
		HeartRate:       float32(t.hr),
	}
	for i := range samplesPerFrame {
		v.BreathWaveform[i] = float32(e.n(t.devMM))
		v.HeartWaveform[i] = float32(e.n(t.devMM / 2))
	}
	f.Vitals = append(f.Vitals, v)
	f.Tracks = append(f.Tracks, track(t.id, t.rangeM, t.dir, 0, e.u(0.2, 0.6)))
}

// engine is a running engine: the whole body of the vehicle vibrates.
type engine struct {
	intensity float64   // 0.5 (smooth petrol idle) … 1 (rough diesel)
	vibMM     float64   // vibration reaching the occupants, RMS mm
	panels    []float64 // ranges of the vibrating surfaces, m
	dirs      []dir
	spawnP    float64 // chance per frame the tracker locks onto a panel
	spurious  []*transient
}

func newEngine(r *rand.Rand, s *Scene) *engine {
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
	en := &engine{intensity: u(0.5, 1)}
	en.vibMM = u(0.05, 0.25) * en.intensity
	en.spawnP = u(0.15, 0.45) * en.intensity
	for range 15 + r.IntN(16) {
		en.panels = append(en.panels, u(0.6, 5.5))
		en.dirs = append(en.dirs, dirOf(u(-0.6, 0.6), u(-0.45, -0.15)))
	}
	return en
}

func (en *engine) step(e env, f *radar.Frame) {
	for i, r := range en.panels {
		if e.rng.Float64() > 0.3+0.5*en.intensity {
			continue
		}
		for range 1 + e.rng.IntN(3) {
			d := clamp(e.n(0.01+0.05*en.intensity), -0.3, 0.3)
			f.Points = append(f.Points, point(e, r+e.n(0.05), en.dirs[i], 0.07, d))
		}
	}
	if len(en.spurious) < 8 && e.rng.Float64() < en.spawnP {
		p := e.rng.IntN(len(en.panels))
		en.spurious = append(en.spurious, &transient{
			id: e.newID(), rangeM: en.panels[p], dir: en.dirs[p], left: 2 + e.rng.IntN(19),
			br: e.u(3, 55), hr: e.u(35, 200), devMM: e.u(0.05, 0.6) * en.intensity, redrawP: 0.2,
		})
	}
	alive := en.spurious[:0]
	for _, t := range en.spurious {
		t.emit(e, f)
		if t.left--; t.left > 0 {
			alive = append(alive, t)
		}
	}
	en.spurious = alive
}

// clutter is what every scan has, engine or not: a few noise points and
// now and then a transient track on nothing.
type clutter struct {
	spawnP float64
	ghosts []*transient
}

func newClutter(r *rand.Rand, noise float64) clutter {
	return clutter{spawnP: (0.003 + 0.007*r.Float64()) * noise}
}

func (c *clutter) step(e env, f *radar.Frame) {
	for range e.rng.IntN(3) {
		f.Points = append(f.Points, point(e, e.u(0.5, 6), dirOf(e.u(-0.7, 0.7), e.u(-0.6, 0.2)), 0, e.n(0.3)))
	}
	if e.rng.Float64() < c.spawnP {
		c.ghosts = append(c.ghosts, &transient{
			id: e.newID(), rangeM: e.u(0.5, 5.5), dir: dirOf(e.u(-0.6, 0.6), -0.3), left: 1 + e.rng.IntN(12),
			br: e.u(2, 60), hr: e.u(30, 200), devMM: e.u(0.3, 2) * 0.04 * e.noise, redrawP: 0.1,
		})
	}
	alive := c.ghosts[:0]
	for _, t := range c.ghosts {
		t.emit(e, f)
		if t.left--; t.left > 0 {
			alive = append(alive, t)
		}
	}
	c.ghosts = alive
}
