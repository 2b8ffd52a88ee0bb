package wiegand

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// Reasons a frame is rejected. Each bad frame is counted under the first
// that applies, in this order: timing first (the bits cannot be trusted),
// then length, then parity.
var (
	ErrPulseShort = errors.New("wiegand: pulse too short")
	ErrPulseLong  = errors.New("wiegand: pulse too long") // or a line held low at the end of the frame
	ErrInterval   = errors.New("wiegand: bits too close together")
	ErrBothLines  = errors.New("wiegand: pulses on both lines at once")
	ErrTruncated  = errors.New("wiegand: frame cut short") // fewer bits than the shortest format
	ErrLength     = errors.New("wiegand: unsupported frame length")
	ErrParity     = errors.New("wiegand: parity error")
)

// Line is D0 or D1.
type Line uint8

// The two data lines.
const (
	D0 Line = 0 // a low pulse is a 0
	D1 Line = 1 // a low pulse is a 1
)

// Edge is a level change of one of the two lines.
type Edge struct {
	Line Line
	High bool
	At   time.Time
}

// Timing bounds what the decoder accepts.
type Timing struct {
	MinPulse, MaxPulse time.Duration // width of a low pulse
	MinInterval        time.Duration // start to start of consecutive bits
	FrameGap           time.Duration // silence that ends a frame
}

// DefaultTiming is PROTOCOLS.md's: pulses 20–100 µs, bits at least 200 µs
// apart, 25 ms of silence between frames. Bits up to FrameGap apart are
// accepted (the stated maximum interval is 20 ms; readers that are slower
// than that but faster than the gap lose nothing by it).
func DefaultTiming() Timing {
	return Timing{MinPulse: 20 * time.Microsecond, MaxPulse: 100 * time.Microsecond, MinInterval: 200 * time.Microsecond, FrameGap: 25 * time.Millisecond}
}

// FrameError is a rejected frame: the reason (one of the sentinels, for
// errors.Is), and what was received.
type FrameError struct {
	Reason error
	Bits   int    // pulses received
	Raw    uint64 // their value, first bit most significant (the first 64)
	At     time.Time
	Detail string
}

func (e *FrameError) Error() string {
	return fmt.Sprintf("%v: %d bits %#x at %s: %s", e.Reason, e.Bits, e.Raw, e.At.Format(time.RFC3339Nano), e.Detail)
}

func (e *FrameError) Unwrap() error { return e.Reason }

// Result is a decoded frame or the reason it was rejected.
type Result struct {
	Frame Frame
	Err   error // a *FrameError
}

// Stats counts frames. Safe for concurrent reads while a reader counts.
type Stats struct {
	Frames                               atomic.Uint64 // decoded
	PulseShort, PulseLong, Interval      atomic.Uint64
	BothLines, Truncated, Length, Parity atomic.Uint64
}

func (s *Stats) count(err error) {
	for _, c := range []struct {
		err error
		n   *atomic.Uint64
	}{{ErrPulseShort, &s.PulseShort}, {ErrPulseLong, &s.PulseLong}, {ErrInterval, &s.Interval},
		{ErrBothLines, &s.BothLines}, {ErrTruncated, &s.Truncated}, {ErrLength, &s.Length}, {ErrParity, &s.Parity}} {
		if errors.Is(err, c.err) {
			c.n.Add(1)
			return
		}
	}
}

// Snapshot returns the counters by stable snake_case name, for metrics and
// logs: frames, and bad frames by reason.
func (s *Stats) Snapshot() map[string]uint64 {
	return map[string]uint64{
		"frames": s.Frames.Load(), "pulse_short": s.PulseShort.Load(), "pulse_long": s.PulseLong.Load(),
		"interval": s.Interval.Load(), "both_lines": s.BothLines.Load(), "truncated": s.Truncated.Load(),
		"length": s.Length.Load(), "parity": s.Parity.Load(),
	}
}

type pulse struct {
	line  Line
	start time.Time
	width time.Duration
}

// maxPulses bounds a frame: longer ones are rejected without growing.
const maxPulses = 128

// Decoder turns the edges of D0 and D1 into frames. It keeps no clock:
// Edge decides on the edges' timestamps, Idle on the time it is given.
//
// Edges should come in timestamp order across both lines (Reader merges
// them); within a frame, pulses are put in order by their start anyway.
//
// Concurrency: one goroutine.
type Decoder struct {
	t      Timing
	stats  *Stats
	low    [2]bool
	lowAt  [2]time.Time
	pulses []pulse
	over   int // pulses beyond maxPulses
	active bool
	last   time.Time // latest edge of the frame
}

