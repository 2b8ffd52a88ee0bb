package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/examples"
	osdpsim "github.com/palisade/palisade/firmware-sim/osdp"
	"github.com/palisade/palisade/sensors/wiegand"
)

// The House Block A entrance reader speaks OSDP with Secure Channel to
// node-2's control panel over a pseudo-terminal: a card opens the door; the
// bus unplugged is a reader-offline alarm; plugged back, cards work again;
// the reader reset to the default key is a priority-1 downgrade alarm.
func TestOSDPReaderThroughTheNode(t *testing.T) {
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	nodes := startWith(t, f, node.FacilityOptions{Simulate: true})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	reader, bus := nodes[1].SimulatedReader("hb-a-entry-reader")
	if reader == nil {
		t.Fatal("node-2 runs no simulated reader for the House Block A entrance")
	}
	officer := login(t, ctx, nodes[2], "officer")
	stream, err := officer.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitAlarm := func(kind string) alarm.Alarm {
		t.Helper()
		for {
			ev := next(t, ctx, stream)
			if (ev.Type == alarm.EventRaised || ev.Type == alarm.EventRepeated) && ev.Alarm.Kind == kind {
				return ev.Alarm
			}
		}
	}
	// Swipe until the door unlocks: the reader comes online over the
	// secure channel shortly after start.
	raw, _ := wiegand.H10301.Pack(62, 36969) // Anna Kowalski, staff
	waitSecure := func() {
		t.Helper()
		for {
			ds, _ := officer.Doors(ctx)
			for _, d := range ds {
				if d.ID == "hb-a-entry" && d.State == "secure" {
					return
				}
			}
			if ctx.Err() != nil {
				t.Fatal("the door did not relock")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	swipeUntilUnlocked := func() {
		t.Helper()
		waitSecure()
		for {
			reader.Swipe(26, wiegand.Bytes(raw, 26))
			deadline := time.Now().Add(time.Second)
			for time.Now().Before(deadline) {
				ds, _ := officer.Doors(ctx)
				for _, d := range ds {
					if d.ID == "hb-a-entry" && d.State == "unlocked" {
						return
					}
				}
				time.Sleep(20 * time.Millisecond)
			}
			if ctx.Err() != nil {
				t.Fatal("a staff card at the OSDP reader never unlocked the door")
			}
		}
	}
	swipeUntilUnlocked()
	if !reader.Secure() {
		t.Error("the reader talked in plain text")
	}

	if err := bus.Unplug(); err != nil {
		t.Fatal(err)
	}
	if a := waitAlarm("reader.offline"); a.Priority != 2 || a.Device != "hb-a-entry-reader" {
		t.Errorf("offline alarm %+v", a)
	}
	if err := bus.Plug(); err != nil {
		t.Fatal(err)
	}
	swipeUntilUnlocked()

	// Reset to factory defaults (or swapped for one that is): it offers the
	// public default key. The panel refuses it — the reader stays offline
	// until someone commissions it again on purpose.
	reader.SetMode(osdpsim.ModeFactoryReset)
	if a := waitAlarm("reader.downgrade"); a.Priority != 1 {
		t.Errorf("downgrade alarm %+v", a)
	}
}
