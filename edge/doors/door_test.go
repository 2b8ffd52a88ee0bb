package doors

import (
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/facility"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func locked() *Door {
	return New(Config{ID: "d1", Name: "Control room door", Zone: "control-room", Locked: true,
		HeldOpen: 30 * time.Second, UnlockFor: 5 * time.Second, AntiPassback: 10 * time.Minute})
}

var granted = Decision{Granted: true, Person: "s-1", Name: "Anna Kowalski"}

// effects flattens what a sequence of inputs produced.
type trace struct {
	alarms  []string // kind:priority
	unlocks []time.Duration
	states  []State
}

func (tr *trace) add(es []Effect) {
	for _, e := range es {
		if e.Alarm != nil {
			tr.alarms = append(tr.alarms, e.Alarm.Kind+":"+string(rune('0'+e.Alarm.Priority)))
		}
		if e.Unlock > 0 {
			tr.unlocks = append(tr.unlocks, e.Unlock)
		}
		if e.State != "" {
			tr.states = append(tr.states, e.State)
		}
	}
}

func (tr trace) String() string {
	var s []string
	for _, st := range tr.states {
		s = append(s, string(st))
	}
	return "alarms " + strings.Join(tr.alarms, ",") + " states " + strings.Join(s, ",")
}

func TestCardReleasesLockAndDoorRelocks(t *testing.T) {
	d := locked()
	var tr trace
	tr.add(d.Credential(4100201, granted, at(0)))
	if len(tr.unlocks) != 1 || tr.unlocks[0] != 5*time.Second {
		t.Fatalf("a granted card released %v, want one 5 s release", tr.unlocks)
	}
	tr.add(d.Released(at(0.1), 5*time.Second, false, "card"))
	tr.add(d.Contact(true, at(1.5)))
	tr.add(d.Contact(false, at(4)))
	tr.add(d.Tick(at(5)))
	tr.add(d.Tick(at(5.2)))
	if len(tr.alarms) != 0 || tr.String() != "alarms  states unlocked,open,unlocked,secure" {
		t.Errorf("got %s", tr)
	}
}

func TestOpenedWhileLockedIsForced(t *testing.T) {
	d := locked()
	var tr trace
	tr.add(d.Contact(true, at(0)))
	if d.State() != Forced || len(tr.alarms) != 1 || tr.alarms[0] != "door.forced:1" {
		t.Fatalf("got %s", tr)
	}
	// A card after the fact does not make it legal, and closing ends it.
	tr.add(d.Contact(false, at(3)))
	if d.State() != Secure {
		t.Errorf("closed forced door is %s", d.State())
	}
	// Opening after the release has ended is forced again.
	tr.add(d.Credential(4100201, granted, at(10)))
	tr.add(d.Released(at(10.05), 5*time.Second, false, "card"))
	tr.add(d.Contact(true, at(15.5)))
	if d.State() != Forced {
		t.Errorf("opened 5.5 s after a 5 s release: %s", d.State())
	}
	// A granted card whose release never committed (no quorum) leaves the
	// lock shut: opening the door is forcing it.
	tr.add(d.Contact(false, at(20)))
	tr.add(d.Credential(4100201, granted, at(700)))
	tr.add(d.Contact(true, at(701)))
	if d.State() != Forced {
		t.Errorf("opened after a grant whose release never committed: %s", d.State())
	}
}

func TestExitRequestMakesOpeningLegal(t *testing.T) {
	d := locked()
	var tr trace
	tr.add(d.Exit(at(0)))
	tr.add(d.Released(at(0.05), 5*time.Second, false, "request to exit"))
	tr.add(d.Contact(true, at(0.8)))
	if d.State() != Open || len(tr.alarms) != 0 || len(tr.unlocks) != 1 {
		t.Errorf("got %s, unlocks %v", tr, tr.unlocks)
	}
}

func TestHeldOpenAfterItsTimeOnce(t *testing.T) {
	d := locked()
	var tr trace
	tr.add(d.Exit(at(0)))
	tr.add(d.Released(at(0.05), 5*time.Second, false, "request to exit"))
	tr.add(d.Contact(true, at(1)))
	tr.add(d.Tick(at(30.9)))
	if len(tr.alarms) != 0 {
		t.Fatalf("held open raised early: %s", tr)
	}
	tr.add(d.Tick(at(31)))
	tr.add(d.Tick(at(60)))
	if d.State() != HeldOpen || len(tr.alarms) != 1 || tr.alarms[0] != "door.held_open:2" {
		t.Errorf("got %s", tr)
	}
}

