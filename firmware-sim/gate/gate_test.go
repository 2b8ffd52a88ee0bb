package gate

import (
	"context"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/actuator"
)

type limits struct{ opened, closed bool }

func TestGateTravelsBetweenItsLimits(t *testing.T) {
	var seen []limits
	g := New(4*time.Second, func(o, c bool) { seen = append(seen, limits{o, c}) })
	ctx := context.Background()
	_, _ = g.Open.Set(ctx, actuator.On, 0)
	g.Step(time.Second)
	if g.Position() != 0.25 {
		t.Fatalf("after 1 s of 4: %v", g.Position())
	}
	g.Step(5 * time.Second)
	if o, c := g.Limits(); !o || c {
		t.Fatalf("not open: %v %v", o, c)
	}
	// Both inputs on: the operator does nothing.
	_, _ = g.Close.Set(ctx, actuator.On, 0)
	g.Step(time.Second)
	if g.Position() != 1 {
		t.Fatalf("moved with both inputs on: %v", g.Position())
	}
	_, _ = g.Open.Set(ctx, actuator.Off, 0)
	g.Step(4 * time.Second)
	want := []limits{{false, true}, {false, false}, {true, false}, {false, false}, {false, true}}
	if len(seen) != len(want) {
		t.Fatalf("limits seen %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("limits seen %v, want %v", seen, want)
		}
	}
}

func TestForcedGateOpensWhateverItsOperatorSays(t *testing.T) {
	g := New(2*time.Second, func(bool, bool) {})
	_, _ = g.Close.Set(context.Background(), actuator.On, 0)
	g.Force(true)
	g.Step(3 * time.Second)
	if o, _ := g.Limits(); !o {
		t.Fatal("a forced gate did not open")
	}
	// Once at the limit, the operator's close input takes over again.
	g.Step(time.Second)
	if g.Position() != 0.5 {
		t.Fatalf("after forcing: %v", g.Position())
	}
}
