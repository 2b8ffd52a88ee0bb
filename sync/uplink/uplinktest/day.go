package uplinktest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/eventlog"
	"github.com/palisade/palisade/edge/sallyport"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/uplink"
)

// Profile is how busy a simulated facility is, per day.
type Profile struct {
	Events      int           // journal entries (door traffic): leaves of the audit tree, no records
	Notable     int           // priority 1–2 alarms, each raised, acknowledged and resolved
	Minor       int           // priority 3–4 alarms; one in ten priority 3 is escalated to 2
	Overrides   int           // two-supervisor sally-port overrides
	RollupEvery time.Duration // default 5 minutes
}

// Busy is a busy facility's day: about 112 000 commands, 3 400 records.
var Busy = Profile{Events: 100_000, Notable: 600, Minor: 3000, Overrides: 40, RollupEvery: time.Minute}

// ResidentName appears in the alarm messages and notes of a generated
// day: with names off it must never reach a record.
const ResidentName = "Ivan Petrov"

// Day returns the commands of one day from start, in log order, with
// their c.Time set. The same seed gives the same kinds, times and bodies
// (ids are random).
func Day(start time.Time, p Profile, seed uint64) []*command.Command {
	return Span(start, 24*time.Hour, p, seed)
}

// Span is Day for a span of any length (the profile's rates are per day).
func Span(start time.Time, span time.Duration, p Profile, seed uint64) []*command.Command {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	scale := float64(span) / float64(24*time.Hour)
	// The expected count, rounded at random: short spans keep the rates.
	n := func(perDay int) int {
		x := float64(perDay) * scale
		k := int(x)
		if rng.Float64() < x-float64(k) {
			k++
		}
		return k
	}
	at := func() time.Time { return start.Add(time.Duration(rng.Int64N(int64(span)))) }
	var cs []*command.Command
	add := func(c *command.Command, t time.Time) {
		c.Time = t.UTC()
		cs = append(cs, c)
	}
	for range n(p.Events) {
		kind := "door.opened"
		if rng.IntN(2) == 0 {
			kind = "door.closed"
		}
		dev := fmt.Sprintf("door-%d", rng.IntN(120))
		c, _ := eventlog.Command(eventlog.Event{Kind: kind, Device: dev, Zone: "block-a"}, dev)
		c.Node = "n1"
		add(c, at())
	}
	alarms := func(count int, notable bool) {
		for i := range count {
			t := at()
			pr := alarm.Priority(1 + rng.IntN(2))
			if !notable {
				pr = alarm.Priority(3 + rng.IntN(2))
			}
			dev := fmt.Sprintf("cam-%d", rng.IntN(40))
			raise := jsonCommand(alarm.KindRaise, dev, alarm.Raise{
				Key: fmt.Sprintf("k-%d-%v-%d", seed, notable, i), Kind: []string{"door.forced", "perimeter.intrusion", "fight", "tamper"}[rng.IntN(4)],
				Priority: pr, Zone: "block-a", Device: dev, Message: "Resident " + ResidentName + " seen at " + dev,
			})
			add(raise, t)
			id := raise.ID.String()
			if !notable && pr == 3 && rng.IntN(10) == 0 {
				t = t.Add(time.Minute)
				add(jsonCommand(alarm.KindEscalate, "n1", map[string]any{"id": id, "level": 1}), t)
			}
			t = t.Add(time.Duration(1+rng.IntN(5)) * time.Minute)
			add(jsonCommand(alarm.KindAck, "officer-1", map[string]string{"id": id, "note": "on my way to " + ResidentName}), t)
			t = t.Add(time.Duration(1+rng.IntN(30)) * time.Minute)
			add(jsonCommand(alarm.KindResolve, "officer-1", map[string]string{"id": id, "note": "spoke with " + ResidentName}), t)
		}
	}
	alarms(n(p.Notable), true)
	alarms(n(p.Minor), false)
	for i := range n(p.Overrides) {
		t := at()
		port := fmt.Sprintf("gate-%d", i%3)
		for _, s := range []struct {
			by string
			in sallyport.Input
		}{
			{"sup-a", sallyport.Input{Kind: sallyport.Approve, Override: sallyport.Release, Reason: "radar down; searched by hand"}},
			{"sup-b", sallyport.Input{Kind: sallyport.Approve, Override: sallyport.Release, Reason: "agreed"}},
			{"n1", sallyport.Input{Kind: sallyport.Expire}},
		} {
			add(sallyport.InputCommand(port, s.in, s.by, "n1", "", t), t)
			t = t.Add(30 * time.Second)
		}
	}
	every := p.RollupEvery
	if every <= 0 {
		every = 5 * time.Minute
	}
	for t := start.Truncate(every).Add(every); t.Before(start.Add(span)); t = t.Add(every) {
		var off []string
		for range rng.IntN(3) {
			off = append(off, fmt.Sprintf("cam-%d", rng.IntN(40)))
		}
		add(uplink.RollupCommand("n1", t, uplink.RollupBody{Cluster: uplink.Cluster{Members: 3, Leader: "n1"}, Devices: &uplink.Devices{Offline: off}}), t)
	}
	slices.SortStableFunc(cs, func(a, b *command.Command) int { return a.Time.Compare(b.Time) })
	return cs
}

func jsonCommand(kind, actor string, body any) *command.Command {
	raw, _ := json.Marshal(body)
	return &command.Command{ID: command.NewID(), Kind: kind, Node: "n1", Actor: actor, Body: raw}
}
