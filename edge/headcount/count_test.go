package headcount

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/facility"
)

const testFacility = `id: t
name: Test
kind: prison
timezone: America/Toronto
nodes:
  - {id: n1, raft_addr: 127.0.0.1:7001, http_addr: 127.0.0.1:8081}
  - {id: n2, raft_addr: 127.0.0.1:7002, http_addr: 127.0.0.1:8082}
site: {width: 100, height: 100}
zones:
  - id: hb
    name: Block
    kind: building
    polygon: [[0, 0], [50, 0], [50, 50]]
    zones:
      - {id: c1, name: Cell 1, kind: cell, capacity: 2, polygon: [[0, 0], [5, 0], [5, 5]]}
      - {id: c2, name: Cell 2, kind: cell, polygon: [[0, 0], [5, 0], [5, 5]]}
  - id: seg
    name: Segregation
    kind: cell_block
    polygon: [[50, 0], [100, 0], [100, 50]]
    zones:
      - {id: s1, name: Seg 1, kind: cell, polygon: [[50, 0], [55, 0], [55, 5]]}
  - {id: clinic, name: Clinic, kind: clinic, polygon: [[60, 60], [90, 60], [90, 90]]}
  - {id: yard, name: Yard, kind: yard, polygon: [[0, 60], [50, 60], [50, 99]]}
people:
  - {id: r1, name: Ann, role: resident, home: c1}
  - {id: r2, name: Bea, role: resident, home: c1}
  - {id: r3, name: Cid, role: resident, home: c2}
  - {id: r4, name: Dan, role: resident, home: s1}
  - {id: r5, name: Eve, role: resident}
  - {id: st, name: Officer, role: staff}
users:
  - {name: officer, role: officer, password_hash: "$2a$10$EnOMhAOSWV8h/.9hPJ1hcu0Vsj6jJDhEnmcaLX01upVct0HYsJGUu"}
  - {name: super, role: supervisor, password_hash: "$2a$10$EnOMhAOSWV8h/.9hPJ1hcu0Vsj6jJDhEnmcaLX01upVct0HYsJGUu"}
headcount:
  times: ["02:30", "06:30", "12:30", "23:55"]
  zones: [hb, seg, clinic]
  late: 20m
`

