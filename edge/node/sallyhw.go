package node

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/sallyport"
	"github.com/palisade/palisade/firmware-sim/gate"
	simradar "github.com/palisade/palisade/firmware-sim/radar"
	"github.com/palisade/palisade/firmware-sim/radar/scene"
	"github.com/palisade/palisade/sensors/gpio"
	"github.com/palisade/palisade/sensors/radar"
)

// sallyService is n.Sally for the observer, which raft may call before
// Start has built it (on log replay).
func (n *Node) sallyService() *sallyport.Service {
	n.apiMu.Lock()
	defer n.apiMu.Unlock()
	return n.Sally
}

// startSallyPorts starts the devices of the sally ports this node owns:
// limit switches and loops report to the service (their level when opened,
// then every settled change), the gate operators' contacts join outs for
// the executor, and the radar's frames go to the service's scans. In
// simulation, simulated gates, loops and radar stand in, and vehicles come
// and go.
func (n *Node) startSallyPorts(ctx context.Context, hw *chips, outs map[string]actuator.Output) {
	f := n.opts.Facility
	svc := n.Sally
	clock := n.opts.GPIOClock
	if clock == nil {
		clock = gpio.SystemClock()
	}
	for _, sp := range f.SallyPorts {
		if sallyport.FacilityDirectory(f).Owner(sp.ID) != n.opts.NodeID {
			continue
		}
		var sim *sallySim
		if n.opts.Simulate {
			sim = n.simulateSallyPort(ctx, sp, outs)
		}
		for _, g := range []facility.SallyGate{sp.Outer, sp.Inner} {
			for _, id := range []string{g.Open, g.Close} {
				dev, _ := f.Device(id)
				if dev.Transport.Simulated || dev.Transport.Chip == "" {
					continue
				}
				out, err := n.openOutput(ctx, hw, dev, clock)
				if err != nil {
					n.deviceFault(dev, "gate operator output not started: the gate will not move", err)
					continue
				}
				outs[id] = out
			}
		}
		for _, id := range []string{sp.Outer.Opened, sp.Outer.Closed, sp.Outer.Loop, sp.Inner.Opened, sp.Inner.Closed, sp.Inner.Loop, sp.BayLoop} {
			dev, _ := f.Device(id)
			if dev.Transport.Simulated || dev.Transport.Chip == "" {
				continue
			}
			kind := gpio.Kind("vehicle_loop")
			if dev.Input != "" {
				kind = gpio.Kind(dev.Input)
			}
			in, err := n.openInput(hw, dev, kind, clock)
			if err != nil {
				n.deviceFault(dev, "sally port input not started: the port stays held", err)
				continue
			}
			svc.Sense(id, in.Initial())
			n.wg.Add(1)
			go func() {
				defer n.wg.Done()
				err := in.Run(ctx, func(o gpio.Observation) { svc.Sense(id, o.Active) })
				if err != nil && ctx.Err() == nil {
					n.deviceFault(dev, "sally port input stopped", err)
				}
			}()
		}
		if dev, ok := f.Device(sp.Radar); ok {
			n.startRadar(ctx, dev, sim)
		}
	}
}

// startRadar runs the driver of a sally port's radar (or of its simulator,
// on two pseudo-terminals, in simulation) and hands its events to the
// service. An offline radar is a device fault: scans are inconclusive until
// it is back.
func (n *Node) startRadar(ctx context.Context, dev facility.Device, sim *sallySim) {
	cfg := radar.SerialConfig(dev.ID, dev.Transport.Serial, dev.Transport.Data)
	if dev.Transport.Simulated {
		if sim == nil || sim.radar == nil {
			return
		}
		cfg = radar.SerialConfig(dev.ID, sim.radar.CLIPath(), sim.radar.DataPath())
	}
	r, err := radar.New(cfg, n.log)
	if err != nil {
		n.deviceFault(dev, "radar not started: scans will be inconclusive", err)
		return
	}
	svc := n.Sally
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		_ = r.Run(ctx, func(ev radar.Event) {
			svc.Radar(dev.ID, ev)
			if off, ok := ev.(radar.Offline); ok {
				n.deviceFault(dev, "radar offline: scans will be inconclusive", off.Err)
			}
		})
	}()
}

// sallySim is a simulated sally port: two gates, three loops, a radar
// playing the occupants of the vehicle in the bay.
type sallySim struct {
	sp    facility.SallyPort
	gates [2]*gate.Operator
	radar *simradar.Device
	scene simradar.Switch
}

