package gpiotest

import (
	"fmt"
	"sync"

	"github.com/palisade/palisade/sensors/contact"
	"github.com/palisade/palisade/sensors/gpio"
)

// Chip is a fake gpio.Chip. Lines are created on first request; a test
// reaches them with InputLine and OutputLine, before or after the code
// under test requests them.
//
// Concurrency: safe for use by several goroutines.
type Chip struct {
	mu      sync.Mutex
	inputs  map[int]*Input
	outputs map[int]*Output
}

// NewChip returns an empty fake chip.
func NewChip() *Chip {
	return &Chip{inputs: map[int]*Input{}, outputs: map[int]*Output{}}
}

// InputLine returns the fake input at offset, idle high until told
// otherwise.
func (c *Chip) InputLine(offset int) *Input {
	c.mu.Lock()
	defer c.mu.Unlock()
	in, ok := c.inputs[offset]
	if !ok {
		in = NewInput(true)
		c.inputs[offset] = in
	}
	return in
}

// OutputLine returns the fake output at offset.
func (c *Chip) OutputLine(offset int) *Output {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, ok := c.outputs[offset]
	if !ok {
		out = NewOutput()
		c.outputs[offset] = out
	}
	return out
}

// Input implements gpio.Chip.
func (c *Chip) Input(offset int, o gpio.LineOptions) (gpio.RawInput, error) {
	in := c.InputLine(offset)
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.requested {
		return nil, fmt.Errorf("gpiotest: input %d: busy", offset)
	}
	in.requested, in.Options = true, o
	return in, nil
}

// Output implements gpio.Chip.
func (c *Chip) Output(offset int, initialHigh bool, o gpio.LineOptions) (gpio.RawOutput, error) {
	out := c.OutputLine(offset)
	out.mu.Lock()
	defer out.mu.Unlock()
	if out.requested {
		return nil, fmt.Errorf("gpiotest: output %d: busy", offset)
	}
	out.requested, out.Options, out.level = true, o, initialHigh
	return out, nil
}

// Input is a fake input line: it hands out the edges given to Push, in
// order, and reports the level of the last one.
type Input struct {
	Options gpio.LineOptions // as requested

	mu        sync.Mutex
	level     bool
	requested bool
	closed    bool
	ch        chan contact.Edge
}

// NewInput returns a free-standing fake input at the given level, with
// room for 4096 edges not yet read.
func NewInput(high bool) *Input {
	return &Input{level: high, ch: make(chan contact.Edge, 4096)}
}

// Push queues edges for the reader and moves the level. It does not block
// unless 4096 edges are waiting; it panics if the line was closed.
func (in *Input) Push(edges ...contact.Edge) {
	for _, e := range edges {
		in.mu.Lock()
		in.level = e.High
		in.mu.Unlock()
		in.ch <- e
	}
}

// SetLevel moves the level without an edge, as a line that is already in
// a state when it is requested.
func (in *Input) SetLevel(high bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.level = high
}

// Edges implements gpio.RawInput.
func (in *Input) Edges() <-chan contact.Edge { return in.ch }

// Level implements gpio.RawInput.
func (in *Input) Level() (bool, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.level, nil
}

// Close implements gpio.RawInput; the edge channel is closed.
func (in *Input) Close() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.closed {
		in.closed = true
		close(in.ch)
	}
	return nil
}

// Output is a fake output line that records the levels written to it.
type Output struct {
	Options gpio.LineOptions // as requested

	mu        sync.Mutex
	level     bool
	stuck     *bool
	writes    []bool
	requested bool
	notify    chan bool
}

// NewOutput returns a free-standing fake output, low.
func NewOutput() *Output { return &Output{notify: make(chan bool, 1024)} }

// Write implements gpio.RawOutput.
func (o *Output) Write(high bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.level = high
	o.writes = append(o.writes, high)
	select {
	case o.notify <- high:
	default:
	}
	return nil
}

// Level implements gpio.RawOutput: the level written, or the stuck level.
func (o *Output) Level() (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stuck != nil {
		return *o.stuck, nil
	}
	return o.level, nil
}

// Close implements gpio.RawOutput.
func (o *Output) Close() error { return nil }

// Stick makes the line read back high whatever is written: a welded relay,
// a dead driver, a short.
func (o *Output) Stick(high bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stuck = &high
}

// Writes returns the levels written so far, oldest first.
func (o *Output) Writes() []bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]bool(nil), o.writes...)
}

// Written delivers each level as it is written (the first 1024 unread).
func (o *Output) Written() <-chan bool { return o.notify }
