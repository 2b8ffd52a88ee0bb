package node

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/presence"
	simrfid "github.com/palisade/palisade/firmware-sim/rfid"
	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	"github.com/palisade/palisade/sensors/rfid"
	"github.com/palisade/palisade/sync/replica"
)

// missingAfter is how long a resident may go unseen by every reader
// before being reported missing. Doorway readers do not see a resident
// asleep in a cell; a day without a crossing is not normal.
const missingAfter = 24 * time.Hour

// presenceConfig is the presence engine's configuration from the facility
// file: every rfid_reader (two zones: a doorway, antenna 0 facing the
// first; one zone: an area reader) and everyone with a tag.
func presenceConfig(f *facility.Facility) (presence.Config, error) {
	cfg := presence.DefaultConfig()
	cfg.MissingAfter = missingAfter
	for _, d := range f.Devices {
		if d.Kind != facility.DeviceRFIDReader {
			continue
		}
		switch len(d.Zones) {
		case 2:
			cfg.Readers = append(cfg.Readers, presence.DoorwayReader(d.ID, d.Zones[0], d.Zones[1]))
		case 1:
			cfg.Readers = append(cfg.Readers, presence.AreaReader(d.ID, d.Zones[0]))
		default:
			return cfg, fmt.Errorf("rfid reader %s: %d zones; want two (a doorway) or one (an area)", d.ID, len(d.Zones))
		}
	}
	for _, p := range f.People {
		pp := presence.Person{ID: p.ID, Role: presence.Staff}
		if p.Role == facility.PersonResident {
			pp.Role = presence.Resident
		}
		for _, t := range p.Tags {
			epc, err := rfid.ParseEPC(t)
			if err != nil {
				return cfg, fmt.Errorf("person %s: tag %q: %w", p.ID, t, err)
			}
			pp.Tags = append(pp.Tags, epc)
		}
		if len(pp.Tags) > 0 {
			cfg.People = append(cfg.People, pp)
		}
	}
	return cfg, nil
}

// runPresence runs the RFID readers this node owns and the presence
// engine: reads become crossings, crossings committed transitions (any
// node's commits come back through Sync, so each engine knows where
// everyone is); unknown tags, missing residents and impossible crossings
// raise alarms; a reader that goes offline is a device fault.
func (n *Node) runPresence(ctx context.Context) {
	f, eng := n.opts.Facility, n.presence
	events := make(chan rfid.Event, 4096)
	started := 0
	for _, dev := range f.DevicesOf(n.opts.NodeID) {
		if dev.Kind != facility.DeviceRFIDReader {
			continue
		}
		cfg := rfid.Config{Name: dev.ID, Addr: 0x01}
		switch {
		case dev.Transport.Simulated && n.opts.Simulate:
			path, ok := n.simulateReader(ctx, dev)
			if !ok {
				continue
			}
			cfg.Open = rfid.SerialOpener(path)
		case dev.Transport.Serial != "":
			cfg.Open = rfid.SerialOpener(dev.Transport.Serial)
		default:
			continue
		}
		r, err := rfid.New(cfg, n.log)
		if err != nil {
			n.deviceFault(dev, "RFID reader not started", err)
			continue
		}
		dev := dev
		started++
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			err := r.Run(ctx, func(ev rfid.Event) {
				if off, ok := ev.(rfid.Offline); ok {
					n.deviceFault(dev, "RFID reader offline: crossings at this doorway are not seen", off.Err)
				}
				select {
				case events <- ev:
				case <-ctx.Done():
				}
			})
			if err != nil && ctx.Err() == nil {
				n.deviceFault(dev, "RFID reader stopped", err)
			}
		}()
	}
	// The engine runs on every node, also one without readers: it reports
	// the residents nobody has seen for a day.
	outs := make(chan presence.Output, 4096)
	n.wg.Add(2)
	go func() { defer n.wg.Done(); n.commitPresence(ctx, outs) }()
	go func() {
		defer n.wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		emit := func(os []presence.Output) {
			for _, o := range os {
				select {
				case outs <- o:
				default:
					n.log.Error("presence output dropped: the commit queue is full", "output", fmt.Sprintf("%T", o))
				}
			}
		}
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-events:
				emit(eng.Handle(ev))
				n.custody.sighted(ev) // an officer at a checkpoint reader: a round check
			case now := <-t.C:
				emit(eng.Tick(now))
			}
		}
	}()
	if started > 0 {
		n.log.Info("RFID readers running", "count", started)
	}
}

