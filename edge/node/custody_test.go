package node_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/edge/api/apiclient"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/headcount"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/edge/presence"
	"github.com/palisade/palisade/edge/reports"
	"github.com/palisade/palisade/edge/rounds"
	"github.com/palisade/palisade/edge/zonerules"
	"github.com/palisade/palisade/examples"
	"github.com/palisade/palisade/sensors/rfid"
)

// shiftClock is the nodes' clock: the wall clock moved by an offset the
// test advances, so that a quarter of an hour passes at once.
type shiftClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *shiftClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *shiftClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// place commits that RFID put person in zone at, through reader (its
// other zone is where they came from), as the reader's node would.
func place(t *testing.T, ctx context.Context, n *node.Node, f *facility.Facility, person, reader, zone string, at time.Time) {
	t.Helper()
	p, _ := f.Person(person)
	d, _ := f.Device(reader)
	from := ""
	if len(d.Zones) == 2 {
		from = d.Zones[0]
		if from == zone {
			from = d.Zones[1]
		}
	}
	cmd, _ := presence.Command(presence.Transition{Person: person, EPC: rfid.EPC(p.Tags[0]), Reader: reader, From: from, To: zone, At: at, Reads: 12}, d.Node)
	if _, err := n.Replica.Propose(ctx, cmd); err != nil {
		t.Fatalf("place %s in %s: %v", person, zone, err)
	}
}