// NewDecoder returns a decoder counting into stats (which may be nil).
func NewDecoder(t Timing, stats *Stats) *Decoder {
	if stats == nil {
		stats = new(Stats)
	}
	return &Decoder{t: t, stats: stats}
}

// Edge takes one edge. If it comes FrameGap or more after the last one, the
// frame before it is complete and is returned.
func (d *Decoder) Edge(e Edge) (r Result, done bool) {
	if e.Line > D1 {
		return Result{}, false
	}
	if d.active && e.At.Sub(d.last) >= d.t.FrameGap {
		r, done = d.finish()
	}
	d.active = true
	if e.At.After(d.last) || d.last.IsZero() {
		d.last = e.At
	}
	switch {
	case !e.High && !d.low[e.Line]:
		d.low[e.Line], d.lowAt[e.Line] = true, e.At
	case e.High && d.low[e.Line]:
		d.low[e.Line] = false
		if len(d.pulses) < maxPulses {
			d.pulses = append(d.pulses, pulse{line: e.Line, start: d.lowAt[e.Line], width: e.At.Sub(d.lowAt[e.Line])})
		} else {
			d.over++
		}
	}
	// A repeated level is a lost edge or noise; the level it states holds.
	return r, done
}

// Deadline is when Idle would end the frame in progress.
func (d *Decoder) Deadline() (time.Time, bool) {
	return d.last.Add(d.t.FrameGap), d.active
}

// Idle ends the frame in progress if now is FrameGap or more after its last
// edge.
func (d *Decoder) Idle(now time.Time) (Result, bool) {
	if !d.active || now.Sub(d.last) < d.t.FrameGap {
		return Result{}, false
	}
	return d.finish()
}

func (d *Decoder) finish() (Result, bool) {
	ps, over, stuck := d.pulses, d.over, d.low[D0] || d.low[D1]
	at := d.lowAt[D0]
	if d.low[D1] && (!d.low[D0] || d.lowAt[D1].Before(at)) {
		at = d.lowAt[D1]
	}
	d.pulses, d.over, d.active, d.low = d.pulses[:0], 0, false, [2]bool{}
	if len(ps) == 0 && !stuck {
		return Result{}, false // stray rising edges only: nothing was sent
	}
	slices.SortStableFunc(ps, func(a, b pulse) int { return a.start.Compare(b.start) })
	var raw uint64
	for _, p := range ps {
		raw <<= 1
		if p.line == D1 {
			raw |= 1
		}
	}
	n := len(ps) + over
	if len(ps) > 0 {
		at = ps[0].start
	}
	fail := func(reason error, format string, args ...any) (Result, bool) {
		err := &FrameError{Reason: reason, Bits: n, Raw: raw, At: at, Detail: fmt.Sprintf(format, args...)}
		d.stats.count(err)
		return Result{Err: err}, true
	}
	if stuck {
		return fail(ErrPulseLong, "a line still low %s after the last edge", d.t.FrameGap)
	}
	for i, p := range ps {
		switch {
		case p.width < d.t.MinPulse:
			return fail(ErrPulseShort, "bit %d on D%d: %s (min %s)", i+1, p.line, p.width, d.t.MinPulse)
		case p.width > d.t.MaxPulse:
			return fail(ErrPulseLong, "bit %d on D%d: %s (max %s)", i+1, p.line, p.width, d.t.MaxPulse)
		}
		if i == 0 {
			continue
		}
		prev := ps[i-1]
		if gap := p.start.Sub(prev.start); gap < prev.width && p.line != prev.line {
			return fail(ErrBothLines, "bit %d on D%d starts %s into bit %d on D%d", i+1, p.line, gap, i, prev.line)
		} else if gap < d.t.MinInterval {
			return fail(ErrInterval, "bits %d and %d %s apart (min %s)", i, i+1, gap, d.t.MinInterval)
		}
	}
	shortest := Formats[0].Bits
	for _, f := range Formats {
		shortest = min(shortest, f.Bits)
	}
	if n < shortest {
		return fail(ErrTruncated, "%d bits, the shortest format has %d", n, shortest)
	}
	f, ok := formatFor(n)
	if !ok {
		return fail(ErrLength, "no format of %d bits", n)
	}
	fr, err := f.Unpack(raw)
	if err != nil {
		return fail(ErrParity, "%s: %v", f.Name, err)
	}
	fr.At = at
	d.stats.Frames.Add(1)
	return Result{Frame: fr}, true
}
