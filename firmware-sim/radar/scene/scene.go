package scene

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/palisade/palisade/sensors/radar"
)

// ErrUnknownScene is returned by New for a name that Names does not list.
var ErrUnknownScene = errors.New("scene: unknown scene")

// Config shapes a scan. The zero value of every field means its default.
type Config struct {
	Duration        time.Duration // length of the scan; default 30 s
	Period          time.Duration // frame period; default 100 ms (10 fps)
	StopsAfter      time.Duration // >0: the radar stops sending after this offset, overriding the scene
	DropRate        float64       // fraction of frames lost on the link; 0: the scene's, <0: none
	Noise           float64       // scale of measurement noise and imperfections; default 1
	RangeResolution float64       // metres per range bin; default 0.044 (3.4 GHz chirp bandwidth)
	NoMultipath     bool          // no multipath echoes of the occupants (to measure a detector without them)
}

// DefaultConfig returns the configuration used when a field is zero.
func DefaultConfig() Config {
	return Config{Duration: 30 * time.Second, Period: 100 * time.Millisecond, Noise: 1, RangeResolution: 0.044}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Duration <= 0 {
		c.Duration = d.Duration
	}
	if c.Period <= 0 {
		c.Period = d.Period
	}
	if c.Noise <= 0 {
		c.Noise = d.Noise
	}
	if c.RangeResolution <= 0 {
		c.RangeResolution = d.RangeResolution
	}
	return c
}

// Kind is what a living occupant is.
type Kind int

// Kinds of occupant.
const (
	Human Kind = iota
	Animal
)

func (k Kind) String() string {
	if k == Animal {
		return "animal"
	}
	return "human"
}

// Occupant is the ground truth about one living being in the vehicle, as
// drawn from the seed when the scene was built.
type Occupant struct {
	Kind        Kind
	Role        string  // driver, passenger, hidden, dog, child
	Hidden      bool    // not visible to the officer, not declared
	RangeBin    int     // seat position, in range bins
	BreathRate  float64 // breaths per minute at the start of the scan
	HeartRate   float64 // beats per minute at the start of the scan
	ChestMM     float64 // peak-to-peak breathing displacement, mm
	HeartMM     float64 // peak heartbeat displacement, mm
	HoldsBreath bool    // holds the breath in spells
	Fidgets     bool    // moves on the seat now and then
}

// Truth is what is really in the bay during a scene.
type Truth struct {
	Scene         string
	Description   string
	People        int // all humans, declared or not
	HiddenPeople  int // humans the officer cannot see
	Animals       int // all animals (declared: visible to the officer)
	EngineRunning bool
	StopsAfter    time.Duration // >0: the radar stops sending after this offset
	DropRate      float64       // fraction of frames lost on the link
	Occupants     []Occupant
}

// Visible returns the people and animals an honest declaration names: the
// ones the officer can see.
func (t Truth) Visible() (people, animals int) {
	return t.People - t.HiddenPeople, t.Animals
}

// Scene is one scan being generated. It is not safe for concurrent use.
type Scene struct {
	cfg    Config
	truth  Truth
	rng    *rand.Rand // frame-to-frame noise; parameters come from another stream
	beings []*being
	engine *engine
	clut   clutter
	nextID uint16

	frame0  uint32 // frame number of the radar before the scan
	cycles0 uint32
	n       int // frames generated so far, dropped ones included
	total   int
	elapsed time.Duration
	done    bool
}

// Names lists the scenes New knows, in a stable order.
func Names() []string {
	out := make([]string, len(catalogue))
	for i, s := range catalogue {
		out[i] = s.name
	}
	return out
}