// commitPresence commits the engine's outputs in order and raises their
// alarms. Only the node that saw a crossing commits it; its id derives
// from what happened, so a retry applies once.
func (n *Node) commitPresence(ctx context.Context, outs <-chan presence.Output) {
	for {
		var o presence.Output
		select {
		case <-ctx.Done():
			return
		case o = <-outs:
		}
		if c, ok := presence.Command(o, n.opts.NodeID); ok {
			var err error
			for try := 0; try < 3 && ctx.Err() == nil; try++ {
				pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				_, err = n.Replica.Propose(pctx, c)
				cancel()
				if err == nil || errors.Is(err, replica.ErrRejected) {
					break
				}
			}
			if err != nil && ctx.Err() == nil {
				n.log.Error("presence not committed", "kind", c.Kind, "err", err)
			}
		}
		if r, ok := presence.Alarm(o); ok {
			if _, err := n.Alarms.RaiseLocal(ctx, r); err != nil && ctx.Err() == nil {
				n.log.Error("presence alarm not raised", "kind", r.Kind, "err", err)
			}
		}
	}
}

// simulateReader plugs a simulated R2000 reader for a doorway reader of the
// demo on a pseudo-terminal: the residents whose cell is behind it walk
// through it now and then, with 5 % missed reads. It returns the port's path.
func (n *Node) simulateReader(ctx context.Context, dev facility.Device) (string, bool) {
	if len(dev.Zones) != 2 {
		return "", false // an area reader sees nobody without a walking model of its zone
	}
	door := scenario.Doorway{ID: dev.ID, A: dev.Zones[0], B: dev.Zones[1]}
	var people []scenario.Person
	for _, p := range n.opts.Facility.People {
		if len(p.Tags) == 0 {
			continue
		}
		epc, err := rfid.ParseEPC(p.Tags[0])
		if err != nil {
			continue
		}
		switch {
		case p.Role == facility.PersonResident && p.Home == door.B:
			people = append(people, scenario.Person{ID: p.ID, EPC: epc, Role: scenario.Resident, Home: door.B})
		}
	}
	if len(people) == 0 {
		return "", false
	}
	// At a rounds checkpoint, an officer walks the rounds (custodydemo.go);
	// appended last, so the residents' walks stay as they were.
	patrol, patrols := n.custody.demoPatrol(door)
	if patrols {
		people = append(people, patrol)
	}
	// A week in which each goes out about every ten minutes.
	const week = 7 * 24 * time.Hour
	start := time.Now()
	sc, err := scenario.Random(scenario.RandomConfig{Seed: 1, Start: start, Duration: week, Doorways: []scenario.Doorway{door},
		People: people, Yard: door.A, Outings: float64(week / (10 * time.Minute)), Unlocked: []scenario.Period{{From: 0, To: 24 * time.Hour}},
		Patrols: -1}) // staff walk only the rounds below
	if err == nil && patrols {
		err = walkRounds(sc, patrol, dev.ID, start, week)
	}
	if err != nil {
		n.log.Error("demo RFID scenario", "reader", dev.ID, "err", err)
		return "", false
	}
	sim, err := simrfid.Open(simrfid.Config{Link: filepath.Join(n.opts.DataDir, "rfid-sim-"+dev.ID), Scenario: sc, Doorway: dev.ID,
		Addr: 0x01, MissRate: 0.05, CorruptRate: 0.0005, Seed: int64(len(dev.ID))})
	if err != nil {
		n.deviceFault(dev, "simulated RFID reader not started", err)
		return "", false
	}
	n.wg.Add(1)
	go func() { defer n.wg.Done(); <-ctx.Done(); _ = sim.Close() }()
	return sim.Path(), true
}
