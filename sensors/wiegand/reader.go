package wiegand

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/palisade/palisade/sensors/contact"
	"github.com/palisade/palisade/sensors/gpio"
)

// ErrClosed is returned by Run when a data line is closed.
var ErrClosed = errors.New("wiegand: data line closed")

// Reader decodes the frames of one reader wired to two GPIO inputs.
type Reader struct {
	name   string
	d0, d1 gpio.RawInput
	clock  gpio.Clock
	log    *slog.Logger
	stats  Stats
	dec    *Decoder
	batch  []Edge
}

// NewReader returns a reader on the raw lines d0 and d1 (requested without
// debounce: pulses are 50 µs). A nil clock is the system clock; a nil
// logger discards.
func NewReader(name string, d0, d1 gpio.RawInput, t Timing, clock gpio.Clock, log *slog.Logger) *Reader {
	if clock == nil {
		clock = gpio.SystemClock()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Reader{name: name, d0: d0, d1: d1, clock: clock, log: log.With("component", "wiegand", "reader", name)}
	r.dec = NewDecoder(t, &r.stats)
	return r
}

// Stats returns the reader's counters.
func (r *Reader) Stats() *Stats { return &r.stats }

// Run decodes until ctx ends or a line is closed. Each card read is passed
// to publish; each rejected frame is logged, counted and passed to reject
// (which may be nil) as a *FrameError. Both are called from Run's
// goroutine.
//
// Edges are taken from both lines as they are delivered and fed to the
// decoder in timestamp order; the end of a frame is decided when the clock
// passes the last edge plus FrameGap, after taking every edge delivered by
// then.
func (r *Reader) Run(ctx context.Context, publish func(Frame), reject func(error)) error {
	emit := func(res Result, ok bool) {
		switch {
		case !ok:
		case res.Err != nil:
			r.log.Warn("bad frame", "err", res.Err, "stats", r.stats.Snapshot())
			if reject != nil {
				reject(res.Err)
			}
		default:
			publish(res.Frame)
		}
	}
	c0, c1 := r.d0.Edges(), r.d1.Edges()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		open := r.drain(c0, c1)
		slices.SortStableFunc(r.batch, func(a, b Edge) int { return a.At.Compare(b.At) })
		for _, e := range r.batch {
			emit(r.feed(e))
		}
		fed := len(r.batch) > 0
		r.batch = r.batch[:0]
		if !open {
			emit(r.dec.Idle(r.clock.Now()))
			return fmt.Errorf("wiegand %s: %w", r.name, ErrClosed)
		}
		if fed {
			continue
		}
		var timeout <-chan time.Time
		var timer gpio.Timer
		if dl, ok := r.dec.Deadline(); ok {
			if !r.clock.Now().Before(dl) {
				emit(r.dec.Idle(r.clock.Now()))
				continue
			}
			timer = r.clock.TimerAt(dl)
			timeout = timer.C()
		}
		var e contact.Edge
		var line Line
		var got, ok bool
		select {
		case e, ok = <-c0:
			got, line = true, D0
		case e, ok = <-c1:
			got, line = true, D1
		case <-timeout:
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		switch {
		case got && !ok:
			emit(r.dec.Idle(r.clock.Now()))
			return fmt.Errorf("wiegand %s: %w", r.name, ErrClosed)
		case got:
			r.batch = append(r.batch, Edge{Line: line, High: e.High, At: e.At})
		case ctx.Err() != nil:
			return ctx.Err()
		}
	}
}

// drain moves the edges already delivered on both lines into the batch; it
// reports false if a line is closed.
func (r *Reader) drain(c0, c1 <-chan contact.Edge) bool {
	for {
		select {
		case e, ok := <-c0:
			if !ok {
				return false
			}
			r.batch = append(r.batch, Edge{Line: D0, High: e.High, At: e.At})
			continue
		default:
		}
		select {
		case e, ok := <-c1:
			if !ok {
				return false
			}
			r.batch = append(r.batch, Edge{Line: D1, High: e.High, At: e.At})
			continue
		default:
		}
		return true
	}
}

// feed is the recover boundary: a decoder bug drops the frame in progress,
// never the node.
func (r *Reader) feed(e Edge) (res Result, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("decoder panic; frame dropped", "panic", p)
			r.dec = NewDecoder(r.dec.t, &r.stats)
			res, ok = Result{}, false
		}
	}()
	return r.dec.Edge(e)
}