func testPlan(t *testing.T) *Plan {
	t.Helper()
	f, err := facility.Parse("t.yaml", []byte(testFacility))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var t0 = time.Date(2026, 6, 1, 16, 30, 0, 0, time.UTC) // 12:30 in Toronto

// home is everyone in their cell, r5 (no home) in the yard, and staff.
var home = map[string]string{"r1": "c1", "r2": "c1", "r3": "c2", "r4": "s1", "r5": "yard", "st": "hb"}

func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

func enter(t *testing.T, p *Plan, c Count, zone string, e Entry) Count {
	t.Helper()
	if e.By == "" {
		e.By = "officer"
	}
	if e.At.IsZero() {
		e.At = t0.Add(5 * time.Minute)
	}
	c, err := c.Enter(p, zone, e)
	if err != nil {
		t.Fatalf("enter %s %+v: %v", zone, e, err)
	}
	return c
}

func problemKeys(c Count) []string {
	var ks []string
	for _, p := range c.Problems {
		ks = append(ks, p.Key)
	}
	return ks
}

func TestBegin(t *testing.T) {
	p := testPlan(t)
	c := Begin(p, 7, t0, "officer", with(home, "r1", "clinic", "r2", "", "r4", "corridor-x"))
	if c.State != Open || c.ID != 7 || len(c.Zones) != 3 || len(c.Problems) != 0 {
		t.Fatalf("%+v", c)
	}
	hb := c.Zones[0]
	if hb.Zone != "hb" || !slices.Equal(hb.Expected, []string{"r1", "r2", "r3"}) || !slices.Equal(hb.Located, []string{"r3"}) || hb.Status != Pending {
		t.Errorf("hb = %+v", hb)
	}
	if cl := c.Zones[2]; len(cl.Expected) != 0 || !slices.Equal(cl.Located, []string{"r1"}) {
		t.Errorf("clinic = %+v", cl)
	}
	// Staff are not counted; r5 (no home) and r4 are outside the counted
	// zones; r2 is placed nowhere.
	if !slices.Equal(c.Outside, []Placement{{"r4", "corridor-x"}, {"r5", "yard"}}) || !slices.Equal(c.Unplaced, []string{"r2"}) {
		t.Errorf("outside %v, unplaced %v", c.Outside, c.Unplaced)
	}
}

func TestEveryoneHomeClears(t *testing.T) {
	p := testPlan(t)
	c := Begin(p, 1, t0, "officer", home)
	c = enter(t, p, c, "hb", Entry{Confirmed: true, Counted: 3})
	c = enter(t, p, c, "seg", Entry{Confirmed: true, Counted: 1})
	if c.State != Open || c.Zones[0].Status != Reconciled || c.Zones[2].Status != Pending {
		t.Fatalf("after two zones: %+v", c)
	}
	end := t0.Add(9 * time.Minute)
	c = enter(t, p, c, "clinic", Entry{Confirmed: true, Counted: 0, By: "super", At: end})
	if c.State != Cleared || len(c.Problems) != 0 || !c.EndedAt.Equal(end) || c.EndedBy != "super" {
		t.Fatalf("all three confirmed: %+v", c)
	}
	if _, err := c.Enter(p, "hb", Entry{Confirmed: true, Counted: 3}); !errors.Is(err, ErrClosed) {
		t.Errorf("an entry after clearing: %v, want ErrClosed", err)
	}
}

// TestOutCount: presence has r1 in the clinic. The block's confirmation
// lists r1 missing; that is no alarm while the clinic's count is still to
// come, and the clinic's count accounts for r1.
func TestOutCount(t *testing.T) {
	p := testPlan(t)
	c := Begin(p, 1, t0, "officer", with(home, "r1", "clinic"))
	c = enter(t, p, c, "hb", Entry{Confirmed: true, Counted: 2})
	if e, _ := c.Zones[0].Current(); !slices.Equal(e.Missing, []string{"r1"}) || len(e.Extra) != 0 || c.Zones[0].Status != Reconciled {
		t.Fatalf("hb confirmation: %+v", c.Zones[0])
	}
	if len(c.Problems) != 0 {
		t.Fatalf("problems while the clinic is pending: %v", problemKeys(c))
	}
	c = enter(t, p, c, "seg", Entry{Confirmed: true, Counted: 1})
	c = enter(t, p, c, "clinic", Entry{Confirmed: true, Counted: 1})
	if c.State != Cleared {
		t.Fatalf("%+v", c)
	}
}

// TestTagWithoutItsWearer: presence puts r3 in their cell; the officer
// does not find them there. The count stays open with r3 unaccounted (no
// other zone to wait for) and the tag flagged, until the clinic's officer
// finds r3.
func TestTagWithoutItsWearer(t *testing.T) {
	p := testPlan(t)
	c := Begin(p, 4, t0, "officer", home)
	before := c
	c = enter(t, p, c, "hb", Entry{Counted: 2, Missing: []string{"r3"}, Note: "c2 empty"})
	if got, want := problemKeys(c), []string{"headcount.presence/4/hb", "headcount.unaccounted/4/r3"}; !slices.Equal(got, want) {
		t.Fatalf("problems %v, want %v", got, want)
	}
	un := c.Problems[1]
	if un.Priority != 1 || un.Zone != "hb" || !slices.Equal(un.People, []string{"r3"}) ||
		un.Message != "count 4: r3 missing from hb and counted in no other zone (presence placed them in hb)" {
		t.Errorf("unaccounted: %+v", un)
	}
	if pr := c.Problems[0]; pr.Priority != 2 || !strings.Contains(pr.Message, "presence placed r3 here but the count did not find them") {
		t.Errorf("presence: %+v", pr)
	}
	o := outcome(before, c)
	if len(o.Raise) != 2 || len(o.Clear) != 0 || o.Raise[1].Kind != ProblemUnaccounted || o.Raise[1].Priority != 1 {
		t.Errorf("outcome %+v", o)
	}
	c = enter(t, p, c, "seg", Entry{Confirmed: true, Counted: 1})
	before = c
	c = enter(t, p, c, "clinic", Entry{Counted: 1, Extra: []string{"r3"}})
	// r3 is found; presence still disagrees about the clinic and the
	// block (r3's tag was in c2) but that does not hold the count open.
	if c.State != Cleared || len(c.Problems) != 0 {
		t.Fatalf("%+v", c)
	}
	o = outcome(before, c)
	if !slices.Equal(o.Clear, []string{"headcount.presence/4/hb", "headcount.unaccounted/4/r3"}) || len(o.Raise) != 0 || o.State != Cleared {
		t.Errorf("clearing outcome %+v", o)
	}
}

func TestMismatchAndRecount(t *testing.T) {
	p := testPlan(t)
	c := Begin(p, 2, t0, "officer", home)
	c = enter(t, p, c, "hb", Entry{Counted: 4})
	if c.Zones[0].Status != Mismatch || !slices.Equal(problemKeys(c), []string{"headcount.mismatch/2/hb"}) {
		t.Fatalf("%+v", c)
	}
	if m := c.Problems[0].Message; m != "count 2, hb: officer counted 4, but 3 expected − 0 missing + 0 extra = 3: recount" {
		t.Errorf("message %q", m)
	}
	// A confirmation with a count different from what presence shows does
	// not add up either.
	c = enter(t, p, c, "hb", Entry{Confirmed: true, Counted: 2})
	if c.Zones[0].Status != Mismatch {
		t.Errorf("confirmed 2 of 3 located: %s", c.Zones[0].Status)
	}
	c = enter(t, p, c, "hb", Entry{Confirmed: true, Counted: 3})
	if c.Zones[0].Status != Reconciled || len(c.Problems) != 0 || len(c.Zones[0].Entries) != 3 {
		t.Errorf("after the recount: %+v", c.Zones[0])
	}
}

func TestDoubleCounted(t *testing.T) {
	p := testPlan(t)
	c := Begin(p, 3, t0, "officer", home)
	c = enter(t, p, c, "hb", Entry{Confirmed: true, Counted: 3})
	c = enter(t, p, c, "seg", Entry{Confirmed: true, Counted: 1})
	c = enter(t, p, c, "clinic", Entry{Counted: 1, Extra: []string{"r1"}})
	if c.State != Open || !slices.Contains(problemKeys(c), "headcount.double_counted/3/r1") {
		t.Fatalf("%v", problemKeys(c))
	}
	if i := slices.IndexFunc(c.Problems, func(p Problem) bool { return p.Kind == ProblemDouble }); c.Problems[i].Message != "count 3: r1 counted in hb and clinic" {
		t.Errorf("%q", c.Problems[i].Message)
	}
	// r5 has no home: counting them in the clinic is no double count.
	c = enter(t, p, c, "clinic", Entry{Counted: 1, Extra: []string{"r5"}})
	if c.State != Cleared {
		t.Errorf("%+v", c.Problems)
	}
}

func TestEntryValidation(t *testing.T) {
	p := testPlan(t)
	c := Begin(p, 1, t0, "officer", home)
	for _, tc := range []struct {
		zone string
		e    Entry
		want string
	}{
		{"yard", Entry{Counted: 1}, `zone "yard" is not counted`},
		{"hb", Entry{Counted: -1}, "a count of -1"},
		{"hb", Entry{Counted: 2, Missing: []string{"r4"}}, "r4 is not expected in hb"},
		{"hb", Entry{Counted: 4, Extra: []string{"st"}}, "st is not a resident"},
		{"hb", Entry{Counted: 4, Extra: []string{"r9"}}, "r9 is not a resident"},
		{"hb", Entry{Counted: 3, Extra: []string{"r1"}}, "r1 lives in hb: not extra there"},
		{"hb", Entry{Counted: 1, Missing: []string{"r1", "r1"}}, "r1 named twice"},
		{"hb", Entry{Confirmed: true, Counted: 2, Missing: []string{"r1"}}, "a confirmation names nobody"},
	} {
		if _, err := c.Enter(p, tc.zone, tc.e); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %+v: %v, want ErrInvalid %q", tc.zone, tc.e, err, tc.want)
		}
	}
	if c.Zones[0].Status != Pending || len(c.Zones[0].Entries) != 0 {
		t.Errorf("a refused entry changed the count: %+v", c.Zones[0])
	}
}

