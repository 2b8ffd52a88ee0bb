package wiegand_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/palisade/palisade/sensors/gpio/gpiotest"
	"github.com/palisade/palisade/sensors/wiegand"
)

var t0 = time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)

// Two cards and a corrupted read between them, pushed as two separate
// edge streams (D0 entirely before D1, as two lines' goroutines might
// deliver them), decoded by the reader on a fake clock.
func TestReaderOverTwoLines(t *testing.T) {
	chip := gpiotest.NewChip()
	clk := gpiotest.NewClock(t0)
	d0, d1 := chip.InputLine(0), chip.InputLine(1)
	r := wiegand.NewReader("a-101-reader", d0, d1, wiegand.DefaultTiming(), clk, nil)

	a, _ := wiegand.Encode(wiegand.H10301, 101, 4095, t0, wiegand.DefaultWire())
	bad, _ := wiegand.Encode(wiegand.H10301, 1, 2, t0.Add(200*time.Millisecond), wiegand.DefaultWire())
	bad[7].One = !bad[7].One // parity
	b, _ := wiegand.Encode(wiegand.H10306, 40000, 65000, t0.Add(400*time.Millisecond), wiegand.DefaultWire())
	e0, e1 := wiegand.LineEdges(append(append(a, bad...), b...))
	d0.Push(e0...)
	d1.Push(e1...)

	frames := make(chan wiegand.Frame, 8)
	rejects := make(chan error, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- r.Run(ctx, func(f wiegand.Frame) { frames <- f }, func(err error) { rejects <- err })
	}()
	clk.Set(t0.Add(time.Second))

	for _, w := range []struct {
		format         string
		facility, card uint32
	}{{"H10301", 101, 4095}, {"H10306", 40000, 65000}} {
		select {
		case f := <-frames:
			if f.Format != w.format || f.Facility != w.facility || f.Card != w.card {
				t.Errorf("frame %+v, want %s %d/%d", f, w.format, w.facility, w.card)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no frame")
		}
	}
	select {
	case err := <-rejects:
		if !errors.Is(err, wiegand.ErrParity) {
			t.Errorf("rejected %v, want a parity error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no rejection")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	if s := r.Stats().Snapshot(); s["frames"] != 2 || s["parity"] != 1 {
		t.Errorf("stats %v", s)
	}
}

// The last frame ends when the clock passes its last edge plus the gap,
// not before.
func TestReaderEndsFrameOnTheClock(t *testing.T) {
	clk := gpiotest.NewClock(t0)
	d0, d1 := gpiotest.NewInput(true), gpiotest.NewInput(true)
	r := wiegand.NewReader("gate-reader", d0, d1, wiegand.DefaultTiming(), clk, nil)
	ps, _ := wiegand.Encode(wiegand.H10301, 9, 999, t0, wiegand.DefaultWire())
	e0, e1 := wiegand.LineEdges(ps)
	d0.Push(e0...)
	d1.Push(e1...)
	frames := make(chan wiegand.Frame, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, func(f wiegand.Frame) { frames <- f }, nil) }()
	end := ps[len(ps)-1].At.Add(ps[len(ps)-1].Width + 25*time.Millisecond)
	for clk.Timers() == 0 {
		time.Sleep(time.Millisecond) // until Run waits on its end-of-frame timer
	}
	clk.Set(end.Add(-time.Microsecond))
	select {
	case f := <-frames:
		t.Fatalf("frame %+v before the gap", f)
	case <-time.After(20 * time.Millisecond):
	}
	clk.Set(end)
	select {
	case f := <-frames:
		if f.Card != 999 {
			t.Errorf("frame %+v", f)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no frame at the gap")
	}
	cancel()
	<-done
}

func TestReaderStopsOnClosedLine(t *testing.T) {
	d0, d1 := gpiotest.NewInput(true), gpiotest.NewInput(true)
	r := wiegand.NewReader("x", d0, d1, wiegand.DefaultTiming(), gpiotest.NewClock(t0), nil)
	d1.Close()
	if err := r.Run(context.Background(), func(wiegand.Frame) {}, nil); !errors.Is(err, wiegand.ErrClosed) {
		t.Errorf("Run returned %v, want ErrClosed", err)
	}
}
