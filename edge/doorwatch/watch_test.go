package doorwatch

import (
	"context"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/sensors/contact"
)

type raised []alarm.Raise

func (r *raised) RaiseLocal(_ context.Context, a alarm.Raise) (alarm.Alarm, error) {
	*r = append(*r, a)
	return alarm.Alarm{}, nil
}

func TestHeldOpenRaisesOncePerOpening(t *testing.T) {
	var got raised
	w := &Watch{HeldOpenAfter: 30 * time.Second, Zones: map[string]string{"a-101-door": "a-101"}, Raiser: &got}
	t0 := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	ctx := context.Background()
	w.Observe(contact.Observation{Device: "a-101-door", Open: true, At: t0})
	if n := w.Check(ctx, t0.Add(29*time.Second)); n != 0 {
		t.Fatalf("raised after 29 s")
	}
	if n := w.Check(ctx, t0.Add(30*time.Second)); n != 1 {
		t.Fatalf("not raised after 30 s")
	}
	if n := w.Check(ctx, t0.Add(90*time.Second)); n != 0 {
		t.Errorf("raised twice for one opening")
	}
	if got[0].Kind != "door.held_open" || got[0].Zone != "a-101" || got[0].Priority != 3 {
		t.Errorf("alarm %+v", got[0])
	}
	w.Observe(contact.Observation{Device: "a-101-door", Open: false, At: t0.Add(100 * time.Second)})
	w.Observe(contact.Observation{Device: "a-101-door", Open: true, At: t0.Add(200 * time.Second)})
	if n := w.Check(ctx, t0.Add(205*time.Second)); n != 0 {
		t.Errorf("a fresh opening raised at once")
	}
	if n := w.Check(ctx, t0.Add(231*time.Second)); n != 1 {
		t.Errorf("a second long opening was not raised")
	}
}