func TestLateAndCancel(t *testing.T) {
	p := testPlan(t)
	c := Begin(p, 9, t0, "n1", home)
	if _, err := c.MarkLate(p.late, t0.Add(19*time.Minute)); !errors.Is(err, ErrUnchanged) {
		t.Errorf("late at 19m of 20: %v", err)
	}
	c, err := c.MarkLate(p.late, t0.Add(20*time.Minute))
	if err != nil || !c.Late || !slices.Equal(problemKeys(c), []string{"headcount.late/9/open"}) {
		t.Fatalf("late at 20m: %v %+v", err, c)
	}
	if !strings.Contains(c.Problems[0].Message, "0 of 3 zones reconciled") {
		t.Errorf("%q", c.Problems[0].Message)
	}
	if _, err := c.MarkLate(p.late, t0.Add(time.Hour)); !errors.Is(err, ErrUnchanged) {
		t.Errorf("late twice: %v", err)
	}
	if _, err := c.Cancel("super", "  ", t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("cancel without a note: %v", err)
	}
	c, err = c.Cancel("super", "fire alarm: evacuation count instead", t0.Add(25*time.Minute))
	if err != nil || c.State != Cancelled || len(c.Problems) != 0 || c.EndedBy != "super" {
		t.Fatalf("%v %+v", err, c)
	}
	if _, err := c.Cancel("super", "again", t0); !errors.Is(err, ErrClosed) {
		t.Errorf("cancel twice: %v", err)
	}
}

