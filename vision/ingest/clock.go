package ingest

import "time"

// Clock is the time source of a Camera: when a stream counts as stalled,
// how long to wait before reconnecting, and the times in its Status all
// come from it. Tests substitute one they advance by hand
// (ingesttest.Clock).
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

// wallClock is the real time.
type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
