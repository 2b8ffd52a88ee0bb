package gpio

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warthog618/go-gpiocdev"
	"golang.org/x/sys/unix"

	"github.com/palisade/palisade/sensors/contact"
)

// Cdev is a GPIO chip opened through the Linux character device
// (/dev/gpiochipN) with go-gpiocdev. It implements Chip.
//
// Lines are requested in physical levels (never with the kernel's
// active-low flag): polarity is applied by Input and Output, the same way
// over this chip and over the fake, so a test of polarity tests the code
// that runs on the appliance.
type Cdev struct {
	name string
	log  *slog.Logger
}

// OpenChip checks that name ("gpiochip0" or "/dev/gpiochip0") is a GPIO
// character device and returns it. A nil logger discards.
func OpenChip(name string, log *slog.Logger) (*Cdev, error) {
	if err := gpiocdev.IsChip(name); err != nil {
		return nil, fmt.Errorf("gpio %s: %w", name, err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cdev{name: name, log: log.With("component", "gpio", "chip", name)}, nil
}

// FindLine returns the chip and offset of a line named in the device tree
// or by gpio-line-names.
func FindLine(name string) (chip string, offset int, err error) {
	return gpiocdev.FindLine(name)
}

func consumer(o LineOptions) string {
	if o.Consumer == "" {
		return "palisade"
	}
	return o.Consumer
}

// Input implements Chip. Edge timestamps come from the kernel (monotonic
// clock, Linux 5.7+) and are carried onto the process's clock, so that
// debounce and Wiegand timing measure the kernel's times, not the
// scheduler's.
func (c *Cdev) Input(offset int, o LineOptions) (RawInput, error) {
	size := o.EventBuffer
	if size <= 0 {
		size = 256
	}
	in := &cdevInput{ch: make(chan contact.Edge, size), log: c.log.With("offset", offset)}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return nil, fmt.Errorf("gpio %s:%d: clock: %w", c.name, offset, err)
	}
	in.base, in.mono0 = time.Now(), time.Duration(ts.Nano())
	opts := []gpiocdev.LineReqOption{
		gpiocdev.WithConsumer(consumer(o)),
		gpiocdev.WithBothEdges,
		gpiocdev.WithEventHandler(in.handle),
		gpiocdev.WithEventBufferSize(size),
	}
	if o.PullUp {
		opts = append(opts, gpiocdev.WithPullUp)
	}
	var l *gpiocdev.Line
	var err error
	if o.KernelDebounce > 0 {
		l, err = gpiocdev.RequestLine(c.name, offset, append(opts, gpiocdev.WithDebounce(o.KernelDebounce))...)
		if err != nil && !errors.Is(err, unix.EBUSY) {
			c.log.Warn("kernel debounce refused; debouncing in software only", "offset", offset, "err", err)
			l, err = nil, nil
		}
	}
	if l == nil && err == nil {
		l, err = gpiocdev.RequestLine(c.name, offset, opts...)
	}
	if err != nil {
		return nil, fmt.Errorf("gpio %s:%d: request input: %w", c.name, offset, err)
	}
	in.line = l
	return in, nil
}

type cdevInput struct {
	line     *gpiocdev.Line
	ch       chan contact.Edge
	base     time.Time     // process time at open
	mono0    time.Duration // kernel monotonic time at open
	log      *slog.Logger
	lastSeq  uint32
	dropped  atomic.Uint64
	once     sync.Once
	closeErr error
}

// handle runs on go-gpiocdev's watcher goroutine, which the line owns and
// Close stops. It must not block: an edge that does not fit is counted.
func (in *cdevInput) handle(ev gpiocdev.LineEvent) {
	if in.lastSeq != 0 && ev.LineSeqno > in.lastSeq+1 {
		in.drop(uint64(ev.LineSeqno - in.lastSeq - 1)) // lost in the kernel
	}
	in.lastSeq = ev.LineSeqno
	e := contact.Edge{High: ev.Type == gpiocdev.LineEventRisingEdge, At: in.base.Add(ev.Timestamp - in.mono0)}
	select {
	case in.ch <- e:
	default:
		in.drop(1)
	}
}

func (in *cdevInput) drop(n uint64) {
	if total := in.dropped.Add(n); total == n || total%1000 < n {
		in.log.Warn("edges lost: reader too slow", "dropped_total", total)
	}
}

func (in *cdevInput) Edges() <-chan contact.Edge { return in.ch }

func (in *cdevInput) Level() (bool, error) {
	v, err := in.line.Value()
	return v == 1, err
}

// Close releases the line; go-gpiocdev waits for its watcher, after which
// nothing sends on ch and it can be closed.
func (in *cdevInput) Close() error {
	in.once.Do(func() {
		in.closeErr = in.line.Close()
		close(in.ch)
	})
	return in.closeErr
}

// Output implements Chip.
func (c *Cdev) Output(offset int, initialHigh bool, o LineOptions) (RawOutput, error) {
	v := 0
	if initialHigh {
		v = 1
	}
	l, err := gpiocdev.RequestLine(c.name, offset, gpiocdev.WithConsumer(consumer(o)), gpiocdev.AsOutput(v))
	if err != nil {
		return nil, fmt.Errorf("gpio %s:%d: request output: %w", c.name, offset, err)
	}
	return cdevOutput{l}, nil
}

type cdevOutput struct{ l *gpiocdev.Line }

func (o cdevOutput) Write(high bool) error {
	v := 0
	if high {
		v = 1
	}
	return o.l.SetValue(v)
}

// Level reads the line's value. On most SoCs this samples the pad, so a
// shorted or overdriven line shows; some drivers return the last value set.
func (o cdevOutput) Level() (bool, error) {
	v, err := o.l.Value()
	return v == 1, err
}

func (o cdevOutput) Close() error { return o.l.Close() }