// The custody domains on a real three-node facility, through the API as
// the console drives it. Presence places the residents; Kevin Tremblay
// (r-1005, on watch) is in the education centre, where no rule admits
// him. A supervisor starts a count; officers on two other nodes confirm
// House Block B and correct House Block A with Kevin missing: an alarm on
// a third node's stream, the count still open. The health centre counted
// empty reconciles, and still the count stays open — Kevin is counted
// nowhere; recounted with him there, the count clears and his alarm is
// resolved. A round check at the console shows as done on another node;
// a quarter of an hour later (the nodes' clock) the watched cell is
// overdue and the checked one is not. The custody report has a row per
// resident and day, with Kevin's time in class.
func TestCustodyThroughTheNodes(t *testing.T) {
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	f.Headcount.Times = nil // no scheduled count in the way of the test's
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	clock := &shiftClock{}
	nodes := startWith(t, f, node.FacilityOptions{Now: clock.Now})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	watcher := login(t, ctx, nodes[0], "officer")
	stream, err := watcher.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitQuorum(t, ctx, watcher)
	super := login(t, ctx, nodes[0], "super")
	officer2 := login(t, ctx, nodes[1], "officer")
	officer3 := login(t, ctx, nodes[2], "officer")

	// Where RFID puts everyone, half an hour ago.
	ago := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	for _, p := range []string{"r-1001", "r-1002", "r-1003", "r-1004"} {
		place(t, ctx, nodes[1], f, p, "hb-a-rfid", "hb-a-1", ago)
	}
	place(t, ctx, nodes[1], f, "r-1006", "hb-a-rfid", "hb-a-2", ago)
	place(t, ctx, nodes[1], f, "r-1007", "b-01-rfid", "b-01", ago)
	place(t, ctx, nodes[1], f, "r-1008", "b-02-rfid", "b-02", ago)
	place(t, ctx, nodes[2], f, "r-1005", "edu-rfid", "education", ago)

	// The leader's zone rules see Kevin where no rule admits him.
	waitAlarm := func(what string, ok func(alarm.Event) bool) alarm.Alarm {
		t.Helper()
		for {
			ev := next(t, ctx, stream)
			if ok(ev) {
				return ev.Alarm
			}
			if ctx.Err() != nil {
				t.Fatalf("no %s on node-1's stream", what)
			}
		}
	}
	waitAlarm("zone-rule alarm", func(ev alarm.Event) bool {
		return ev.Type == alarm.EventRaised && ev.Alarm.Kind == string(zonerules.Unauthorised) && ev.Alarm.Zone == "education" &&
			strings.Contains(ev.Alarm.Message, "Kevin Tremblay")
	})

	// Only a supervisor starts a count on demand.
	status := func(err error) int {
		var e *apiclient.Error
		if errors.As(err, &e) {
			return e.Status
		}
		return 0
	}
	if _, err := officer2.StartHeadcount(ctx, ""); status(err) != 403 {
		t.Fatalf("an officer started a count: %v", err)
	}
	c, err := super.StartHeadcount(ctx, "count on demand: the 12:30 count was interrupted")
	if err != nil {
		t.Fatal(err)
	}
	if c.State != headcount.Open || len(c.Zones) != 3 || strings.Join(c.Zones[0].Located, ",") != "r-1001,r-1002,r-1003,r-1004,r-1006" {
		t.Fatalf("count started as %+v", c)
	}
	if _, err := super.StartHeadcount(ctx, "again"); status(err) != 409 || !strings.Contains(err.Error(), "already open") {
		t.Fatalf("a second count while one is open: %v", err)
	}

	// House Block B as presence shows it; House Block A with Kevin missing.
	if c, err = officer2.CountZone(ctx, c.ID, "hb-b", apiclient.ZoneCount{Confirm: true, Counted: 2}); err != nil || c.Zones[1].Status != headcount.Reconciled {
		t.Fatalf("hb-b confirmed: %+v, %v", c.Zones[1], err)
	}
	if _, err := officer3.CountZone(ctx, c.ID, "hb-a", apiclient.ZoneCount{Counted: 5, Missing: []string{"r-1007"}}); status(err) != 409 ||
		!strings.Contains(err.Error(), "not expected in hb-a") {
		t.Fatalf("a resident of another block named missing: %v", err)
	}
	c, err = officer3.CountZone(ctx, c.ID, "hb-a", apiclient.ZoneCount{Counted: 5, Missing: []string{"r-1005"}, Note: "A-111: bed empty"})
	if err != nil || c.State != headcount.Open || c.Zones[0].Status != headcount.Reconciled {
		t.Fatalf("hb-a corrected: %+v, %v", c, err)
	}
	unaccounted := waitAlarm("unaccounted alarm", func(ev alarm.Event) bool {
		return ev.Type == alarm.EventRaised && ev.Alarm.Kind == headcount.ProblemUnaccounted
	})
	if unaccounted.Priority != 1 || unaccounted.Node != "node-3" || !strings.Contains(unaccounted.Message, "r-1005") {
		t.Fatalf("unaccounted alarm: %+v", unaccounted)
	}

	// Every zone reconciles, yet Kevin is counted nowhere: still open.
	if c, err = officer2.CountZone(ctx, c.ID, "clinic", apiclient.ZoneCount{Confirm: true, Counted: 0}); err != nil ||
		c.State != headcount.Open || c.Zones[2].Status != headcount.Reconciled {
		t.Fatalf("clinic confirmed empty: %+v, %v", c, err)
	}
	// Found in the health centre: the count clears, his alarm is resolved.
	c, err = officer2.CountZone(ctx, c.ID, "clinic", apiclient.ZoneCount{Counted: 1, Extra: []string{"r-1005"}, Note: "escorted from class to the nurse"})
	if err != nil || c.State != headcount.Cleared || c.EndedBy != "officer" {
		t.Fatalf("clinic recounted: %+v, %v", c, err)
	}
	waitAlarm("the unaccounted alarm resolved", func(ev alarm.Event) bool {
		return ev.Alarm.ID == unaccounted.ID && ev.Alarm.State == alarm.Resolved && ev.Alarm.ResolvedBy == "node-2"
	})
	v, err := officer3.Headcount(ctx)
	for err == nil && (v.Count == nil || v.Count.State != headcount.Cleared) { // node-3 applies a moment later
		time.Sleep(10 * time.Millisecond)
		v, err = officer3.Headcount(ctx)
	}
	if err != nil || len(v.Past) != 1 || v.Summary.Reconciled != 3 || len(v.Residents) != 8 {
		t.Fatalf("count screen on node-3: %+v, %v", v, err)
	}

	// Rounds: every cell's rounds begin at the leader's first tick.
	for {
		rv, err := officer3.Rounds(ctx, "", 0)
		if err == nil && len(rv.Blocks) == 2 && !anyCell(rv, func(c api.RoundsCell) bool { return c.State == rounds.StateNotStarted }) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("rounds never started: %+v, %v", rv, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := officer2.CheckCell(ctx, "a-101", rounds.Other, ""); status(err) != 400 {
		t.Fatalf(`"other" without a note: %v`, err)
	}
	cell, err := officer2.CheckCell(ctx, "a-101", rounds.Asleep, "both asleep")
	if err != nil || cell.State != rounds.StateOK || cell.Last == nil || cell.Last.By != "officer" || cell.Last.Observation != rounds.Asleep {
		t.Fatalf("check of a-101: %+v, %v", cell, err)
	}
	var rv api.RoundsView
	for { // node-3 shows it once applied
		rv, err = officer3.Rounds(ctx, "hb-a", 1)
		if err == nil && len(rv.History) > 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("check never in node-3's history: %+v, %v", rv, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if h := rv.History[len(rv.History)-1]; h.Cell != "a-101" || h.Kind != rounds.RecordCheck || h.Note != "both asleep" || h.Source != rounds.SourceConsole {
		t.Fatalf("history: %+v", rv.History)
	}
	clock.Advance(16 * time.Minute)
	rv, err = officer3.Rounds(ctx, "hb-a", 1)
	if err != nil {
		t.Fatal(err)
	}
	a101, a111 := cellOf(rv, "a-101"), cellOf(rv, "a-111")
	if a101.State != rounds.StateOK || a111.State != rounds.StateOverdue || !a111.Watch || strings.Join(a111.OnWatch, ",") != "r-1005" ||
		a111.Interval != 15*time.Minute {
		t.Fatalf("16 minutes on: a-101 %+v, a-111 %+v", a101, a111)
	}
	if err := officer2.Watch(ctx, "r-1001", true, "self-harm risk"); status(err) != 403 {
		t.Fatalf("an officer changed a watch: %v", err)
	}
	day := func(d time.Duration) string { return time.Now().Add(d).In(f.Location()).Format(time.DateOnly) }
	csv, err := officer3.RoundsCSV(ctx, "hb-a", day(-24*time.Hour), day(24*time.Hour))
	if err != nil || !strings.Contains(string(csv), ",hb-a,a-101,check,officer,console,,asleep,both asleep,30.0,") {
		t.Fatalf("rounds export: %v\n%s", err, csv)
	}

	// The custody report: supervisors only, a row per resident and day.
	if _, err := officer3.Custody(ctx, "", ""); status(err) != 403 {
		t.Fatalf("an officer read the custody report: %v", err)
	}
	from, to := day(-time.Hour), day(0)
	rep, err := super.Custody(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	days := 1
	if from != to {
		days = 2
	}
	if len(rep.Rows) != 8*days || len(rep.Totals) != 8 {
		t.Fatalf("custody report %s to %s: %d rows, %d totals", from, to, len(rep.Rows), len(rep.Totals))
	}
	var kevin reports.Total
	for _, tot := range rep.Totals {
		if tot.Person == "r-1005" {
			kevin = tot
		}
	}
	// Half an hour in class (by the wall clock; the nodes' runs 16
	// minutes ahead), all of it out of his cell.
	if kevin.Education.Sessions != 1 || kevin.Education.Time < 30*time.Minute || kevin.Education.Time > 50*time.Minute ||
		kevin.OutOfCell != kevin.Education.Time {
		t.Fatalf("r-1005's totals: %+v", kevin)
	}
	if b, err := super.CustodyCSV(ctx, from, to); err != nil || !strings.HasPrefix(string(b), strings.Join(reports.CSVHeader, ",")) ||
		!strings.Contains(string(b), ",r-1005,Kevin Tremblay,a-111,") {
		t.Fatalf("custody CSV: %v\n%s", err, b)
	}
}

func anyCell(v api.RoundsView, ok func(api.RoundsCell) bool) bool {
	for _, b := range v.Blocks {
		for _, c := range b.Cells {
			if ok(c) {
				return true
			}
		}
	}
	return false
}

func cellOf(v api.RoundsView, id string) api.RoundsCell {
	for _, b := range v.Blocks {
		for _, c := range b.Cells {
			if c.Cell == id {
				return c
			}
		}
	}
	return api.RoundsCell{}
}