func TestDue(t *testing.T) {
	p := testPlan(t)
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, now, last, want string // want "": nothing due
	}{
		{"a second early", "2026-06-01T12:29:59-04:00", "", ""},
		{"on time", "2026-06-01T12:30:00-04:00", "", "2026-06-01T12:30:00-04:00"},
		{"late but in the catch-up", "2026-06-01T12:44:59-04:00", "", "2026-06-01T12:30:00-04:00"},
		{"too late", "2026-06-01T12:45:00-04:00", "", ""},
		{"already started", "2026-06-01T12:31:00-04:00", "2026-06-01T12:30:00-04:00", ""},
		{"the previous one started", "2026-06-01T12:31:00-04:00", "2026-06-01T06:30:00-04:00", "2026-06-01T12:30:00-04:00"},
		{"across midnight", "2026-06-02T00:05:00-04:00", "", "2026-06-01T23:55:00-04:00"},
		// 2026-03-08: 02:30 does not exist; the 02:30 count is due when
		// the clocks jump to 03:00 EDT.
		{"spring: 01:59 EST", "2026-03-08T06:59:59Z", "", ""},
		{"spring: 03:00 EDT", "2026-03-08T07:00:00Z", "", "2026-03-08T07:00:00Z"},
		// 2026-11-01: 02:30 EST comes after 01:00-02:00 twice; it is due once.
		{"fall: 02:30 EST", "2026-11-01T07:30:00Z", "", "2026-11-01T07:30:00Z"},
	} {
		var last time.Time
		if tc.last != "" {
			last = at(tc.last)
		}
		got, ok := p.Due(last, at(tc.now))
		if tc.want == "" {
			if ok {
				t.Errorf("%s: due %v, want nothing", tc.name, got)
			}
			continue
		}
		if !ok || !got.Equal(at(tc.want)) || !p.slot(got) {
			t.Errorf("%s: due %v, %v; want %s", tc.name, got, ok, tc.want)
		}
	}
	if p.slot(at("2026-06-01T12:31:00-04:00")) {
		t.Error("12:31 taken for a scheduled time")
	}
}
