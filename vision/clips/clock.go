package clips

import "time"

// Clock is the time source of a Recorder (how long to wait for a stream
// that went silent) and of a Store (a clip's age). Tests substitute one
// they advance by hand; ingesttest.Clock fits.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

// wallClock is the real time.
type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// timescale is the clock rate of the MP4 track and of every time the
// buffer keeps: 90 kHz, as RTP's H.264 clock, so that RTP timestamps map
// to whole ticks.
const timescale = 90000

// toTicks converts a duration to 90 kHz ticks, rounding to the nearest
// tick, without overflowing for long durations.
func toTicks(d time.Duration) int64 {
	if d < 0 {
		return -toTicks(-d)
	}
	s, rest := int64(d/time.Second), int64(d%time.Second)
	return s*timescale + (rest*timescale+int64(time.Second)/2)/int64(time.Second)
}

// fromTicks converts 90 kHz ticks to a duration.
func fromTicks(t int64) time.Duration {
	if t < 0 {
		return -fromTicks(-t)
	}
	return time.Duration(t/timescale)*time.Second + time.Duration(t%timescale)*time.Second/timescale
}