// simulateSallyPort builds the simulated devices of sp that are marked
// simulated. Demo and tests only.
func (n *Node) simulateSallyPort(ctx context.Context, sp facility.SallyPort, outs map[string]actuator.Output) *sallySim {
	f := n.opts.Facility
	svc := n.Sally
	sim := &sallySim{sp: sp}
	simulated := func(id string) bool { d, ok := f.Device(id); return ok && d.Transport.Simulated }
	for i, g := range []facility.SallyGate{sp.Outer, sp.Inner} {
		if !simulated(g.Open) || !simulated(g.Close) || !simulated(g.Opened) || !simulated(g.Closed) {
			continue
		}
		op := gate.New(8*time.Second, func(opened, closed bool) {
			svc.Sense(g.Opened, opened)
			svc.Sense(g.Closed, closed)
		})
		sim.gates[i] = op
		outs[g.Open], outs[g.Close] = op.Open, op.Close
		n.wg.Add(1)
		go func() { defer n.wg.Done(); op.Run(ctx, 100*time.Millisecond) }()
	}
	for _, id := range []string{sp.Outer.Loop, sp.Inner.Loop, sp.BayLoop} {
		if simulated(id) {
			svc.Sense(id, false)
		}
	}
	if simulated(sp.Radar) {
		sim.scene.Play(takes("empty", 1))
		dev, err := simradar.NewDevice(&sim.scene, simradar.DeviceConfig{Dir: filepath.Join(n.opts.DataDir, "radar-sim-"+sp.ID)}, n.log)
		if err == nil {
			err = dev.Start()
		}
		if err != nil {
			fd, _ := f.Device(sp.Radar)
			n.deviceFault(fd, "simulated radar not started", err)
		} else {
			sim.radar = dev
			n.wg.Add(1)
			go func() { defer n.wg.Done(); <-ctx.Done(); _ = dev.Close() }()
		}
	}
	if sim.gates[0] != nil && sim.gates[1] != nil && simulated(sp.Outer.Loop) && simulated(sp.Inner.Loop) && simulated(sp.BayLoop) {
		n.wg.Add(1)
		go func() { defer n.wg.Done(); n.simulateVehicles(ctx, sim) }()
	}
	return sim
}

// takes makes takes of a radar scene, a new seed each time one ends (a
// vehicle that waits long).
func takes(name string, seed int64) func() simradar.Source {
	cfg := scene.DefaultConfig()
	cfg.Duration = 10 * time.Minute
	return func() simradar.Source {
		seed++
		s, err := scene.New(name, seed, cfg)
		if err != nil {
			return &simradar.Slice{}
		}
		return s
	}
}

// A demo vehicle: which way, and who is in it.
type vehicle struct {
	leaving bool
	scene   string
	what    string
}

var demoVehicles = []vehicle{
	{false, "driver", "a delivery van, driver only"},
	{true, "driver", "the delivery van leaving, driver only"},
	{false, "driver-passenger", "a prison transport with two officers"},
	{true, "driver-hidden", "a laundry truck leaving — someone hidden in the back"},
	{false, "driver-dog", "a dog handler's car"},
	{true, "driver-dog", "the dog handler leaving"},
	{true, "driver", "a contractor's pickup leaving"},
}

// simulateVehicles plays vehicles through the simulated sally port: a
// vehicle arrives at its entry gate's loop and waits for the officer; it
// drives into the bay when that gate is open, and out when the exit gate
// opens; if the entry gate opens again instead, it backs out. The radar
// plays the vehicle's occupants while it is in the bay. The officer works
// the console. Demo only.
func (n *Node) simulateVehicles(ctx context.Context, sim *sallySim) {
	svc, sp := n.Sally, sim.sp
	rng := rand.New(rand.NewPCG(7, 11))
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
	// until polls the simulated world (what a driver sees) until cond or
	// the timeout.
	until := func(cond func() bool, timeout time.Duration) bool {
		for end := time.Now().Add(timeout); time.Now().Before(end); {
			if cond() {
				return true
			}
			if !wait(250 * time.Millisecond) {
				return false
			}
		}
		return false
	}
	open := func(g *gate.Operator) func() bool {
		return func() bool { o, _ := g.Limits(); return o }
	}
	for i := 0; ; i++ {
		if !wait(time.Duration(20+rng.IntN(40)) * time.Second) {
			return
		}
		// The next vehicle comes when the port is shut again.
		shut := func() bool {
			_, a := sim.gates[0].Limits()
			_, b := sim.gates[1].Limits()
			return a && b
		}
		if !until(shut, 24*time.Hour) {
			return
		}
		v := demoVehicles[i%len(demoVehicles)]
		entry, exit := sim.gates[sallyport.Outer], sim.gates[sallyport.Inner]
		entryLoop, exitLoop := sp.Outer.Loop, sp.Inner.Loop
		if v.leaving {
			entry, exit, entryLoop, exitLoop = exit, entry, exitLoop, entryLoop
		}
		n.log.Info("demo vehicle arrives", "port", sp.ID, "vehicle", v.what)
		svc.Sense(entryLoop, true)
		if !until(open(entry), 15*time.Minute) {
			svc.Sense(entryLoop, false) // nobody opened: it drives away
			continue
		}
		if !wait(2 * time.Second) {
			return
		}
		svc.Sense(entryLoop, false)
		svc.Sense(sp.BayLoop, true)
		sim.scene.Play(takes(v.scene, int64(i)))
		// In the bay until the entry gate has closed behind it, then until
		// a gate opens: the exit (through) or the entry again (turned
		// back).
		out := false
		closedBehind := func() bool { _, c := entry.Limits(); return c }
		if !until(func() bool { out = open(exit)(); return out || closedBehind() }, 4*time.Hour) && ctx.Err() != nil {
			return
		}
		if !out && !until(func() bool { out = open(exit)(); return out || open(entry)() }, 4*time.Hour) && ctx.Err() != nil {
			return
		}
		if !wait(2 * time.Second) {
			return
		}
		leave := exitLoop
		if !out {
			leave = entryLoop
		}
		svc.Sense(sp.BayLoop, false)
		sim.scene.Play(takes("empty", int64(i)))
		svc.Sense(leave, true)
		if !wait(3 * time.Second) {
			return
		}
		svc.Sense(leave, false)
		n.log.Info("demo vehicle gone", "port", sp.ID, "vehicle", v.what, "through", out)
	}
}
