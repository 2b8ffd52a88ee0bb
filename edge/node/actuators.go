package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/firmware-sim/relay"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// actuators is the API's view of the actuator domain: it resolves the
// owning node of a device from the facility file and proposes the request.
type actuators struct {
	f   *facility.Facility
	rep *replica.Replica
}

func (a actuators) Request(ctx context.Context, device string, act actuator.Action, d time.Duration, reason string, by alarm.Actor) (actuator.Actuation, error) {
	dev, ok := a.f.Device(device)
	if !ok || dev.Kind != facility.DeviceGPIOOutput {
		return actuator.Actuation{}, fmt.Errorf("%w: no output device %q", actuator.ErrNotFound, device)
	}
	cmd, err := actuator.NewRequest(actuator.Request{Device: device, Node: dev.Node, Action: act, Duration: d, Reason: reason}, by.Name, by.Terminal)
	if err != nil {
		return actuator.Actuation{}, err
	}
	return commitActuation(ctx, a.rep, cmd)
}

// commitActuation proposes an actuate.request and returns the recorded
// actuation once committed (within 3 s); a refusal by the state machine is
// the caller's mistake (ErrInvalid), not the node's.
func commitActuation(ctx context.Context, rep *replica.Replica, cmd *command.Command) (actuator.Actuation, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	res, err := rep.Propose(ctx, cmd)
	if errors.Is(err, replica.ErrRejected) {
		return actuator.Actuation{}, fmt.Errorf("%w: %v", actuator.ErrInvalid, err)
	}
	if err != nil {
		return actuator.Actuation{}, err
	}
	var out actuator.Actuation
	return out, json.Unmarshal(res.Value, &out)
}

func (a actuators) Get(_ context.Context, id string) (actuator.Actuation, error) {
	var out actuator.Actuation
	var ok bool
	if err := a.rep.View(func(tx *bolt.Tx) error { out, ok = actuator.Get(tx, id); return nil }); err != nil {
		return out, err
	}
	if !ok {
		return out, fmt.Errorf("%w: %s", actuator.ErrNotFound, id)
	}
	return out, nil
}

// outputs returns the outputs this node drives: simulated relays for the
// gpio_output devices it owns when simulating. (The GPIO binding for real
// relays comes with the access-control issue.)
func outputs(f *facility.Facility, node string, simulate bool) map[string]actuator.Output {
	outs := map[string]actuator.Output{}
	for _, d := range f.DevicesOf(node) {
		if d.Kind == facility.DeviceGPIOOutput && simulate {
			outs[d.ID] = &relay.Relay{}
		}
	}
	return outs
}
