package scenario

import (
	"sync"
	"time"
)

// Clock is a scenario clock a test sets by hand: the simulator asks it
// who is in view, the driver under test stamps its events with it. Safe
// for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// Scaled returns a clock that starts at start now and runs factor times
// faster than the wall clock: a demo plays an hour in six minutes at 10.
// Keep factor small enough that an antenna still runs a few rounds while
// a person is in its field (Approach of scenario time).
func Scaled(start time.Time, factor float64) func() time.Time {
	t0 := time.Now()
	return func() time.Time {
		return start.Add(time.Duration(float64(time.Since(t0)) * factor))
	}
}
