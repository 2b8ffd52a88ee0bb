package zonerules

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/palisade/palisade/edge/facility"
)

const testFacility = `id: t
name: Test
kind: prison
timezone: America/Toronto
nodes: [{id: n1, raft_addr: 127.0.0.1:7001, http_addr: 127.0.0.1:8081}]
site: {width: 100, height: 100}
zones:
  - id: hb
    name: Block
    kind: building
    capacity: 5
    polygon: [[0, 0], [50, 0], [50, 50]]
    zones:
      - {id: c1, name: Cell 1, kind: cell, capacity: 1, polygon: [[0, 0], [5, 0], [5, 5]]}
      - {id: c2, name: Cell 2, kind: cell, capacity: 2, polygon: [[0, 0], [5, 0], [5, 5]]}
      - {id: seg, name: Seg cell, kind: cell, capacity: 1, polygon: [[0, 0], [5, 0], [5, 5]]}
  - id: hb2
    name: Block 2
    kind: building
    polygon: [[50, 0], [100, 0], [100, 50]]
    zones:
      - {id: d1, name: Cell D1, kind: cell, polygon: [[50, 0], [55, 0], [55, 5]]}
  - {id: yard, name: Yard, kind: yard, capacity: 3, polygon: [[0, 60], [50, 60], [50, 99]]}
  - {id: corridor, name: Corridor, kind: corridor, polygon: [[0, 50], [99, 50], [99, 55]]}
  - {id: clinic, name: Clinic, kind: clinic, polygon: [[60, 60], [90, 60], [90, 90]]}
  - {id: chapel, name: Chapel, kind: chapel, polygon: [[60, 60], [90, 60], [90, 90]]}
groups:
  - {id: a, name: A}
  - {id: b, name: B}
people:
  - {id: r1, name: Ann, role: resident, groups: [a], home: c1}
  - {id: r2, name: Bea, role: resident, groups: [a], home: c2}
  - {id: r3, name: Cid, role: resident, groups: [b], home: c2}
  - {id: r4, name: Dan, role: resident, groups: [b], home: seg}
  - {id: r5, name: Eve, role: resident, home: d1}
  - {id: s1, name: Officer One, role: staff}
  - {id: s2, name: Officer Two, role: staff}
users:
  - {name: officer, role: officer, password_hash: "$2a$10$EnOMhAOSWV8h/.9hPJ1hcu0Vsj6jJDhEnmcaLX01upVct0HYsJGUu"}
zone_rules:
  - {id: own-cell, kind: cell, allow: [{home: true}, {roles: [staff]}]}
  - {id: block, zone: hb, allow: [{home: true}, {roles: [staff]}], priority: 3, note: residents of other blocks}
  - id: yard-hours
    zone: yard
    allow:
      - {roles: [staff]}
      - {groups: [a], days: [mon, tue, wed, thu, fri], hours: "09:00-11:00"}
  - id: friday-night
    zone: corridor
    deny: [{roles: [resident], days: [fri], hours: "22:00-06:00"}]
  - id: early-service
    zone: chapel
    allow: [{roles: [resident], days: [sun], hours: "01:00-02:30"}]
  - id: clinic-bar
    zone: clinic
    allow: [{roles: [resident, staff]}]
    deny: [{people: [r3]}]
keep_separate:
  - {id: feud, people: [r1, r3, r5], note: fight on the yard}
two_staff:
  - {zones: [clinic]}
  - {zones: [seg], escorted: true}
`

