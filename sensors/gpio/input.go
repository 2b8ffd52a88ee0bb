package gpio

import (
	"context"
	"fmt"
	"time"

	"github.com/palisade/palisade/sensors/contact"
)

// Kind is what an input is wired to. It only selects defaults.
type Kind string

// Kinds of input.
const (
	DoorContact   Kind = "door_contact"
	RequestToExit Kind = "request_to_exit"
	Tamper        Kind = "tamper"
	Fence         Kind = "fence" // vibration sensor or taut-wire relay output
	Panic         Kind = "panic"
	VehicleLoop   Kind = "vehicle_loop"
)

// defaultDebounce per kind: mechanical contacts bounce for a few ms; a loop
// detector's relay and a tamper switch are given longer so a passing
// vibration does not count; a fence processor already integrates, so its
// relay is taken almost as is.
var defaultDebounce = map[Kind]time.Duration{
	DoorContact:   20 * time.Millisecond,
	RequestToExit: 20 * time.Millisecond,
	Tamper:        50 * time.Millisecond,
	Fence:         5 * time.Millisecond,
	Panic:         20 * time.Millisecond,
	VehicleLoop:   50 * time.Millisecond,
}

// InputConfig configures one input.
type InputConfig struct {
	Name string // device id, e.g. "a-101-door"
	Kind Kind
	// ActiveLow: the line reads low when asserted (a button to ground with
	// a pull-up). A normally-closed door loop that reads high when broken
	// is active-high.
	ActiveLow bool
	// Debounce: a level must hold this long to count; default by Kind,
	// 20 ms for an unknown kind.
	Debounce time.Duration
}

// Validate checks the configuration.
func (c *InputConfig) Validate() error {
	switch {
	case c.Name == "":
		return fmt.Errorf("%w: input needs a name", ErrInvalid)
	case c.Debounce < 0 || c.Debounce > 10*time.Second:
		return fmt.Errorf("%w: input %s: debounce %s (want 0..10s)", ErrInvalid, c.Name, c.Debounce)
	}
	return nil
}

// Observation is a settled change of an input.
type Observation struct {
	Line   string
	Kind   Kind
	Active bool
	At     time.Time // time of the edge that settled
}

// Input debounces one line.
//
// Debounce is decided on the edges' own timestamps: an edge settles when
// the next edge comes at least Debounce after it, or, for the last edge,
// when the Clock reaches its time plus Debounce with no earlier edge
// waiting. Replaying the same edges therefore gives the same observations,
// however late they are read.
type Input struct {
	cfg   InputConfig
	raw   RawInput
	clock Clock

	initial       *contact.Edge // active at start, not yet reported
	initialActive bool          // the level when opened
	settled       bool          // active state last reported
	pending       *contact.Edge // last edge not yet settled, in active terms
}

// NewInput returns an input on raw. A nil clock is the system clock.
func NewInput(cfg InputConfig, raw RawInput, clock Clock) (*Input, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Debounce == 0 {
		cfg.Debounce = defaultDebounce[cfg.Kind]
		if cfg.Debounce == 0 {
			cfg.Debounce = 20 * time.Millisecond
		}
	}
	if clock == nil {
		clock = SystemClock()
	}
	// The level is read now, right after the line was requested, so that
	// edges queued from then on apply to it.
	high, err := raw.Level()
	if err != nil {
		return nil, fmt.Errorf("gpio %s: level: %w", cfg.Name, err)
	}
	in := &Input{cfg: cfg, raw: raw, clock: clock, initialActive: high != cfg.ActiveLow}
	if high != cfg.ActiveLow {
		in.initial = &contact.Edge{High: true, At: clock.Now()}
	}
	return in, nil
}

// Config returns the input's configuration, defaults applied.
func (in *Input) Config() InputConfig { return in.cfg }

// Initial is the level read when the input was opened (true: active).
// Run and Next report it first only when it is active; a caller that needs
// to know the level from the start reads it here.
func (in *Input) Initial() bool { return in.initialActive }

// Next implements contact.Line: it blocks until the next settled change and
// returns it with High meaning active. If the line was active when NewInput
// read it, the first change is that, stamped with the clock's time then.
//
// Concurrency: one goroutine; Next and Run are not to be mixed.
func (in *Input) Next(ctx context.Context) (contact.Edge, error) {
	if e := in.initial; e != nil {
		in.initial, in.settled = nil, true
		return *e, nil
	}
	edges := in.raw.Edges()
	for {
		// Edges already delivered come first: they may precede the
		// pending edge's deadline.
		select {
		case e, ok := <-edges:
			if !ok {
				return contact.Edge{}, fmt.Errorf("gpio %s: %w", in.cfg.Name, ErrClosed)
			}
			if s, ok := in.take(e); ok {
				return s, nil
			}
			continue
		default:
		}
		var timeout <-chan time.Time
		var timer Timer
		if in.pending != nil {
			deadline := in.pending.At.Add(in.cfg.Debounce)
			if !in.clock.Now().Before(deadline) {
				if s, ok := in.settle(); ok {
					return s, nil
				}
				continue
			}
			timer = in.clock.TimerAt(deadline)
			timeout = timer.C()
		}
		var e contact.Edge
		var got, open bool
		select {
		case e, open = <-edges:
			got = true
		case <-timeout:
			// Loop: drain what came meanwhile, then decide.
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		switch {
		case got && !open:
			return contact.Edge{}, fmt.Errorf("gpio %s: %w", in.cfg.Name, ErrClosed)
		case got:
			if s, ok := in.take(e); ok {
				return s, nil
			}
		case ctx.Err() != nil:
			return contact.Edge{}, ctx.Err()
		}
	}
}

// take handles one raw edge. It settles the pending edge if this one came
// at least Debounce after it, and makes this one pending.
func (in *Input) take(raw contact.Edge) (contact.Edge, bool) {
	e := contact.Edge{High: raw.High != in.cfg.ActiveLow, At: raw.At}
	var out contact.Edge
	var changed bool
	if in.pending != nil && e.At.Sub(in.pending.At) >= in.cfg.Debounce {
		out, changed = in.settle()
	}
	in.pending = &e
	return out, changed
}

// settle makes the pending edge the settled state; ok if that is a change.
func (in *Input) settle() (contact.Edge, bool) {
	p := in.pending
	in.pending = nil
	if p.High == in.settled {
		return contact.Edge{}, false
	}
	in.settled = p.High
	return *p, true
}

// Run reads the line until ctx ends and publishes each settled change. It
// returns ctx.Err() on cancellation, or the line's error.
func (in *Input) Run(ctx context.Context, publish func(Observation)) error {
	for {
		e, err := in.Next(ctx)
		if err != nil {
			return err
		}
		publish(Observation{Line: in.cfg.Name, Kind: in.cfg.Kind, Active: e.High, At: e.At})
	}
}