func TestRefusedCards(t *testing.T) {
	d := locked()
	var tr trace
	tr.add(d.Credential(999, Decision{Reason: "no one holds this card"}, at(0)))
	tr.add(d.Credential(4100201, granted, at(10)))
	tr.add(d.Credential(4100201, granted, at(70))) // passed back within 10 minutes
	tr.add(d.Credential(4100201, granted, at(10+600)))
	if got := strings.Join(tr.alarms, " "); got != "door.invalid_card:3 door.antipassback:3" {
		t.Errorf("alarms %q", got)
	}
	if len(tr.unlocks) != 2 {
		t.Errorf("unlocks %v, want the two granted uses", tr.unlocks)
	}
	if tr.add(d.Contact(true, at(700))); d.State() != Forced {
		t.Errorf("a refused card must not open the door: %s", d.State())
	}
}

func TestTamperAndOfficerRelease(t *testing.T) {
	d := locked()
	var tr trace
	tr.add(d.Tamper(true, at(0)))
	tr.add(d.Tamper(true, at(1)))
	if strings.Join(tr.alarms, " ") != "door.tamper:2" {
		t.Errorf("alarms %v", tr.alarms)
	}
	tr.add(d.Released(at(5), 0, true, "officer"))
	tr.add(d.Contact(true, at(600)))
	if d.State() != Open {
		t.Errorf("door released by an officer, opened: %s", d.State())
	}
	tr.add(d.Contact(false, at(610)))
	tr.add(d.Tick(at(700)))
	if d.State() != Unlocked {
		t.Errorf("released without end, closed: %s", d.State())
	}
	tr.add(d.Relocked(at(701), "officer"))
	if d.State() != Secure {
		t.Errorf("relocked: %s", d.State())
	}
}

func TestDoorWithoutLockIsNeverForced(t *testing.T) {
	d := New(Config{ID: "d2", HeldOpen: time.Minute})
	d.Contact(true, at(0))
	if d.State() != Open {
		t.Errorf("got %s", d.State())
	}
}

func TestAccessRules(t *testing.T) {
	f := &facility.Facility{Timezone: "America/Toronto",
		People: []facility.Person{
			{ID: "s-1", Name: "Anna", Role: facility.PersonStaff, Groups: []string{"day-shift"}, Cards: []uint64{11}},
			{ID: "r-1", Name: "Dan", Role: facility.PersonResident, Cards: []uint64{22}},
		}}
	a, err := NewAccess(f)
	if err != nil {
		t.Fatal(err)
	}
	door := facility.Door{ID: "d", Inside: "cr", Outside: "corr", Access: []facility.AccessRule{
		{Groups: []string{"day-shift"}, Hours: "06:30-19:30", Days: []string{"mon", "tue", "wed", "thu", "fri"}},
	}}
	toronto, _ := time.LoadLocation("America/Toronto")
	monMorning := time.Date(2026, 3, 2, 7, 0, 0, 0, toronto)
	for _, tc := range []struct {
		card   uint64
		at     time.Time
		locked bool
		want   bool
		reason string
	}{
		{11, monMorning, false, true, "rule 1"},
		{11, monMorning.Add(13 * time.Hour), false, false, "not at this hour or on this day"},
		{11, monMorning.Add(5 * 24 * time.Hour), false, false, "not at this hour or on this day"}, // Saturday
		{22, monMorning, false, false, "not allowed through this door"},
		{33, monMorning, false, false, "no one holds this card"},
		{11, monMorning, true, false, "the zone is locked down"},
	} {
		dec := a.Decide(door, tc.card, tc.at.UTC(), func(z string) bool { return tc.locked && z == "cr" })
		if dec.Granted != tc.want || dec.Reason != tc.reason {
			t.Errorf("card %d at %s: %+v, want %v %q", tc.card, tc.at, dec, tc.want, tc.reason)
		}
	}
}