func testRules(t *testing.T) *Rules {
	t.Helper()
	f, err := facility.Parse("t.yaml", []byte(testFacility))
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// at parses an RFC 3339 time (with its offset).
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func place(pairs ...string) Snapshot {
	s := Snapshot{}
	for i := 0; i+1 < len(pairs); i += 2 {
		s[pairs[i]] = Place{Zone: pairs[i+1]}
	}
	return s
}

// ofKind returns the keys of the violations of kind k.
func ofKind(vs []Violation, k Kind) []string {
	var keys []string
	for _, v := range vs {
		if v.Kind == k {
			keys = append(keys, v.Key)
		}
	}
	return keys
}

func find(vs []Violation, key string) (Violation, bool) {
	i := slices.IndexFunc(vs, func(v Violation) bool { return v.Key == key })
	if i < 0 {
		return Violation{}, false
	}
	return vs[i], true
}

// TestSchedules checks windows at their edges, on the facility's clocks
// (Toronto: EDT is UTC-4 in June).
func TestSchedules(t *testing.T) {
	r := testRules(t)
	for _, tc := range []struct {
		name     string
		person   string
		zone     string
		when     string
		breaches string // the rule broken, or ""
	}{
		{"a minute before the yard opens", "r1", "yard", "2026-06-01T08:59:59-04:00", "yard-hours"},
		{"the yard opens", "r1", "yard", "2026-06-01T09:00:00-04:00", ""},
		{"the last second", "r1", "yard", "2026-06-01T10:59:59-04:00", ""},
		{"the yard closes", "r1", "yard", "2026-06-01T11:00:00-04:00", "yard-hours"},
		{"the same hour in UTC terms", "r1", "yard", "2026-06-01T09:30:00Z", "yard-hours"}, // 05:30 local
		{"a Saturday", "r1", "yard", "2026-06-06T10:00:00-04:00", "yard-hours"},
		{"another group", "r3", "yard", "2026-06-01T10:00:00-04:00", "yard-hours"},
		{"staff any time", "s1", "yard", "2026-06-06T03:00:00-04:00", ""},
		// friday-night: 22:00-06:00 on fri is Friday 22:00 to Saturday 06:00.
		{"Friday evening before", "r1", "corridor", "2026-06-05T21:59:00-04:00", ""},
		{"Friday 22:00", "r1", "corridor", "2026-06-05T22:00:00-04:00", "friday-night"},
		{"past midnight into Saturday", "r1", "corridor", "2026-06-06T05:59:00-04:00", "friday-night"},
		{"Saturday 06:00", "r1", "corridor", "2026-06-06T06:00:00-04:00", ""},
		{"Saturday night is not Friday's", "r1", "corridor", "2026-06-06T23:00:00-04:00", ""},
		{"Friday small hours belong to Thursday", "r1", "corridor", "2026-06-05T03:00:00-04:00", ""},
		// The yard window follows local time across the spring-forward
		// weekend: 13:30 UTC is 08:30 EST on Friday, 09:30 EDT on Monday.
		{"13:30 UTC before the change", "r1", "yard", "2026-03-06T13:30:00Z", "yard-hours"},
		{"13:30 UTC after the change", "r1", "yard", "2026-03-09T13:30:00Z", ""},
		// early-service, 01:00-02:30 on Sundays. 2026-03-08: 02:00 EST
		// jumps to 03:00 EDT, so the window lasts one hour.
		{"spring: 00:59 EST", "r1", "chapel", "2026-03-08T05:59:00Z", "early-service"},
		{"spring: 01:00 EST", "r1", "chapel", "2026-03-08T06:00:00Z", ""},
		{"spring: 01:59 EST", "r1", "chapel", "2026-03-08T06:59:59Z", ""},
		{"spring: 03:00 EDT, the next instant", "r1", "chapel", "2026-03-08T07:00:00Z", "early-service"},
		// 2026-11-01: 02:00 EDT falls back to 01:00 EST, so the window
		// lasts two and a half hours.
		{"fall: 01:00 EDT", "r1", "chapel", "2026-11-01T05:00:00Z", ""},
		{"fall: 01:30 EST, the second time", "r1", "chapel", "2026-11-01T06:30:00Z", ""},
		{"fall: 02:29 EST", "r1", "chapel", "2026-11-01T07:29:59Z", ""},
		{"fall: 02:30 EST", "r1", "chapel", "2026-11-01T07:30:00Z", "early-service"},
		{"fall: 00:59 EDT", "r1", "chapel", "2026-11-01T04:59:00Z", "early-service"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs := r.Evaluate(place(tc.person, tc.zone), at(t, tc.when))
			got := ofKind(vs, Unauthorised)
			if tc.breaches == "" {
				if len(got) > 0 {
					t.Fatalf("violations %v, want none", got)
				}
				return
			}
			want := "zonerules.unauthorised/" + tc.breaches + "/" + tc.zone + "/" + tc.person
			if len(got) != 1 || got[0] != want {
				t.Fatalf("violations %v, want [%s]", got, want)
			}
			v := vs[0]
			if v.Rule != tc.breaches || v.Zone != tc.zone || !slices.Equal(v.People, []string{tc.person}) || v.Priority != 2 {
				t.Errorf("violation %+v", v)
			}
		})
	}
}

