package node_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/edge/doors"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/examples"
)

// The House Block A entrance, run by node-2, watched from node-3's console:
// a staff card releases the lock through a committed command executed by
// the owning node; an officer locks it; opening it then is a forced door;
// an unknown card and a card during a lockdown are refused — each an alarm
// on every console, each state on the record.
func TestDoorThroughTheLog(t *testing.T) {
	// The entrance's lock relay on a (fake) GPIO chip: the release is
	// executed and read back by node-2's gpio driver.
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range f.Devices {
		if d.ID == "hb-a-entry-lock" {
			f.Devices[i].Transport = facility.Transport{Chip: "gpiochip0", Line: 9}
		}
	}
	nodes := startWith(t, f, node.FacilityOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	owner := nodes[1] // node-2 owns hb-a-entry
	officer := login(t, ctx, nodes[2], "officer")
	super := login(t, ctx, nodes[2], "super")
	stream, err := officer.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitState := func(want string) api.DoorView {
		t.Helper()
		for {
			ds, err := officer.Doors(ctx)
			for _, d := range ds {
				if d.ID == "hb-a-entry" && d.State == want {
					return d
				}
			}
			if ctx.Err() != nil {
				t.Fatalf("hb-a-entry never became %s on node-3: %+v %v", want, ds, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitAlarm := func(kind string) alarm.Alarm {
		t.Helper()
		for {
			ev := next(t, ctx, stream)
			if ev.Type == alarm.EventRaised && ev.Alarm.Kind == kind {
				return ev.Alarm
			}
		}
	}
	feed := func(ev doors.Event) {
		ev.At = time.Now()
		owner.DoorEvents <- ev
	}
	v := waitState("secure")
	if v.Node != "node-2" || !v.HasLock || v.Inside != "hb-a" {
		t.Errorf("door as listed: %+v", v)
	}
	waitQuorum(t, ctx, officer) // before hardware is asked to move

	feed(doors.Event{Device: "hb-a-entry-reader", Input: doors.CardInput, Card: 4100201})
	waitState("unlocked")
	feed(doors.Event{Device: "hb-a-entry-contact", Input: doors.ContactInput, Active: true})
	waitState("open")
	feed(doors.Event{Device: "hb-a-entry-contact", Input: doors.ContactInput, Active: false})
	waitState("unlocked")

	if _, err := officer.LockDoor(ctx, "hb-a-entry", "count in progress"); err != nil {
		t.Fatal(err)
	}
	waitState("secure")
	feed(doors.Event{Device: "hb-a-entry-contact", Input: doors.ContactInput, Active: true})
	if a := waitAlarm("door.forced"); a.Priority != 1 || a.Zone != "hb-a" {
		t.Errorf("forced alarm %+v", a)
	}
	waitState("forced")
	feed(doors.Event{Device: "hb-a-entry-contact", Input: doors.ContactInput, Active: false})
	waitState("secure")

	feed(doors.Event{Device: "hb-a-entry-reader", Input: doors.CardInput, Card: 123})
	if a := waitAlarm("door.invalid_card"); a.Priority != 3 {
		t.Errorf("invalid card alarm %+v", a)
	}

	if err := officer.Lockdown(ctx, "hb-a", true, "fight on the wing"); err == nil {
		t.Error("an officer locked a zone down: that is a supervisor's decision")
	}
	if err := super.Lockdown(ctx, "hb-a", true, "fight on the wing"); err != nil {
		t.Fatal(err)
	}
	for {
		ds, _ := officer.Doors(ctx)
		if len(ds) > 0 && func() bool {
			for _, d := range ds {
				if d.ID == "hb-a-entry" {
					return d.Lockdown
				}
			}
			return false
		}() {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("lockdown not shown")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The lockdown is read on the owner from its own applied state.
	if err := owner.Replica.WaitApplied(ctx, owner.Replica.AppliedIndex()); err != nil {
		t.Fatal(err)
	}
	for owner.Doors.WouldGrant("hb-a-entry", 4100201, time.Now()) {
		if ctx.Err() != nil {
			t.Fatal("the owner never saw the lockdown")
		}
		time.Sleep(10 * time.Millisecond)
	}
	feed(doors.Event{Device: "hb-a-entry-reader", Input: doors.CardInput, Card: 4100201})
	a := waitAlarm("door.invalid_card")
	if want := "locked down"; !strings.Contains(a.Message, want) {
		t.Errorf("card during lockdown: %q, want it to say %q", a.Message, want)
	}
}
