package scene

import (
	"math"
	"math/rand/v2"
	"time"
)

// sceneSpec is one entry of the catalogue.
type sceneSpec struct {
	name, desc string
	build      func(b *builder)
}

// The radar is mounted high at the front of the bay, looking down and back
// into the vehicle: the front seats are 1.2–1.7 m away, the rear footwell
// 2.0–2.8 m, the boot or cargo area 3.0–4.8 m.
var catalogue = []sceneSpec{
	{"empty", "vehicle with nobody aboard, engine off", func(b *builder) {}},
	{"driver", "driver alone, engine off", func(b *builder) {
		b.add(b.driver())
	}},
	{"driver-hidden", "driver and one person hidden and still in the rear or the boot", func(b *builder) {
		b.add(b.driver())
		b.add(b.hidden(b.hiddenSpot()))
	}},
	{"engine-running", "driver alone, engine left running", func(b *builder) {
		b.add(b.driver())
		b.engine()
	}},
	{"driver-dog", "driver and a dog", func(b *builder) {
		b.add(b.driver())
		b.add(b.dog())
	}},
	{"hidden-breath-hold", "driver and a hidden person breathing very shallowly and holding the breath in spells", func(b *builder) {
		b.add(b.driver())
		h := b.hidden(b.hiddenSpot())
		h.ChestMM = b.u(0.3, 1.0)
		h.BreathRate = b.u(8, 20)
		h.HoldsBreath = true
		b.add(h)
	}},
	{"two-hidden", "driver and two people hidden lying side by side (adjacent range bins)", func(b *builder) {
		b.add(b.driver())
		bin := b.hiddenSpot()
		b.add(b.hidden(bin))
		b.add(b.hidden(bin + 1 + b.r.IntN(3)))
	}},
	{"hidden-fidgeting-driver", "driver who keeps moving on the seat and a hidden person", func(b *builder) {
		d := b.driver()
		d.Fidgets = true
		b.add(d)
		b.add(b.hidden(b.hiddenSpot()))
	}},
	{"driver-passenger", "driver and a passenger, both declared, nobody hidden", func(b *builder) {
		d := b.driver()
		b.add(d)
		p := b.calm("passenger", d.RangeBin-2+b.r.IntN(6))
		b.add(p)
	}},
	{"driver-fidgeting", "driver alone who keeps moving on the seat", func(b *builder) {
		d := b.driver()
		d.Fidgets = true
		b.add(d)
	}},
	{"driver-dog-hidden", "driver, a declared dog and a hidden person", func(b *builder) {
		b.add(b.driver())
		b.add(b.dog())
		b.add(b.hidden(b.hiddenSpot()))
	}},
	{"hidden-child", "driver and a hidden child (fast, shallow breathing: animal-like)", func(b *builder) {
		b.add(b.driver())
		b.add(Occupant{Kind: Human, Role: "child", Hidden: true, RangeBin: b.hiddenSpot(),
			BreathRate: b.u(18, 30), HeartRate: b.u(80, 130), ChestMM: b.u(0.4, 1.5), HeartMM: b.u(0.05, 0.3)})
	}},
	{"engine-running-hidden", "driver and a hidden person, engine left running", func(b *builder) {
		b.add(b.driver())
		b.add(b.hidden(b.hiddenSpot()))
		b.engine()
	}},
	{"radar-stops", "driver and a hidden person; the radar stops sending part-way", func(b *builder) {
		b.add(b.driver())
		b.add(b.hidden(b.hiddenSpot()))
		b.stopsAfter = time.Duration(b.u(6, 12) * float64(time.Second))
	}},
	{"lossy-link", "driver and a hidden person; a third or more of the frames are lost", func(b *builder) {
		b.add(b.driver())
		b.add(b.hidden(b.hiddenSpot()))
		b.dropRate = b.u(0.3, 0.45)
	}},
}

// builder draws a scene's parameters from the seed.
type builder struct {
	s          *Scene
	r          *rand.Rand
	stopsAfter time.Duration
	dropRate   float64
}

func (b *builder) u(lo, hi float64) float64 { return lo + (hi-lo)*b.r.Float64() }

func (b *builder) bin(metres float64) int {
	return int(math.Round(metres / b.s.cfg.RangeResolution))
}

// calm is an adult sitting at rest: 10–20 breaths/min, 55–100 beats/min,
// 1–5 mm of chest movement.
func (b *builder) calm(role string, bin int) Occupant {
	return Occupant{Kind: Human, Role: role, RangeBin: bin,
		BreathRate: b.u(10, 20), HeartRate: b.u(55, 100), ChestMM: b.u(1, 5), HeartMM: b.u(0.1, 0.5)}
}

func (b *builder) driver() Occupant { return b.calm("driver", b.bin(b.u(1.2, 1.7))) }

// hidden is a frightened adult keeping still: shallower and faster
// breathing than at rest, a raised heart rate.
func (b *builder) hidden(bin int) Occupant {
	return Occupant{Kind: Human, Role: "hidden", Hidden: true, RangeBin: bin,
		BreathRate: b.u(12, 28), HeartRate: b.u(70, 120), ChestMM: b.u(0.5, 3), HeartMM: b.u(0.1, 0.5)}
}

// hiddenSpot is the rear footwell or the boot.
func (b *builder) hiddenSpot() int {
	if b.r.IntN(2) == 0 {
		return b.bin(b.u(2.0, 2.8))
	}
	return b.bin(b.u(3.0, 4.8))
}

// dog is a medium dog at rest, visible on the rear seat or in the cargo
// area: 15–35 breaths/min, 60–140 beats/min, a smaller chest movement.
func (b *builder) dog() Occupant {
	return Occupant{Kind: Animal, Role: "dog", RangeBin: b.bin(b.u(2.0, 4.5)),
		BreathRate: b.u(15, 35), HeartRate: b.u(60, 140), ChestMM: b.u(0.3, 1.5), HeartMM: b.u(0.05, 0.3)}
}

func (b *builder) add(o Occupant) {
	b.s.beings = append(b.s.beings, newBeing(b.r, b.s, o))
}

func (b *builder) engine() { b.s.engine = newEngine(b.r, b.s) }
