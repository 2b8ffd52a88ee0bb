package contact

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Edge is one level change of an input line.
type Edge struct {
	High bool
	At   time.Time
}

// Line is a source of edges.
//
// Concurrency: Next is called from one goroutine. It blocks until the next
// edge or until ctx ends, then returns ctx.Err().
type Line interface {
	Next(ctx context.Context) (Edge, error)
}

// Observation is a settled change of a contact.
type Observation struct {
	Device string
	Open   bool
	At     time.Time // time of the edge that settled
}

// Contact drives one input.
type Contact struct {
	Device   string
	Line     Line
	Debounce time.Duration // a level must hold this long to count; default 20 ms
	// OpenLow: the contact reads low when open. The usual wiring is a
	// normally-closed loop that reads high when broken (open), so false.
	OpenLow bool
}

// Run reads edges until ctx ends and calls publish for each settled change.
// The initial state counts as closed. It returns ctx.Err() on cancellation
// or the line's error.
func (c *Contact) Run(ctx context.Context, publish func(Observation)) error {
	deb := c.Debounce
	if deb <= 0 {
		deb = 20 * time.Millisecond
	}
	open := false
	for {
		e, err := c.Line.Next(ctx)
		if err != nil {
			return c.wrap(err)
		}
		// Settle: keep taking edges until the line is quiet for deb.
		for {
			dctx, cancel := context.WithTimeout(ctx, deb)
			next, err := c.Line.Next(dctx)
			cancel()
			if err == nil {
				e = next
				continue
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				return c.wrap(err)
			}
			break
		}
		if o := e.High != c.OpenLow; o != open {
			open = o
			publish(Observation{Device: c.Device, Open: open, At: e.At})
		}
	}
}

func (c *Contact) wrap(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("contact %s: %w", c.Device, err)
}
