package bench

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/examples"
	"github.com/palisade/palisade/sensors/contact"
	"github.com/palisade/palisade/sensors/gpio"
	"github.com/palisade/palisade/sensors/gpio/gpiotest"
)

// benchDoor is the door the door-path benchmark forces open: its contact is
// on line 1 of a fake GPIO chip, read by the real gpio driver with its
// real debounce, on the system clock.
const benchDoor = "control-room-door"

// runDoorPath measures an edge on a door contact's input line → debounced
// by the gpio driver → the door's state machine (forced: opened while
// locked) → alarm through the alarm core → quorum commit → the event on
// another node's console stream, idle and under the background load of the
// alarm path. The clock starts when the edge is handed to the line.
func runDoorPath(ctx context.Context, root string, o Options, trusted bool) ([]alarmPathRow, error) {
	f, err := facility.Parse("examples/facility.yaml", examples.Facility)
	if err != nil {
		return nil, err
	}
	door, _ := f.Door(benchDoor)
	for i, d := range f.Devices {
		if d.ID == door.Contact {
			f.Devices[i].Transport = facility.Transport{Chip: "bench", Line: 1}
		}
	}
	chip := gpiotest.NewChip()
	line := chip.InputLine(1)
	line.SetLevel(false)         // closed
	others := gpiotest.NewChip() // the facility's other GPIO inputs (fences, panic button), at rest
	for _, l := range []int{5, 6, 7} {
		others.InputLine(l).SetLevel(false)
	}
	fo := node.FacilityOptions{
		DataDir: filepath.Join(root, "doorpath"), FreePorts: true,
		Chips: func(name string) (gpio.Chip, error) {
			if name == "bench" {
				return chip, nil
			}
			return others, nil
		},
		Logger: func(id string) *slog.Logger { return nodeLogger(o, "node", id) },
	}
	nodes, leader, login, err := startBenchFacility(ctx, f, fo, trusted)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, n := range nodes {
			n.Close()
		}
	}()
	owner := f.DoorNode(door)
	var watcher *node.Node
	for _, n := range nodes {
		if n.Replica.ID() != owner && n != leader {
			watcher = n
		}
	}
	if watcher == nil { // the owner leads: watch from any other node
		for _, n := range nodes {
			if n.Replica.ID() != owner {
				watcher = n
			}
		}
	}
	role := "follower"
	if leader.Replica.ID() == owner {
		role = "leader"
	}
	config := fmt.Sprintf("door, %s owner", role)
	if trusted {
		config += ", mTLS + audit"
	}
	return measureRows(ctx, leader, watcher, login, o, config, func(int) probe { return forceProbe(line) })
}

// forceProbe closes the door (settling for longer than the debounce), then
// opens it without a card: forced. Every probe after the first repeats the
// open forced-door alarm, which is committed and streamed like a new one.
func forceProbe(line *gpiotest.Input) probe {
	return func(ctx context.Context, i int) (time.Time, time.Duration, func(alarm.Event) bool, bool, error) {
		line.Push(contact.Edge{High: false, At: time.Now()})
		if !sleepCtx(ctx, 80*time.Millisecond) {
			return time.Time{}, 0, nil, false, ctx.Err()
		}
		start := time.Now()
		line.Push(contact.Edge{High: true, At: start})
		return start, 0, func(ev alarm.Event) bool {
			return ev.Alarm.Kind == "door.forced" && (ev.Type == alarm.EventRaised || ev.Type == alarm.EventRepeated)
		}, false, nil
	}
}
