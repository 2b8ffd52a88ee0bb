package contact_test

import (
	"context"
	"testing"
	"time"

	"github.com/palisade/palisade/sensors/contact"
)

// replay is a Line that hands out edges and, after the last one, blocks.
type replay struct{ ch chan contact.Edge }

func (r replay) Next(ctx context.Context) (contact.Edge, error) {
	select {
	case e := <-r.ch:
		return e, nil
	case <-ctx.Done():
		return contact.Edge{}, ctx.Err()
	}
}

func TestBouncesSettleIntoOneChange(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	line := replay{ch: make(chan contact.Edge, 16)}
	// A door opens with three bounces, stays open, then closes cleanly.
	for i, high := range []bool{true, false, true, false, true} {
		line.ch <- contact.Edge{High: high, At: t0.Add(time.Duration(i) * time.Millisecond)}
	}
	c := &contact.Contact{Device: "a-101-door", Line: line, Debounce: 30 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan contact.Observation, 8)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, func(o contact.Observation) { got <- o }) }()
	first := <-got
	if !first.Open || first.Device != "a-101-door" || !first.At.Equal(t0.Add(4*time.Millisecond)) {
		t.Errorf("first observation %+v, want open at the last bounce", first)
	}
	line.ch <- contact.Edge{High: false, At: t0.Add(5 * time.Second)}
	if o := <-got; o.Open {
		t.Errorf("second observation %+v, want closed", o)
	}
	// A glitch that returns to the settled level publishes nothing.
	line.ch <- contact.Edge{High: true, At: t0.Add(6 * time.Second)}
	line.ch <- contact.Edge{High: false, At: t0.Add(6*time.Second + time.Millisecond)}
	select {
	case o := <-got:
		t.Errorf("glitch published %+v", o)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
}
