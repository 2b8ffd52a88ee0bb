package gpio

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/palisade/palisade/edge/actuator"
)

// Read-back values reported by Output.
const (
	ReadOn  = "on"
	ReadOff = "off"
)

// OutputConfig configures one relay output.
type OutputConfig struct {
	Name string // device id, e.g. "a-101-strike"
	// ActiveLow: the relay is energised by driving the line low (most
	// opto-isolated relay boards).
	ActiveLow bool
	// MaxPulse bounds a pulse; default 1 minute, as the actuator does.
	MaxPulse time.Duration
}

// Validate checks the configuration.
func (c *OutputConfig) Validate() error {
	switch {
	case c.Name == "":
		return fmt.Errorf("%w: output needs a name", ErrInvalid)
	case c.MaxPulse < 0:
		return fmt.Errorf("%w: output %s: max pulse %s", ErrInvalid, c.Name, c.MaxPulse)
	}
	return nil
}

// Output drives one relay: latched on/off, or a pulse (on for d, then off)
// ended by its Run goroutine on the Clock. Every change is followed by a
// read-back of the line; a read-back that disagrees is ErrReadBack.
//
// Run must be running for pulses: when its context ends it ends any pulse
// in progress, so a strike is never left energised by a stopping process.
// A latched On is left as it is: it was asked for until Off.
type Output struct {
	cfg   OutputConfig
	raw   RawOutput
	clock Clock
	log   *slog.Logger

	wake chan struct{} // Set → Run: the pulse deadline changed

	mu       sync.Mutex // serialises line writes and the fields below
	running  bool
	pulsing  bool
	pulseEnd time.Time

	readBackErrors atomic.Uint64
}

// NewOutput returns an output on raw. A nil clock is the system clock, a
// nil logger discards.
func NewOutput(cfg OutputConfig, raw RawOutput, clock Clock, log *slog.Logger) (*Output, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxPulse == 0 {
		cfg.MaxPulse = time.Minute
	}
	if clock == nil {
		clock = SystemClock()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Output{
		cfg: cfg, raw: raw, clock: clock, wake: make(chan struct{}, 1),
		log: log.With("component", "gpio", "output", cfg.Name),
	}, nil
}

// Set implements actuator.Output. On and Off latch; Pulse energises, and
// Run de-energises after d. The result is the read-back after the change:
// "on" or "off". A pulse whose read-back is not "on" is driven off again.
//
// Concurrency: safe; changes are serialised.
func (o *Output) Set(ctx context.Context, a actuator.Action, d time.Duration) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	switch a {
	case actuator.On, actuator.Off:
		o.pulsing = false // a latched command supersedes a pulse
		return o.drive(a == actuator.On)
	case actuator.Pulse:
		if d <= 0 || d > o.cfg.MaxPulse {
			return "", fmt.Errorf("%w: output %s: pulse of %s (want up to %s)", ErrInvalid, o.cfg.Name, d, o.cfg.MaxPulse)
		}
		if !o.running {
			return "", fmt.Errorf("output %s: %w", o.cfg.Name, ErrNotRunning)
		}
		rb, err := o.drive(true)
		if err != nil {
			// Never leave it possibly energised without an owner of the end.
			if _, offErr := o.drive(false); offErr != nil {
				o.log.Error("pulse failed and could not be driven off", "err", offErr)
			}
			o.pulsing = false
			return rb, err
		}
		o.pulsing, o.pulseEnd = true, o.clock.Now().Add(d)
		select {
		case o.wake <- struct{}{}:
		default:
		}
		return rb, nil
	default:
		return "", fmt.Errorf("%w: output %s: action %q", ErrInvalid, o.cfg.Name, a)
	}
}

// drive writes the relay state and reads it back. o.mu is held.
func (o *Output) drive(on bool) (string, error) {
	if err := o.raw.Write(on != o.cfg.ActiveLow); err != nil {
		return "", fmt.Errorf("gpio %s: write: %w", o.cfg.Name, err)
	}
	rb, err := o.readBack()
	if err != nil {
		return "", err
	}
	if want := state(on); rb != want {
		o.readBackErrors.Add(1)
		return rb, fmt.Errorf("gpio %s: set %s, read back %s: %w", o.cfg.Name, want, rb, ErrReadBack)
	}
	return rb, nil
}

func (o *Output) readBack() (string, error) {
	high, err := o.raw.Level()
	if err != nil {
		return "", fmt.Errorf("gpio %s: read back: %w", o.cfg.Name, err)
	}
	return state(high != o.cfg.ActiveLow), nil
}

func state(on bool) string {
	if on {
		return ReadOn
	}
	return ReadOff
}

// State reads the relay's state back from the line: "on" or "off".
func (o *Output) State() (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.readBack()
}

// ReadBackErrors counts the changes whose read-back disagreed.
func (o *Output) ReadBackErrors() uint64 { return o.readBackErrors.Load() }

// Run ends pulses on time until ctx ends; then it ends any pulse in
// progress and returns ctx.Err().
func (o *Output) Run(ctx context.Context) error {
	o.mu.Lock()
	o.running = true
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.running = false
		if o.pulsing {
			o.pulsing = false
			if _, err := o.drive(false); err != nil {
				o.log.Error("ending pulse at shutdown", "err", err)
			}
		}
	}()
	for {
		o.mu.Lock()
		pulsing, end := o.pulsing, o.pulseEnd
		o.mu.Unlock()
		var timeout <-chan time.Time
		var timer Timer
		if pulsing {
			if !o.clock.Now().Before(end) {
				o.endPulse(end)
				continue
			}
			timer = o.clock.TimerAt(end)
			timeout = timer.C()
		}
		select {
		case <-timeout:
		case <-o.wake:
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// endPulse drives the relay off if the pulse that ends at end is still the
// current one.
func (o *Output) endPulse(end time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.pulsing || !o.pulseEnd.Equal(end) {
		return // superseded by Set meanwhile
	}
	o.pulsing = false
	rb, err := o.drive(false)
	if err != nil {
		o.log.Error("ending pulse", "read_back", rb, "err", err)
		return
	}
	o.log.Debug("pulse ended", "read_back", rb)
}
