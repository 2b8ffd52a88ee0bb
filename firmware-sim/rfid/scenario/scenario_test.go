package scenario

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	t0   = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	door = Doorway{ID: "hb-a-rfid", A: "hb-a-1", B: "hb-a-2"}
)

func TestInViewAlongACrossing(t *testing.T) {
	p := Residents(1, "hb-a-1")[0]
	s, err := New([]Doorway{door}, []Person{p})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Walk(p.EPC, door.ID, t0); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		dt       time.Duration
		ant0     bool
		ant1     bool
		rssiNear float64 // expected RSSI of a visible antenna
	}{
		{-2 * time.Second, false, false, 0},
		{-Approach, true, false, FarDBm},
		{-time.Second, true, false, -45 - 25*2/3.0},
		{-Overlap / 2, true, true, -45 - 25*(0.2/1.5)},
		{0, true, true, NearDBm},
		{Overlap / 2, true, true, -45 - 25*(0.2/1.5)},
		{time.Second, false, true, -45 - 25*2/3.0},
		{2 * time.Second, false, false, 0},
	}
	for _, tc := range cases {
		at := t0.Add(tc.dt)
		for ant, want := range []bool{tc.ant0, tc.ant1} {
			got := s.InView(door.ID, ant, at)
			if (len(got) == 1) != want {
				t.Fatalf("%v: antenna %d sees %v, want visible=%v", tc.dt, ant, got, want)
			}
			if want && (got[0].EPC != p.EPC || abs(got[0].RSSI-tc.rssiNear) > 0.01) {
				t.Fatalf("%v: antenna %d sighting %+v, want %.2f dBm", tc.dt, ant, got[0], tc.rssiNear)
			}
		}
	}
	if z := s.ZoneAt(p.EPC, t0.Add(-time.Millisecond)); z != "hb-a-1" {
		t.Fatalf("before: in %s", z)
	}
	if z := s.ZoneAt(p.EPC, t0); z != "hb-a-2" {
		t.Fatalf("at the crossing: in %s", z)
	}
	want := Crossing{EPC: p.EPC, Doorway: door.ID, From: "hb-a-1", To: "hb-a-2", At: t0}
	if c := s.Crossings(); len(c) != 1 || c[0] != want {
		t.Fatalf("ground truth %+v, want %+v", c, want)
	}
	if c := s.CrossingsUntil(t0.Add(-time.Second)); len(c) != 0 {
		t.Fatalf("crossings before it happened: %+v", c)
	}
}

func TestTurnBack(t *testing.T) {
	p := Officers(1, "hb-a-2")[0]
	s, _ := New([]Doorway{door}, []Person{p})
	if _, err := s.TurnBack(p.EPC, door.ID, t0); err != nil {
		t.Fatal(err)
	}
	if got := s.InView(door.ID, 1, t0); len(got) != 1 || got[0].RSSI != NearDBm-turnBackLoss {
		t.Fatalf("antenna 1 (their side) sees %v", got)
	}
	if got := s.InView(door.ID, 0, t0); len(got) != 0 {
		t.Fatalf("antenna 0 (the far side) sees %v", got)
	}
	if len(s.Crossings()) != 0 || s.ZoneAt(p.EPC, t0.Add(time.Hour)) != "hb-a-2" {
		t.Fatalf("a turn back counted as a crossing: %+v", s.Crossings())
	}
}

func TestAddRejects(t *testing.T) {
	p := Residents(1, "hb-a-1")[0]
	other := Doorway{ID: "yard-rfid", A: "corridor", B: "yard"}
	s, _ := New([]Doorway{door, other}, []Person{p})
	if _, err := s.Walk(p.EPC, door.ID, t0); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		m    Move
		msg  string
	}{
		{"unknown person", Move{EPC: "E200", Doorway: door.ID, From: "hb-a-2", To: "hb-a-1", At: t0.Add(time.Minute)}, "unknown EPC"},
		{"unknown doorway", Move{EPC: p.EPC, Doorway: "x", From: "hb-a-2", To: "hb-a-1", At: t0.Add(time.Minute)}, "unknown doorway"},
		{"wrong doorway", Move{EPC: p.EPC, Doorway: other.ID, From: "hb-a-2", To: "yard", At: t0.Add(time.Minute)}, "joins corridor and yard"},
		{"not there", Move{EPC: p.EPC, Doorway: door.ID, From: "hb-a-1", To: "hb-a-2", At: t0.Add(time.Minute)}, "is in hb-a-2, not hb-a-1"},
		{"too soon", Move{EPC: p.EPC, Doorway: door.ID, From: "hb-a-2", To: "hb-a-1", At: t0.Add(time.Second)}, "within 3s"},
	}
	for _, tc := range cases {
		if err := s.Add(tc.m); !errors.Is(err, ErrScenario) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.msg)
		}
	}
	if _, err := New([]Doorway{door, door}, nil); err == nil {
		t.Error("duplicate doorway accepted")
	}
	if _, err := New(nil, []Person{p, p}); err == nil {
		t.Error("duplicate EPC accepted")
	}
}

