package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/examples"
	"github.com/palisade/palisade/sensors/contact"
	"github.com/palisade/palisade/sensors/gpio"
	"github.com/palisade/palisade/sensors/gpio/gpiotest"
	"github.com/palisade/palisade/sensors/wiegand"
)

// wiredControlRoom is the example facility with the control room door on a
// GPIO chip: contact on line 1, exit button on 2, the Wiegand reader's D0/D1
// on 3/4, the strike relay on 5; staff may pass at any hour.
func wiredControlRoom(t *testing.T) *facility.Facility {
	t.Helper()
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]int{"cr-door-contact": 1, "cr-door-exit": 2, "cr-door": 3, "cr-door-strike": 5}
	for i, d := range f.Devices {
		if l, ok := lines[d.ID]; ok {
			f.Devices[i].Transport = facility.Transport{Chip: "gpiochip9", Line: l}
		}
	}
	for i, d := range f.Doors {
		if d.ID == "control-room-door" {
			f.Doors[i].Access = []facility.AccessRule{{Roles: []facility.PersonRole{facility.PersonStaff}}}
		}
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	return f
}

// The control room door through its real drivers, fed by replayed edges on
// a fake GPIO chip: a Wiegand card frame, a bouncing contact, a corrupted
// frame, an officer's relock, an opening without a card.
func TestDoorDriversFedByReplayedEdges(t *testing.T) {
	f := wiredControlRoom(t)
	chip := gpiotest.NewChip()
	chip.InputLine(1).SetLevel(false) // door closed
	chip.InputLine(2).SetLevel(false) // exit button released; D0/D1 idle high
	gpiochip0 := quietChip()          // the fences and the panic button, untouched here
	nodes := startWith(t, f, node.FacilityOptions{Chips: func(name string) (gpio.Chip, error) {
		if name == "gpiochip9" {
			return chip, nil
		}
		return gpiochip0, nil
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	officer := login(t, ctx, nodes[2], "officer")
	stream, err := officer.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitQuorum(t, ctx, officer)
	state := func(want string) {
		t.Helper()
		for {
			ds, err := officer.Doors(ctx)
			for _, d := range ds {
				if d.ID == "control-room-door" && d.State == want {
					return
				}
			}
			if ctx.Err() != nil {
				t.Fatalf("control room door never %s: %+v %v", want, ds, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	card := func(raw uint64, bits int) {
		ps := wiegand.Pulses(raw, bits, time.Now(), wiegand.DefaultWire())
		d0, d1 := wiegand.LineEdges(ps)
		chip.InputLine(3).Push(d0...)
		chip.InputLine(4).Push(d1...)
	}
	contactTo := func(open bool) {
		now := time.Now()
		// A bouncing contact: five changes within 3 ms, settling on open.
		var es []contact.Edge
		for i := range 5 {
			es = append(es, contact.Edge{High: (i%2 == 0) == open, At: now.Add(time.Duration(i) * 600 * time.Microsecond)})
		}
		chip.InputLine(1).Push(es...)
	}
	strike := chip.OutputLine(5)

	// Anna Kowalski's card (facility 62, card 36969 = 4100201).
	raw, _ := wiegand.H10301.Pack(62, 36969)
	card(raw, 26)
	select {
	case on := <-strike.Written():
		if !on {
			t.Fatal("the strike was switched off first")
		}
	case <-ctx.Done():
		t.Fatal("a granted card did not move the strike")
	}
	state("unlocked")
	contactTo(true)
	state("open")
	contactTo(false)
	state("unlocked")

	// A frame with a flipped bit is refused by the decoder: no card, no
	// alarm, the door untouched.
	card(raw^1<<7, 26)

	if _, err := officer.LockDoor(ctx, "control-room-door", "end of shift"); err != nil {
		t.Fatal(err)
	}
	state("secure")
	contactTo(true)
	for {
		ev := next(t, ctx, stream)
		if ev.Type == alarm.EventRaised && ev.Alarm.Kind == "door.forced" {
			break
		}
		if ev.Alarm.Kind == "door.invalid_card" {
			t.Fatalf("the corrupted frame reached the door: %+v", ev.Alarm)
		}
	}
	state("forced")
}

// quietChip is gpiochip0 of the example: fence sensors on lines 5 and 6 and
// the yard's panic button on 7, all at rest (low).
func quietChip() *gpiotest.Chip {
	c := gpiotest.NewChip()
	for _, l := range []int{5, 6, 7} {
		c.InputLine(l).SetLevel(false)
	}
	return c
}

// A panic button and a fence sensor on their GPIO lines raise priority-1
// alarms with their zone, seen on another node's console.
func TestPanicButtonAndFenceRaiseAlarms(t *testing.T) {
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	chip := quietChip()
	nodes := startWith(t, f, node.FacilityOptions{Chips: func(string) (gpio.Chip, error) { return chip, nil }})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	officer := login(t, ctx, nodes[0], "officer")
	stream, err := officer.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitQuorum(t, ctx, officer)
	now := time.Now()
	chip.InputLine(7).Push(contact.Edge{High: true, At: now})
	chip.InputLine(5).Push(contact.Edge{High: true, At: now}, contact.Edge{High: false, At: now.Add(2 * time.Millisecond)}, contact.Edge{High: true, At: now.Add(3 * time.Millisecond)})
	want := map[string]string{"panic.button": "yard", "fence.alarm": "sterile-north"}
	for len(want) > 0 {
		ev := next(t, ctx, stream)
		if zone, ok := want[ev.Alarm.Kind]; ok && ev.Type == alarm.EventRaised {
			if ev.Alarm.Priority != 1 || ev.Alarm.Zone != zone {
				t.Errorf("%s: %+v", ev.Alarm.Kind, ev.Alarm)
			}
			delete(want, ev.Alarm.Kind)
		}
	}
}
