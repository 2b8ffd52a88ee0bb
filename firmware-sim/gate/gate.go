package gate

import (
	"context"
	"sync"
	"time"

	"github.com/palisade/palisade/firmware-sim/relay"
)

// Operator is one gate and its operator. Build it with New; advance it
// with Step (tests) or Run (the demo).
type Operator struct {
	// Open and Close are the operator's maintained inputs; the node's
	// executor drives them. Both on is treated as neither (the operator's
	// own interlock).
	Open, Close *relay.Relay

	travel time.Duration
	report func(opened, closed bool)

	mu       sync.Mutex
	pos      time.Duration // 0: closed … travel: open
	opened   bool
	closed   bool
	forcedTo int // +1 forced open, -1 forced closed, 0 not forced
}

// New returns a closed gate that takes travel to open or close fully.
// report is called with the limit switches whenever one changes, and once
// at the start (it must not call back into the Operator).
func New(travel time.Duration, report func(opened, closed bool)) *Operator {
	if travel <= 0 {
		travel = 8 * time.Second
	}
	o := &Operator{Open: &relay.Relay{}, Close: &relay.Relay{}, travel: travel, report: report, closed: true}
	report(false, true)
	return o
}

// Step moves the gate by dt as its inputs (or a person forcing it) say,
// and reports the limits that changed.
func (o *Operator) Step(dt time.Duration) {
	dir := 0
	switch open, cls := o.Open.On(), o.Close.On(); {
	case open && !cls:
		dir = 1
	case cls && !open:
		dir = -1
	}
	o.mu.Lock()
	if o.forcedTo != 0 {
		dir = o.forcedTo
	}
	o.pos = min(max(o.pos+time.Duration(dir)*dt, 0), o.travel)
	if o.forcedTo != 0 && (o.pos == 0 || o.pos == o.travel) {
		o.forcedTo = 0
	}
	opened, closed := o.pos == o.travel, o.pos == 0
	// A gate that went from one limit to the other within one step still
	// left the first before it reached the second.
	through := (o.opened && closed) || (o.closed && opened)
	changed := opened != o.opened || closed != o.closed
	o.opened, o.closed = opened, closed
	o.mu.Unlock()
	if through {
		o.report(false, false)
	}
	if changed {
		o.report(opened, closed)
	}
}

// Force pushes the gate open (or closed) by hand, whatever its operator is
// told, until it reaches that limit.
func (o *Operator) Force(open bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.forcedTo = -1
	if open {
		o.forcedTo = 1
	}
}

// Position is how far open the gate is, 0 (closed) to 1 (open).
func (o *Operator) Position() float64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return float64(o.pos) / float64(o.travel)
}

// Limits are the limit switches now.
func (o *Operator) Limits() (opened, closed bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.opened, o.closed
}

// Run steps the gate every tick of real time until ctx ends.
func (o *Operator) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			o.Step(now.Sub(last))
			last = now
		}
	}
}
