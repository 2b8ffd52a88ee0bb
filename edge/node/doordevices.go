package node

import (
	"context"
	"fmt"
	"sync"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/doors"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/sensors/gpio"
	"github.com/palisade/palisade/sensors/wiegand"
)

// chips opens GPIO chips by name once each: the real character devices,
// or what Options.Chips gives (tests and benchmarks inject fakes).
type chips struct {
	open func(name string) (gpio.Chip, error)
	mu   sync.Mutex
	byID map[string]gpio.Chip
}

func (c *chips) get(name string) (gpio.Chip, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch, ok := c.byID[name]; ok {
		return ch, nil
	}
	ch, err := c.open(name)
	if err != nil {
		return nil, err
	}
	c.byID[name] = ch
	return ch, nil
}

// doorSlot is the role a device plays at a door.
type doorSlot struct {
	dev   facility.Device
	input doors.Input
	kind  gpio.Kind
}

// startDoorHardware starts the drivers of the door devices this node reaches
// through a GPIO chip: contacts, exit buttons and tamper switches as inputs,
// Wiegand readers on two lines (D0 at the device's line, D1 at the next),
// and returns the lock relays as outputs for the executor. A device that
// cannot be opened is logged and left out; the rest of the node runs.
func (n *Node) startDoorHardware(ctx context.Context, hw *chips, events chan<- doors.Event) map[string]actuator.Output {
	f := n.opts.Facility
	outs := map[string]actuator.Output{}
	clock := n.opts.GPIOClock
	if clock == nil {
		clock = gpio.SystemClock()
	}
	send := func(ev doors.Event) {
		select {
		case events <- ev:
		case <-ctx.Done():
		}
	}
	for _, d := range f.Doors {
		if f.DoorNode(d) != n.opts.NodeID {
			continue
		}
		var slots []doorSlot
		for _, s := range []struct {
			id    string
			input doors.Input
			kind  gpio.Kind
		}{{d.Contact, doors.ContactInput, gpio.DoorContact}, {d.Exit, doors.ExitInput, gpio.RequestToExit}, {d.Tamper, doors.TamperInput, gpio.Tamper}} {
			if dev, ok := f.Device(s.id); ok && dev.Transport.Chip != "" && !dev.Transport.Simulated {
				slots = append(slots, doorSlot{dev, s.input, s.kind})
			}
		}
		for _, s := range slots {
			in, err := n.openInput(hw, s.dev, s.kind, clock)
			if err != nil {
				n.deviceFault(s.dev, "door input not started", err)
				continue
			}
			dev, input := s.dev.ID, s.input
			n.wg.Add(1)
			go func() {
				defer n.wg.Done()
				err := in.Run(ctx, func(o gpio.Observation) {
					send(doors.Event{Device: dev, Input: input, Active: o.Active, At: o.At})
				})
				if err != nil && ctx.Err() == nil {
					fd, _ := f.Device(dev)
					n.deviceFault(fd, "door input stopped", err)
				}
			}()
		}
		if dev, ok := f.Device(d.Reader); ok && dev.Kind == facility.DeviceWiegandReader && dev.Transport.Chip != "" && !dev.Transport.Simulated {
			if err := n.startWiegand(ctx, hw, dev, clock, send); err != nil {
				n.deviceFault(dev, "Wiegand reader not started", err)
			}
		}
		if dev, ok := f.Device(d.Lock); ok && dev.Transport.Chip != "" && !dev.Transport.Simulated {
			out, err := n.openOutput(ctx, hw, dev, clock)
			if err != nil {
				n.deviceFault(dev, "door lock not started: it will not move", err)
				continue
			}
			outs[dev.ID] = out
		}
	}
	return outs
}

func (n *Node) openInput(hw *chips, dev facility.Device, kind gpio.Kind, clock gpio.Clock) (*gpio.Input, error) {
	chip, err := hw.get(dev.Transport.Chip)
	if err != nil {
		return nil, err
	}
	raw, err := chip.Input(dev.Transport.Line, gpio.LineOptions{Consumer: "palisade-" + dev.ID})
	if err != nil {
		return nil, err
	}
	return gpio.NewInput(gpio.InputConfig{Name: dev.ID, Kind: kind}, raw, clock)
}

func (n *Node) openOutput(ctx context.Context, hw *chips, dev facility.Device, clock gpio.Clock) (*gpio.Output, error) {
	chip, err := hw.get(dev.Transport.Chip)
	if err != nil {
		return nil, err
	}
	raw, err := chip.Output(dev.Transport.Line, false, gpio.LineOptions{Consumer: "palisade-" + dev.ID})
	if err != nil {
		return nil, err
	}
	out, err := gpio.NewOutput(gpio.OutputConfig{Name: dev.ID}, raw, clock, n.log)
	if err != nil {
		return nil, err
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := out.Run(ctx); err != nil && ctx.Err() == nil {
			n.log.Error("lock output stopped", "device", dev.ID, "err", err)
		}
	}()
	return out, nil
}