// facility: cells on two floors, a corridor, the yard, the control room.
var facility = []Doorway{
	{ID: "hb-a-rfid", A: "hb-a-1", B: "hb-a-2"},
	{ID: "hb-a-exit-rfid", A: "hb-a-1", B: "main-corridor"},
	{ID: "yard-rfid", A: "main-corridor", B: "yard"},
	{ID: "cr-rfid", A: "control-room", B: "main-corridor"},
}

func population() []Person {
	ps := append(Residents(12, "hb-a-1", "hb-a-2"), Officers(3, "control-room")...)
	return append(ps, Strangers(1, "main-corridor")...)
}

func TestRandomDay(t *testing.T) {
	cfg := RandomConfig{Seed: 7, Start: t0.Truncate(24 * time.Hour), Duration: 24 * time.Hour,
		Doorways: facility, People: population(), Yard: "yard", TurnBacks: 0.2}
	s, err := Random(cfg)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Random(cfg)
	if a, b := s.Crossings(), again.Crossings(); len(a) != len(b) || a[0] != b[0] || a[len(a)-1] != b[len(b)-1] {
		t.Fatal("same seed, different day")
	}
	end := cfg.Start.Add(cfg.Duration)
	perPerson := map[string]int{}
	yardVisits, turnBacks := 0, 0
	for _, m := range s.Moves() {
		if m.At.Before(cfg.Start) || m.At.After(end) {
			t.Fatalf("move outside the day: %+v", m)
		}
		p, _ := s.Person(m.EPC)
		if p.Role != Staff && !inPeriods(m.At) {
			t.Fatalf("%s (%s) moves at %v, while locked up", p.ID, p.Role, m.At.Format(time.TimeOnly))
		}
		if !m.Crosses() {
			turnBacks++
			continue
		}
		perPerson[string(p.Role)]++
		if m.To == "yard" {
			yardVisits++
		}
	}
	for _, p := range s.People() {
		if z := s.ZoneAt(p.EPC, end); z != p.Home {
			t.Errorf("%s (%s) ends the day in %s, home is %s", p.ID, p.Role, z, p.Home)
		}
	}
	if yardVisits < 12 || perPerson["staff"] < 3*4 || perPerson["unknown"] == 0 || turnBacks == 0 {
		t.Fatalf("implausible day: %d yard visits, crossings by role %v, %d turn backs", yardVisits, perPerson, turnBacks)
	}
	// Residents of the upper floor go through both house block doorways.
	up := Residents(12, "hb-a-1", "hb-a-2")[1]
	var route []string
	for _, c := range s.Crossings() {
		if c.EPC == up.EPC {
			route = append(route, c.Doorway)
		}
	}
	if len(route) < 6 || route[0] != "hb-a-rfid" || route[1] != "hb-a-exit-rfid" || route[2] != "yard-rfid" {
		t.Fatalf("route of %s: %v", up.ID, route)
	}
	if len(s.Busy("yard-rfid")) == 0 {
		t.Fatal("yard doorway never busy")
	}
}

func TestBusyMerges(t *testing.T) {
	ps := Residents(2, "hb-a-1")
	s, _ := New([]Doorway{door}, ps)
	s.Walk(ps[0].EPC, door.ID, t0)
	s.Walk(ps[1].EPC, door.ID, t0.Add(time.Second)) // overlaps
	s.Walk(ps[0].EPC, door.ID, t0.Add(time.Minute))
	b := s.Busy(door.ID)
	if len(b) != 2 || !b[0][0].Equal(t0.Add(-Approach)) || !b[0][1].Equal(t0.Add(time.Second+Approach)) {
		t.Fatalf("busy %v", b)
	}
}

func TestClock(t *testing.T) {
	c := NewClock(t0)
	if c.Advance(time.Second) != t0.Add(time.Second) || c.Now() != t0.Add(time.Second) {
		t.Fatal("advance")
	}
	f := Scaled(t0, 1000)
	if got := f(); got.Before(t0) || got.After(t0.Add(time.Hour)) {
		t.Fatalf("scaled clock at %v", got)
	}
}

func inPeriods(t time.Time) bool {
	day := t.Truncate(24 * time.Hour)
	for _, p := range DefaultUnlocked {
		if !t.Before(day.Add(p.From)) && !t.After(day.Add(p.To)) {
			return true
		}
	}
	return false
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestRandomShort: half an hour of an activity period still has
// everybody's outing in it; a yard no doorway reaches is an error.
func TestRandomShort(t *testing.T) {
	cfg := RandomConfig{Seed: 1, Start: t0, Duration: 30 * time.Minute, Doorways: facility,
		People: Residents(4, "hb-a-2"), Yard: "yard", Outings: 1}
	s, err := Random(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Crossings()); n != 4*6 { // hb-a-2 → hb-a-1 → corridor → yard and back
		t.Fatalf("%d crossings in half an hour, want 24: %+v", n, s.Crossings())
	}
	cfg.Yard = "roof"
	if _, err := Random(cfg); !errors.Is(err, ErrScenario) || !strings.Contains(err.Error(), "no way from hb-a-2 to roof") {
		t.Fatalf("unreachable yard: %v", err)
	}
}