func TestAccessMessages(t *testing.T) {
	r := testRules(t)
	vs := r.Evaluate(place("r1", "yard"), at(t, "2026-06-01T11:05:00-04:00"))
	if len(vs) != 1 {
		t.Fatalf("%+v", vs)
	}
	want := "r1 (Ann) in yard (Yard) at Mon 11:05: rule yard-hours admits only staff; a mon/tue/wed/thu/fri 09:00-11:00"
	if vs[0].Message != want {
		t.Errorf("message\n  %s\nwant\n  %s", vs[0].Message, want)
	}
	vs = r.Evaluate(place("r3", "clinic", "s1", "clinic", "s2", "clinic"), at(t, "2026-06-01T10:00:00-04:00"))
	if v, ok := find(vs, "zonerules.unauthorised/clinic-bar/clinic/r3"); !ok || !strings.Contains(v.Message, "rule clinic-bar denied: r3") {
		t.Errorf("a deny entry must beat the allow entry that admits r3's role: %+v", vs)
	}
}

func TestHomesAndNesting(t *testing.T) {
	r := testRules(t)
	now := at(t, "2026-06-01T10:00:00-04:00")
	if vs := r.Evaluate(place("r1", "c1", "r2", "c2", "r3", "c2", "r4", "seg", "s1", "c2"), now); len(vs) != 0 {
		t.Errorf("everyone at home (an officer in a cell): %+v", vs)
	}
	vs := r.Evaluate(place("r2", "c1"), now)
	if got := ofKind(vs, Unauthorised); !slices.Equal(got, []string{"zonerules.unauthorised/own-cell/c1/r2"}) {
		t.Errorf("r2 in r1's cell: %v", got)
	}
	// r5 lives in the other block: in c1 they break the cell rule and the
	// rule of the block that contains c1, each on its own.
	vs = r.Evaluate(place("r5", "c1"), now)
	want := []string{"zonerules.unauthorised/block/hb/r5", "zonerules.unauthorised/own-cell/c1/r5"}
	if got := ofKind(vs, Unauthorised); !slices.Equal(got, want) {
		t.Errorf("r5 in c1: %v, want %v", got, want)
	}
	if v, _ := find(vs, want[0]); v.Priority != 3 || !strings.HasSuffix(v.Message, "(residents of other blocks)") {
		t.Errorf("block rule violation %+v", v)
	}
	// Presence may place someone in a zone that is not a cell: the block
	// itself, the landing.
	if vs := r.Evaluate(place("r5", "hb"), now); !slices.Equal(ofKind(vs, Unauthorised), []string{"zonerules.unauthorised/block/hb/r5"}) {
		t.Errorf("r5 in hb: %+v", vs)
	}
}

func TestCapacity(t *testing.T) {
	r := testRules(t)
	now := at(t, "2026-06-01T10:00:00-04:00")
	// A cell's capacity counts beds: two officers searching a single cell
	// with its resident in it do not overfill it.
	if vs := r.Evaluate(place("r1", "c1", "s1", "c1", "s2", "c1"), now); len(ofKind(vs, OverCapacity)) != 0 {
		t.Errorf("officers overfilled a cell: %+v", vs)
	}
	vs := r.Evaluate(place("r1", "c1", "r2", "c1"), now)
	v, ok := find(vs, "zonerules.capacity/c1")
	if !ok || !slices.Equal(v.People, []string{"r1", "r2"}) || v.Priority != 3 || v.Message != "c1 (Cell 1) holds 2, capacity 1: r1 (Ann), r2 (Bea)" {
		t.Errorf("two residents in a single cell: %+v", vs)
	}
	// Elsewhere everyone counts, and a zone holds what is inside it.
	vs = r.Evaluate(place("r1", "yard", "r2", "yard", "s1", "yard"), now)
	if len(ofKind(vs, OverCapacity)) != 0 {
		t.Errorf("3 in a yard for 3: %+v", vs)
	}
	vs = r.Evaluate(place("r1", "yard", "r2", "yard", "s1", "yard", "s2", "yard"), now)
	if v, ok := find(vs, "zonerules.capacity/yard"); !ok || len(v.People) != 4 {
		t.Errorf("4 in a yard for 3: %+v", vs)
	}
	vs = r.Evaluate(place("r1", "c1", "r2", "c2", "r3", "c2", "r4", "seg", "s1", "hb", "s2", "hb"), now)
	if got := ofKind(vs, OverCapacity); !slices.Equal(got, []string{"zonerules.capacity/hb"}) {
		t.Errorf("block of capacity 5 holding 6 in its cells and on its landing: %v", got)
	}
}