func (n *Node) startWiegand(ctx context.Context, hw *chips, dev facility.Device, clock gpio.Clock, send func(doors.Event)) error {
	chip, err := hw.get(dev.Transport.Chip)
	if err != nil {
		return err
	}
	d0, err := chip.Input(dev.Transport.Line, gpio.LineOptions{Consumer: "palisade-" + dev.ID + "-d0"})
	if err != nil {
		return err
	}
	d1, err := chip.Input(dev.Transport.Line+1, gpio.LineOptions{Consumer: "palisade-" + dev.ID + "-d1"})
	if err != nil {
		return fmt.Errorf("D1 at line %d: %w", dev.Transport.Line+1, err)
	}
	r := wiegand.NewReader(dev.ID, d0, d1, wiegand.DefaultTiming(), clock, n.log)
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		err := r.Run(ctx, func(fr wiegand.Frame) {
			send(doors.Event{Device: dev.ID, Input: doors.CardInput, Card: fr.Number(), At: fr.At})
		}, func(err error) {
			n.log.Warn("bad Wiegand frame", "device", dev.ID, "err", err)
		})
		if err != nil && ctx.Err() == nil {
			n.log.Error("Wiegand reader stopped", "device", dev.ID, "err", err)
		}
	}()
	return nil
}

// inputAlarm is what a standalone input raises when it becomes active.
var inputAlarm = map[string]struct {
	kind     string
	priority alarm.Priority
	what     string
}{
	"panic":  {"panic.button", 1, "panic button pressed"},
	"fence":  {"fence.alarm", 1, "fence sensor triggered: climbing or cutting"},
	"tamper": {"device.tamper", 2, "tamper switch opened"},
}

// startInputs starts the GPIO inputs of this node that are not part of a
// door — panic buttons, fence sensors, tamper switches — each raising its
// alarm (local first, replicated when it can be) when it becomes active.
// In simulation without injected chips there is no hardware to open.
func (n *Node) startInputs(ctx context.Context, hw *chips) {
	f := n.opts.Facility
	if n.opts.Simulate && n.opts.Chips == nil {
		return
	}
	ofDoor := map[string]bool{}
	for _, d := range f.Doors {
		for _, id := range []string{d.Contact, d.Exit, d.Tamper, d.Reader, d.Lock} {
			ofDoor[id] = true
		}
	}
	clock := n.opts.GPIOClock
	if clock == nil {
		clock = gpio.SystemClock()
	}
	for _, dev := range f.DevicesOf(n.opts.NodeID) {
		ia, ok := inputAlarm[dev.Input]
		if dev.Kind != facility.DeviceGPIOInput || ofDoor[dev.ID] || dev.Transport.Chip == "" || dev.Transport.Simulated || !ok {
			continue
		}
		in, err := n.openInput(hw, dev, gpio.Kind(dev.Input), clock)
		if err != nil {
			n.deviceFault(dev, "input not started", err)
			continue
		}
		zone := ""
		if len(dev.Zones) > 0 {
			zone = dev.Zones[0]
		}
		dev := dev
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			err := in.Run(ctx, func(o gpio.Observation) {
				if !o.Active {
					return
				}
				if _, err := n.Alarms.RaiseLocal(ctx, alarm.Raise{Key: ia.kind + "/" + dev.ID, Kind: ia.kind, Priority: ia.priority,
					Zone: zone, Device: dev.ID, Message: dev.ID + ": " + ia.what}); err != nil && ctx.Err() == nil {
					n.log.Error("input alarm not raised", "device", dev.ID, "err", err)
				}
			})
			if err != nil && ctx.Err() == nil {
				n.deviceFault(dev, "input stopped", err)
			}
		}()
	}
}

// deviceFault records that a device's driver could not start or stopped:
// the device is no longer supervised, which officers must know — a
// priority-2 alarm, raised once the alarm core runs (faults found while the
// node starts are raised at the end of Start).
func (n *Node) deviceFault(dev facility.Device, what string, err error) {
	n.log.Error(what, "device", dev.ID, "err", err)
	zone := ""
	if len(dev.Zones) > 0 {
		zone = dev.Zones[0]
	}
	r := alarm.Raise{Key: "device.fault/" + dev.ID, Kind: "device.fault", Priority: 2, Zone: zone, Device: dev.ID,
		Message: fmt.Sprintf("%s: %s (%v) — this device is not supervised", dev.ID, what, err)}
	n.faultMu.Lock()
	defer n.faultMu.Unlock()
	if !n.faultsLive {
		n.faults = append(n.faults, r)
		return
	}
	n.raiseFaults(r)
}

// raiseFaults raises device faults in the background (faultMu held).
func (n *Node) raiseFaults(rs ...alarm.Raise) {
	if len(rs) == 0 || n.ctx == nil {
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for _, r := range rs {
			if _, err := n.Alarms.RaiseLocal(n.ctx, r); err != nil && n.ctx.Err() == nil {
				n.log.Error("device fault alarm not raised", "device", r.Device, "err", err)
			}
		}
	}()
}
