package relay

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/palisade/palisade/edge/actuator"
)

// Relay is a simulated relay. The zero value is an open (de-energised) relay.
type Relay struct {
	mu  sync.Mutex
	on  bool
	ops []actuator.Action
}

// Set implements actuator.Output. A pulse is recorded and reads back "pulsed
// <d>" without waiting it out.
func (r *Relay) Set(_ context.Context, a actuator.Action, d time.Duration) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, a)
	switch a {
	case actuator.On:
		r.on = true
	case actuator.Off:
		r.on = false
	case actuator.Pulse:
		return fmt.Sprintf("pulsed %s", d), nil
	default:
		return "", fmt.Errorf("relay: unknown action %q", a)
	}
	if r.on {
		return "on", nil
	}
	return "off", nil
}

// On reports whether the relay is energised (a pulse leaves it as it was).
func (r *Relay) On() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.on
}

// Ops returns every operation so far.
func (r *Relay) Ops() []actuator.Action {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]actuator.Action(nil), r.ops...)
}
