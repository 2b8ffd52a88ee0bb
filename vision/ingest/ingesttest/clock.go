package ingesttest

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Clock is a fake ingest.Clock: time stands still until Advance moves it,
// and After fires when Advance passes its deadline. Tests read the waits
// the code under test asked for with NextTimer.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*timer
	added  chan struct{} // closed and replaced when a timer is added
}

type timer struct {
	at time.Time
	d  time.Duration
	ch chan time.Time
}

// NewClock returns a Clock reading start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start, added: make(chan struct{})}
}

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives when Advance reaches now+d.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{at: c.now.Add(d), d: d, ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		return t.ch
	}
	c.timers = append(c.timers, t)
	sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
	close(c.added)
	c.added = make(chan struct{})
	return t.ch
}

// NextTimer waits until a timer is pending and returns the wait it was
// asked for (the earliest due, if several).
func (c *Clock) NextTimer(ctx context.Context) (time.Duration, error) {
	for {
		c.mu.Lock()
		if len(c.timers) > 0 {
			d := c.timers[0].d
			c.mu.Unlock()
			return d, nil
		}
		added := c.added
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-added:
		}
	}
}

// Advance moves the time forward by d and fires the timers due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			keep = append(keep, t)
			continue
		}
		t.ch <- c.now
	}
	c.timers = keep
}
