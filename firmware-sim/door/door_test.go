package door_test

import (
	"context"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/door"
	"github.com/palisade/palisade/sensors/contact"
)

// The contact driver, reading the simulated door through its bounces,
// reports exactly the openings and closings the door made (ground truth).
func TestDriverSeesTheDoorsGroundTruth(t *testing.T) {
	d := door.New(door.Scenario{MeanClosed: 60 * time.Millisecond, Open: 40 * time.Millisecond, HeldOpen: 80 * time.Millisecond, HeldEvery: 3, Seed: 42})
	drv := &contact.Contact{Device: "a-101-door", Line: d, Debounce: 8 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	var seen []contact.Observation
	got := make(chan contact.Observation, 64)
	done := make(chan struct{}, 2)
	go func() { d.Run(ctx); done <- struct{}{} }()
	go func() { _ = drv.Run(ctx, func(o contact.Observation) { got <- o }); done <- struct{}{} }()
	for len(seen) < 8 {
		select {
		case o := <-got:
			seen = append(seen, o)
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d observations", len(seen))
		}
	}
	cancel()
	<-done
	<-done
	truth := d.Truth()
	if len(truth) < len(seen) {
		t.Fatalf("driver saw %d changes, door made %d", len(seen), len(truth))
	}
	for i, o := range seen {
		if o.Open != truth[i].High || !o.At.Equal(truth[i].At) {
			t.Errorf("change %d: driver %v at %v, door %v at %v", i, o.Open, o.At, truth[i].High, truth[i].At)
		}
	}
}
