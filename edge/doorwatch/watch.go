package doorwatch

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/sensors/contact"
)

// Raiser is the alarm core as this rule needs it.
type Raiser interface {
	RaiseLocal(ctx context.Context, r alarm.Raise) (alarm.Alarm, error)
}

// Watch tracks open doors.
type Watch struct {
	HeldOpenAfter time.Duration     // default 30 s
	Zones         map[string]string // device → zone, for the alarm
	Raiser        Raiser

	mu     sync.Mutex
	open   map[string]time.Time // device → opened at
	raised map[string]bool      // held-open already raised for this opening
}

func (w *Watch) init() {
	if w.open == nil {
		w.open, w.raised = map[string]time.Time{}, map[string]bool{}
	}
	if w.HeldOpenAfter <= 0 {
		w.HeldOpenAfter = 30 * time.Second
	}
}

// Observe records a settled change of a door contact.
func (w *Watch) Observe(o contact.Observation) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.init()
	if o.Open {
		if _, ok := w.open[o.Device]; !ok {
			w.open[o.Device] = o.At
		}
		return
	}
	delete(w.open, o.Device)
	delete(w.raised, o.Device)
}

// Check raises a held-open alarm for every door open for HeldOpenAfter at
// now, once per opening. It returns how many it raised.
func (w *Watch) Check(ctx context.Context, now time.Time) int {
	w.mu.Lock()
	w.init()
	var due []alarm.Raise
	for dev, since := range w.open {
		if w.raised[dev] || now.Sub(since) < w.HeldOpenAfter {
			continue
		}
		w.raised[dev] = true
		due = append(due, alarm.Raise{
			Kind: "door.held_open", Priority: 3, Device: dev, Zone: w.Zones[dev],
			Message: fmt.Sprintf("Door %s held open for more than %s (since %s)", dev, w.HeldOpenAfter, since.Format("15:04:05")),
		})
	}
	w.mu.Unlock()
	for _, r := range due {
		_, _ = w.Raiser.RaiseLocal(ctx, r) // kept in the outbox if no quorum
	}
	return len(due)
}

// Run feeds observations from obs and checks once a second until ctx ends.
func (w *Watch) Run(ctx context.Context, obs <-chan contact.Observation, now func() time.Time) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case o := <-obs:
			w.Observe(o)
		case <-t.C:
			w.Check(ctx, now())
		case <-ctx.Done():
			return
		}
	}
}