// New builds the scene name from seed. The same arguments always yield the
// same frames.
func New(name string, seed int64, cfg Config) (*Scene, error) {
	var spec *sceneSpec
	for i := range catalogue {
		if catalogue[i].name == name {
			spec = &catalogue[i]
		}
	}
	if spec == nil {
		return nil, fmt.Errorf("%w %q (known: %v)", ErrUnknownScene, name, Names())
	}
	cfg = cfg.withDefaults()
	params := rand.New(rand.NewPCG(uint64(seed), 0x5ca1ab1e))
	s := &Scene{
		cfg:     cfg,
		rng:     rand.New(rand.NewPCG(uint64(seed), 0xf00dface)),
		frame0:  uint32(params.IntN(50000)),
		cycles0: params.Uint32(),
	}
	s.total = int(cfg.Duration / cfg.Period)
	b := &builder{s: s, r: params}
	spec.build(b)
	s.clut = newClutter(params, cfg.Noise)

	s.truth.Scene, s.truth.Description = spec.name, spec.desc
	s.truth.StopsAfter = b.stopsAfter
	if cfg.StopsAfter > 0 {
		s.truth.StopsAfter = cfg.StopsAfter
	}
	s.truth.DropRate = b.dropRate
	if b.dropRate == 0 {
		s.truth.DropRate = params.Float64() * 0.01 * cfg.Noise
	}
	switch {
	case cfg.DropRate < 0:
		s.truth.DropRate = 0
	case cfg.DropRate > 0:
		s.truth.DropRate = cfg.DropRate
	}
	s.truth.EngineRunning = s.engine != nil
	for _, bg := range s.beings {
		o := bg.truth
		s.truth.Occupants = append(s.truth.Occupants, o)
		if o.Kind == Human {
			s.truth.People++
			if o.Hidden {
				s.truth.HiddenPeople++
			}
		} else {
			s.truth.Animals++
		}
	}
	// The radar was running before the vehicle stopped: settle the
	// estimators for five seconds before the first frame of the scan.
	for range int(5 * time.Second / cfg.Period) {
		s.step()
	}
	return s, nil
}

// Truth returns the ground truth of the scene.
func (s *Scene) Truth() Truth {
	t := s.truth
	t.Occupants = append([]Occupant(nil), s.truth.Occupants...)
	return t
}

// Period returns the frame period.
func (s *Scene) Period() time.Duration { return s.cfg.Period }

// Elapsed returns the offset from the start of the scan of the last frame
// Next returned (the first frame is at one period).
func (s *Scene) Elapsed() time.Duration { return s.elapsed }

// Next returns the next frame the radar sends, or false when the scan has
// ended or the radar stopped sending. Lost frames are skipped: the frame
// number jumps over them.
func (s *Scene) Next() (radar.Frame, bool) {
	for !s.done {
		if s.n >= s.total {
			s.done = true
			break
		}
		s.n++
		at := time.Duration(s.n) * s.cfg.Period
		if s.truth.StopsAfter > 0 && at > s.truth.StopsAfter {
			s.done = true
			break
		}
		f := s.step()
		if s.rng.Float64() < s.truth.DropRate {
			continue
		}
		s.elapsed = at
		f.Header.FrameNumber = s.frame0 + uint32(s.n)
		f.Header.TimeCPUCycles = s.cycles0 + uint32(int64(s.n)*s.cfg.Period.Microseconds()*cpuMHz)
		return f, true
	}
	return radar.Frame{}, false
}

// cpuMHz is the clock of the radar's application processor, which stamps
// each frame in cycles (the counter wraps).
const cpuMHz = 200

func (s *Scene) newID() uint16 {
	id := s.nextID
	s.nextID++
	return id
}

// step advances the physics by one frame and returns what the radar
// reports for it.
func (s *Scene) step() radar.Frame {
	var f radar.Frame
	vib := 0.0
	if s.engine != nil {
		vib = s.engine.vibMM
	}
	env := env{rng: s.rng, noise: s.cfg.Noise, vibMM: vib, res: s.cfg.RangeResolution,
		dt: s.cfg.Period.Seconds(), newID: s.newID, noMultipath: s.cfg.NoMultipath}
	for _, b := range s.beings {
		b.step(env, &f)
	}
	if s.engine != nil {
		s.engine.step(env, &f)
	}
	s.clut.step(env, &f)
	finishHeader(&f)
	return f
}

// finishHeader fills the header fields that follow from the content. The
// lengths are those of the TLVs on the wire, without the padding some
// firmware adds; a codec that marshals the frame recomputes them anyway.
func finishHeader(f *radar.Frame) {
	present := uint32(0)
	if len(f.Tracks) > 0 {
		present = 1
	}
	f.Presence = &present
	tlvs, length := 1, radar.HeaderLen+8+4
	if len(f.Points) > 0 {
		tlvs++
		length += 8 + 16*len(f.Points)
	}
	if len(f.Tracks) > 0 {
		tlvs++
		length += 8 + 112*len(f.Tracks)
	}
	tlvs += len(f.Vitals)
	length += (8 + 136) * len(f.Vitals)
	f.Header.Version = 0x03060000
	f.Header.Platform = 0xA6843
	f.Header.NumDetectedObj = uint32(len(f.Points))
	f.Header.NumTLVs = uint32(tlvs)
	f.Header.TotalPacketLen = uint32(length)
}
