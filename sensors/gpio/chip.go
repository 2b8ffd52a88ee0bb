package gpio

import (
	"errors"
	"time"

	"github.com/palisade/palisade/sensors/contact"
)

// Sentinel errors.
var (
	// ErrClosed is returned by an Input whose line was closed.
	ErrClosed = errors.New("gpio: line closed")
	// ErrReadBack means the level read back from an output after setting it
	// is not the level that was set: a stuck relay driver, a wiring fault, a
	// line claimed by someone else.
	ErrReadBack = errors.New("gpio: read-back mismatch")
	// ErrNotRunning is returned by Output.Set for a pulse while the
	// output's Run is not running: nobody would end the pulse.
	ErrNotRunning = errors.New("gpio: output not running")
	// ErrInvalid is a bad configuration or request.
	ErrInvalid = errors.New("gpio: invalid")
)

// Chip opens lines. The real one is Cdev; gpiotest.Chip is the fake.
//
// Concurrency: safe for use by several goroutines.
type Chip interface {
	// Input requests offset as an input with edge detection on both edges.
	Input(offset int, o LineOptions) (RawInput, error)
	// Output requests offset as an output, driven to the physical level
	// initialHigh from the moment it is granted.
	Output(offset int, initialHigh bool, o LineOptions) (RawOutput, error)
}

// LineOptions are the per-line request options a chip understands.
type LineOptions struct {
	// Consumer is the label the kernel shows for the line (gpioinfo).
	Consumer string
	// PullUp enables the internal pull-up (dry contacts to ground).
	PullUp bool
	// KernelDebounce asks the kernel to debounce the line (Linux 5.10+).
	// Chips that cannot do it fall back to none; Input's own debounce
	// still applies. Never set it on Wiegand lines.
	KernelDebounce time.Duration
	// EventBuffer is the number of edges buffered between the kernel and
	// the reader; default 256.
	EventBuffer int
}

// RawInput is one requested input line, in physical levels.
//
// Concurrency: Edges is read by one goroutine; Level and Close may be
// called from any.
type RawInput interface {
	// Edges delivers the line's level changes in the order the kernel saw
	// them, each stamped with the time of the change. The channel is
	// closed after Close.
	Edges() <-chan contact.Edge
	// Level reads the current physical level.
	Level() (high bool, err error)
	// Close releases the line.
	Close() error
}

// RawOutput is one requested output line, in physical levels.
//
// Concurrency: safe for use by several goroutines.
type RawOutput interface {
	// Write drives the line to a physical level.
	Write(high bool) error
	// Level reads the line's level back.
	Level() (high bool, err error)
	// Close releases the line.
	Close() error
}

// Clock is the time source where timing decides behaviour: the end of a
// debounce, the end of a pulse, the end of a Wiegand frame. SystemClock is
// the real one; gpiotest.Clock is moved by hand.
type Clock interface {
	Now() time.Time
	// TimerAt fires once, when the clock reaches deadline (at once if it
	// has). A deadline rather than a duration: a fake clock moved between
	// reading Now and arming the timer must not push the deadline out.
	TimerAt(deadline time.Time) Timer
}

// Timer is a one-shot timer of a Clock.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// SystemClock returns the clock of the process (monotonic where it matters).
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// TimerAt measures on the monotonic clock when deadline carries a reading
// (times from Now and the gpio edges do).
func (systemClock) TimerAt(deadline time.Time) Timer {
	return sysTimer{time.NewTimer(time.Until(deadline))}
}

type sysTimer struct{ t *time.Timer }

func (t sysTimer) C() <-chan time.Time { return t.t.C }
func (t sysTimer) Stop() bool          { return t.t.Stop() }