func TestKeepSeparate(t *testing.T) {
	r := testRules(t)
	now := at(t, "2026-06-01T10:00:00-04:00")
	vs := r.Evaluate(place("r1", "yard", "r3", "yard"), now)
	v, ok := find(vs, "zonerules.keep_separate/feud/yard")
	if !ok || !slices.Equal(v.People, []string{"r1", "r3"}) || v.Rule != "feud" || v.Priority != 1 || v.Zone != "yard" ||
		v.Message != "r1 (Ann), r3 (Cid) together in yard (Yard): keep-separate feud (fight on the yard)" {
		t.Errorf("two of a keep-separate in the yard: %+v", vs)
	}
	// Two cells of one block are apart.
	if got := ofKind(r.Evaluate(place("r1", "c1", "r3", "c2"), now), Together); len(got) != 0 {
		t.Errorf("neighbouring cells: %v", got)
	}
	vs = r.Evaluate(place("r1", "yard", "r5", "yard", "r3", "yard"), now)
	if v, _ := find(vs, "zonerules.keep_separate/feud/yard"); len(v.People) != 3 || len(ofKind(vs, Together)) != 1 {
		t.Errorf("three of a set together are one violation: %+v", vs)
	}
	vs = r.Evaluate(place("r1", "yard", "r5", "corridor", "r3", "corridor"), now)
	if got := ofKind(vs, Together); !slices.Equal(got, []string{"zonerules.keep_separate/feud/corridor"}) {
		t.Errorf("two in the corridor, one in the yard: %v", got)
	}
}

func TestTwoStaff(t *testing.T) {
	r := testRules(t)
	now := at(t, "2026-06-01T10:00:00-04:00")
	for _, tc := range []struct {
		snap Snapshot
		want string
	}{
		{place("r1", "clinic"), "r1 (Ann) in clinic (Clinic) with no staff: two staff required"},
		{place("r1", "clinic", "s1", "clinic"), "r1 (Ann) in clinic (Clinic) with one member of staff (s1 (Officer One)): two staff required"},
		{place("r1", "clinic", "s1", "clinic", "s2", "clinic"), ""},
		{place("s1", "clinic"), ""},
		// escorted: a resident alone behind the door is fine.
		{place("r4", "seg"), ""},
		{place("r4", "seg", "s1", "seg"), "r4 (Dan) in seg (Seg cell) with one member of staff (s1 (Officer One)): two staff required"},
		{place("r4", "seg", "s1", "seg", "s2", "seg"), ""},
	} {
		vs := r.Evaluate(tc.snap, now)
		got := ofKind(vs, TwoStaff)
		if tc.want == "" {
			if len(got) != 0 {
				t.Errorf("%v: %v, want none", tc.snap, got)
			}
			continue
		}
		i := slices.IndexFunc(vs, func(v Violation) bool { return v.Kind == TwoStaff })
		if len(got) != 1 || vs[i].Message != tc.want || len(vs[i].People) != len(tc.snap) {
			t.Errorf("%v: %+v, want %q", tc.snap, vs, tc.want)
		}
	}
}

func TestUnknownsAreIgnored(t *testing.T) {
	r := testRules(t)
	vs := r.Evaluate(Snapshot{"ghost": {Zone: "yard"}, "r1": {Zone: "atlantis"}}, at(t, "2026-06-01T03:00:00-04:00"))
	if len(vs) != 0 {
		t.Errorf("%+v", vs)
	}
}

func TestAlarmValue(t *testing.T) {
	v := Violation{Key: "k", Kind: OverCapacity, Zone: "yard", Priority: 3, Message: strings.Repeat("é", 600)}
	a := v.Alarm()
	if err := a.Normalize(); err != nil {
		t.Fatalf("the alarm core refuses the value: %v", err)
	}
	if len(a.Message) > 1000 || !utf8.ValidString(a.Message) || a.Key != "k" || a.Kind != "zonerules.capacity" || a.Zone != "yard" || a.Priority != 3 {
		t.Errorf("%+v (%d bytes)", a, len(a.Message))
	}
	// A crowded zone's message names eight people and counts the rest.
	r := testRules(t)
	s := Snapshot{}
	for _, id := range []string{"r1", "r2", "r3", "r4", "r5", "s1", "s2"} {
		s[id] = Place{Zone: "yard"}
	}
	vs := r.Evaluate(s, at(t, "2026-06-01T10:00:00-04:00"))
	c, _ := find(vs, "zonerules.capacity/yard")
	if !strings.HasPrefix(c.Message, "yard (Yard) holds 7, capacity 3: r1 (Ann), r2 (Bea)") {
		t.Errorf("%q", c.Message)
	}
}
