package node

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/sallyport"
	"github.com/palisade/palisade/sync/replica"
)

// sallyAPI is the API's view of the sally ports: state from the replicated
// state, actions as committed sallyport.input commands.
type sallyAPI struct {
	f    *facility.Facility
	rep  *replica.Replica
	node string
}

// historyShown is how many recent steps a view looks back through for the
// current cycle.
const historyShown = 200

func (s sallyAPI) List(ctx context.Context) ([]sallyport.View, error) {
	out := make([]sallyport.View, 0, len(s.f.SallyPorts))
	err := s.rep.View(func(tx *bolt.Tx) error {
		for _, sp := range s.f.SallyPorts {
			m, _ := sallyport.Load(tx, sp.ID)
			owner, _ := s.f.Device(sp.Outer.Open)
			v := sallyport.NewView(sp.ID, sp.Name, owner.Node, m, sallyport.History(tx, sp.ID, historyShown))
			v.ScanSeconds = int(time.Duration(sp.Scan) / time.Second)
			if v.ScanSeconds == 0 {
				v.ScanSeconds = 30
			}
			if sp.At != nil {
				v.At = []float64{sp.At.X, sp.At.Y}
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

func (s sallyAPI) Act(ctx context.Context, port string, in sallyport.Input, by alarm.Actor) ([]sallyport.Output, error) {
	found := false
	for _, sp := range s.f.SallyPorts {
		found = found || sp.ID == port
	}
	if !found {
		return nil, fmt.Errorf("%w: no sally port %q", replica.ErrRejected, port)
	}
	// An officer at the gate learns at once that nothing can move: a
	// failover takes under half a second, a lost quorum longer.
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	res, err := s.rep.Propose(ctx, sallyport.InputCommand(port, in, by.Name, s.node, by.Terminal, time.Now()))
	if err != nil {
		return nil, err
	}
	var outs []sallyport.Output
	if len(res.Value) > 0 {
		if err := json.Unmarshal(res.Value, &outs); err != nil {
			return nil, fmt.Errorf("sally port %s: result: %w", port, err)
		}
	}
	return outs, nil
}
