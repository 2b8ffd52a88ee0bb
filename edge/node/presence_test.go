package node_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/edge/presence"
	"github.com/palisade/palisade/examples"
	simrfid "github.com/palisade/palisade/firmware-sim/rfid"
	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	"github.com/palisade/palisade/sensors/rfid"
)

// Presence through the node: an R2000 reader simulated on a real
// pseudo-terminal at the door of cell b-01, read by the node's driver. A
// resident walking out is placed in the corridor on every console; a tag
// nobody registered raises an alarm; the reader unplugged is a device
// fault, and once plugged in again the next crossing is seen.
func TestPresenceThroughTheNode(t *testing.T) {
	resident, _ := rfid.ParseEPC("E28011700000020A1B2C1007") // Jordan Price, cell b-01
	stranger, _ := rfid.ParseEPC("E2801170000002FFFFFF0001")
	f, sc, door, sim := cellDoorReader(t, 3,
		scenario.Person{ID: "r-1007", EPC: resident, Role: scenario.Resident, Home: "b-01"},
		scenario.Person{EPC: stranger, Role: scenario.Unknown, Home: "hb-b"})
	nodes := startWith(t, f, node.FacilityOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	officer := login(t, ctx, nodes[0], "officer")
	stream, err := officer.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitQuorum(t, ctx, officer)

	zoneOf := func(person string) string {
		zs, err := officer.Presence(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range zs {
			for _, p := range z.People {
				if p.ID == person {
					return z.Zone
				}
			}
		}
		return ""
	}
	waitZone := func(person, zone string) {
		t.Helper()
		for zoneOf(person) != zone {
			if ctx.Err() != nil {
				t.Fatalf("%s never in %s (in %q)", person, zone, zoneOf(person))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Out of the cell into the corridor, and a stranger's tag going in.
	if _, err := sc.Walk(resident, door.ID, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Walk(stranger, door.ID, time.Now().Add(4*time.Second)); err != nil {
		t.Fatal(err)
	}
	waitZone("r-1007", "hb-b")
	for {
		ev := next(t, ctx, stream)
		if ev.Type == alarm.EventRaised && ev.Alarm.Kind == presence.AlarmUnknownTag {
			if ev.Alarm.Device != door.ID {
				t.Fatalf("unknown tag alarm: %+v", ev.Alarm)
			}
			break
		}
	}
	// The move is in the resident's history on another node's console.
	other := login(t, ctx, nodes[2], "officer")
	for last := ""; ; {
		p, err := other.Person(ctx, "r-1007", 1)
		if err == nil && p.Zone == "hb-b" && len(p.Moves) == 1 && p.Moves[0].From == "b-01" && p.Moves[0].Reader == door.ID {
			break
		}
		if s := fmt.Sprintf("%+v %v", p, err); ctx.Err() != nil {
			t.Fatalf("history on node 3: %s", last)
		} else if err == nil {
			last = s
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Unplugged: a device fault. Plugged in again: the next crossing.
	if err := sim.Unplug(); err != nil {
		t.Fatal(err)
	}
	for {
		ev := next(t, ctx, stream)
		if ev.Type == alarm.EventRaised && ev.Alarm.Kind == "device.fault" && ev.Alarm.Device == door.ID {
			break
		}
	}
	if err := sim.Plug(); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Walk(resident, door.ID, time.Now().Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	waitZone("r-1007", "b-01")
}

// cellDoorReader is the example facility with the reader at the door of
// cell b-01 (zones hb-b | b-01) moved onto a pseudo-terminal, where an
// R2000 simulator (5 % missed reads) shows it people walking: the
// facility, the scenario that moves them, the doorway and the simulator
// (closed at the end of the test).
func cellDoorReader(t testing.TB, seed int64, people ...scenario.Person) (*facility.Facility, *scenario.Scenario, scenario.Doorway, *simrfid.Reader) {
	t.Helper()
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "ttyRFID")
	for i, d := range f.Devices {
		if d.ID == "b-01-rfid" {
			f.Devices[i].Transport = facility.Transport{Serial: link, Baud: 115200}
		}
	}
	door := scenario.Doorway{ID: "b-01-rfid", A: "hb-b", B: "b-01"}
	sc, err := scenario.New([]scenario.Doorway{door}, people)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simrfid.Open(simrfid.Config{Link: link, Scenario: sc, Doorway: door.ID, Addr: 0x01, MissRate: 0.05, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return f, sc, door, sim
}
