package node

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/edge/doors"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/sensors/wiegand"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// doorsAPI is the API's view of the facility's doors: states from the
// replicated state, unlocks and lockdowns as committed commands.
type doorsAPI struct {
	f   *facility.Facility
	rep *replica.Replica
}

func (d doorsAPI) List(ctx context.Context) ([]api.DoorView, error) {
	var states map[string]doors.Status
	var locks map[string]doors.Lockdown
	if err := d.rep.View(func(tx *bolt.Tx) error {
		states, locks = doors.States(tx), doors.Lockdowns(tx)
		return nil
	}); err != nil {
		return nil, err
	}
	out := make([]api.DoorView, 0, len(d.f.Doors))
	for _, fd := range d.f.Doors {
		v := api.DoorView{ID: fd.ID, Name: fd.Name, Inside: fd.Inside, Outside: fd.Outside, Node: d.f.DoorNode(fd),
			HasLock: fd.Lock != "", State: "unknown"}
		if fd.At != nil {
			v.At = []float64{fd.At.X, fd.At.Y}
		}
		if st, ok := states[fd.ID]; ok {
			v.State, v.Since, v.Reason = string(st.State), st.Since, st.Reason
		} else {
			v.State = string(doors.Secure) // nothing recorded since start: closed, as it started
		}
		_, in := locks[fd.Inside]
		_, outside := locks[fd.Outside]
		v.Lockdown = in || outside
		out = append(out, v)
	}
	return out, nil
}

func (d doorsAPI) commit(ctx context.Context, c *command.Command) (actuator.Actuation, error) {
	return commitActuation(ctx, d.rep, c)
}

func (d doorsAPI) Unlock(ctx context.Context, door string, dur time.Duration, reason string, by alarm.Actor) (actuator.Actuation, error) {
	c, err := doors.UnlockCommand(d.f, door, dur, false, reason, by.Name, by.Terminal)
	if err != nil {
		return actuator.Actuation{}, err
	}
	return d.commit(ctx, c)
}

func (d doorsAPI) Lock(ctx context.Context, door string, reason string, by alarm.Actor) (actuator.Actuation, error) {
	if reason == "" {
		reason = "locked by " + by.Name
	}
	c, err := doors.UnlockCommand(d.f, door, 0, true, reason, by.Name, by.Terminal)
	if err != nil {
		return actuator.Actuation{}, err
	}
	return d.commit(ctx, c)
}

// Lockdown records the lockdown, then locks every door into or out of the
// zone: cards are refused from the moment the lockdown commits.
func (d doorsAPI) Lockdown(ctx context.Context, zone string, on bool, reason string, by alarm.Actor) error {
	if _, ok := d.f.Zone(zone); !ok {
		return fmt.Errorf("%w: no zone %q", actuator.ErrNotFound, zone)
	}
	if _, err := d.rep.Propose(ctx, doors.LockdownCommand(zone, on, reason, by.Name, by.Terminal)); err != nil {
		return err
	}
	if !on {
		return nil
	}
	var errs []error
	for _, fd := range d.f.Doors {
		if fd.Lock == "" || (fd.Inside != zone && fd.Outside != zone) {
			continue
		}
		if _, err := d.Lock(ctx, fd.ID, "lockdown of "+zone+": "+reason, by); err != nil {
			errs = append(errs, fmt.Errorf("lock %s: %w", fd.ID, err))
		}
	}
	return errors.Join(errs...)
}

// simulateDoorTraffic plays people using the doors this node runs whose
// devices are simulated: now and then a card at the reader (mostly a valid
// staff card, sometimes an unknown one), the door opens a moment later and
// closes — and now and then someone holds it open too long. Demo only.
func (n *Node) simulateDoorTraffic(ctx context.Context, events chan<- doors.Event) {
	f := n.opts.Facility
	var staff []uint64
	for _, p := range f.People {
		if p.Role == facility.PersonStaff {
			staff = append(staff, p.Cards...)
		}
	}
	var mine []facility.Door
	for _, d := range f.Doors {
		if dev, ok := f.Device(d.Contact); ok && dev.Node == n.opts.NodeID && dev.Transport.Simulated && d.Reader != "" {
			mine = append(mine, d)
		}
	}
	if len(mine) == 0 || len(staff) == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(uint64(len(n.opts.NodeID)), 7))
	send := func(ev doors.Event) bool {
		select {
		case events <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	wait := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		if !wait(time.Duration(15+rng.IntN(30)) * time.Second) {
			return
		}
		d := mine[rng.IntN(len(mine))]
		card := staff[rng.IntN(len(staff))]
		if rng.IntN(8) == 0 {
			card = 9000000 + uint64(rng.IntN(1000)) // a card nobody holds
		}
		if sim := n.osdpSim[d.Reader]; sim != nil {
			// A real OSDP exchange: the simulated reader reports the card
			// over the secure channel to this node's control panel.
			raw, err := wiegand.H10301.Pack(uint32(card>>16), uint32(card&0xffff))
			if err != nil {
				continue
			}
			sim.Swipe(26, wiegand.Bytes(raw, 26))
		} else if !send(doors.Event{Device: d.Reader, Input: doors.CardInput, Card: card, At: n.opts.Now()}) {
			return
		}
		if !wait(time.Second) {
			return
		}
		if !n.Doors.WouldGrant(d.ID, card, n.opts.Now()) {
			continue // refused: the person walks away
		}
		open := time.Duration(2+rng.IntN(5)) * time.Second
		if rng.IntN(6) == 0 {
			open = time.Duration(d.HeldOpen) + 10*time.Second // propped open
		}
		if !send(doors.Event{Device: d.Contact, Input: doors.ContactInput, Active: true, At: n.opts.Now()}) || !wait(open) {
			return
		}
		if !send(doors.Event{Device: d.Contact, Input: doors.ContactInput, Active: false, At: n.opts.Now()}) {
			return
		}
	}
}
