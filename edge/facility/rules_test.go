package facility

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// ruled is base with a home for p1, a second resident p2 in c2, a member
// of staff s1 and a reader r1 at c2's door, so that the rule sections
// appended below (from line 33) have people, cells and a reader to name.
var ruled = strings.Replace(strings.Replace(base,
	"cards: [42]}\n", "cards: [42], home: c1}\n  - {id: p2, name: Q, role: resident, home: c2}\n  - {id: s1, name: S, role: staff}\n", 1),
	"zones: [c1], transport: {simulated: true}}\n",
	"zones: [c1], transport: {simulated: true}}\n  - {id: r1, kind: rfid_reader, node: n1, zones: [b, c2], transport: {simulated: true}}\n", 1)

// ruleCases append to ruled (whose last line is 32) or edit it; the
// messages name the line of the offending key.
var ruleCases = []struct {
	name string
	in   string
	want []string
}{
	{"home unknown", strings.Replace(ruled, "home: c1", "home: c9", 1), []string{`f.yaml:23: people[0].home: unknown zone "c9"`}},
	{"home not a cell", strings.Replace(ruled, "home: c1", "home: b", 1),
		[]string{`f.yaml:23: people[0].home: zone "b" is a building; a home is a cell or a unit`}},
	{"staff with a home", strings.Replace(ruled, "role: resident, home: c2", "role: staff, home: c2", 1),
		[]string{"f.yaml:24: people[1].home: only a resident has a home cell"}},
	{"cell over capacity", strings.Replace(strings.Replace(ruled, "home: c2", "home: c1", 1), "{id: c1, name: Cell 1, kind: cell,", "{id: c1, name: Cell 1, kind: cell, capacity: 1,", 1),
		[]string{"f.yaml:24: people[1].home: c1 holds 1; p1, p2 all live there"}},

	{"rule with zone and kind", ruled + "zone_rules:\n  - {id: x, zone: b, kind: cell, allow: [{roles: [staff]}]}\n",
		[]string{"f.yaml:34: zone_rules[0]: give zone or kind, not both"}},
	{"rule without a target", ruled + "zone_rules:\n  - {id: x, allow: [{roles: [staff]}]}\n",
		[]string{"f.yaml:34: zone_rules[0]: needs a zone (it and the zones inside it) or a kind"}},
	{"rule on unknown zone", ruled + "zone_rules:\n  - id: x\n    zone: nowhere\n    allow: [{roles: [staff]}]\n",
		[]string{`f.yaml:35: zone_rules[0].zone: unknown zone "nowhere"`}},
	{"rule on unknown kind", ruled + "zone_rules:\n  - id: x\n    kind: cells\n    allow: [{roles: [staff]}]\n",
		[]string{`f.yaml:35: zone_rules[0].kind: unknown zone kind "cells"; want building,`}},
	{"rule naming nobody", ruled + "zone_rules:\n  - {id: x, zone: b}\n  - {id: y, zone: b, deny: [{hours: \"09:00-10:00\"}]}\n",
		[]string{"f.yaml:34: zone_rules[0]: allows and denies nobody", "f.yaml:35: zone_rules[1].deny[0]: names nobody: give people, groups, roles or home: true"}},
	{"rule with bad references", ruled + `zone_rules:
  - id: x
    zone: b
    allow:
      - {people: [p9], groups: [g9], roles: [guard]}
      - {roles: [staff], hours: "9-11", days: [monday]}
    priority: 7
`, []string{
		`f.yaml:37: zone_rules[0].allow[0].people[0]: unknown person "p9"`,
		`f.yaml:37: zone_rules[0].allow[0].groups[0]: unknown group "g9"`,
		`f.yaml:37: zone_rules[0].allow[0].roles[0]: unknown role "guard"; want staff or resident`,
		`f.yaml:38: zone_rules[0].allow[1].hours: hours "9-11": want "HH:MM-HH:MM"`,
		`f.yaml:38: zone_rules[0].allow[1].days[0]: unknown day "monday"`,
		"f.yaml:39: zone_rules[0].priority: 7: want 1 (most urgent) to 4"}},
	{"duplicate rule id", ruled + "zone_rules:\n  - {id: x, zone: b, allow: [{home: true}]}\n  - {id: x, kind: cell, allow: [{home: true}]}\n",
		[]string{`f.yaml:35: zone_rules[1].id: duplicate id "x" (first at zone_rules[0].id)`}},
	{"unknown key in a rule", ruled + "zone_rules:\n  - {id: x, zone: b, allow: [{group: [g1]}]}\n",
		[]string{`f.yaml:34: zone_rules[0].allow[0].group: unknown key; did you mean "groups"?`}},

	{"keep-separate of one", ruled + "keep_separate:\n  - {id: k, people: [p1]}\n",
		[]string{"f.yaml:34: keep_separate[0].people: names 1 people; keeping apart needs at least 2"}},
	{"keep-separate of strangers and staff", ruled +
		"keep_separate:\n  - id: k\n    people: [p1, s1, p9, p1]\n",
		[]string{"f.yaml:35: keep_separate[0].people[1]: s1 is staff; keep-separates are between residents",
			`f.yaml:35: keep_separate[0].people[2]: unknown person "p9"`,
			`f.yaml:35: keep_separate[0].people[3]: duplicate person "p1" (first at keep_separate[0].people[0])`}},
	{"keep-separate without id", ruled + "keep_separate:\n  - {people: [p1, p2]}\n", []string{"f.yaml:34: keep_separate[0].id: required"}},

	{"two-staff zones", ruled + "two_staff:\n  - {zones: [c1, c9]}\n  - zones: [c1]\n  - {escorted: true}\n",
		[]string{`f.yaml:34: two_staff[0].zones[1]: unknown zone "c9"`,
			`f.yaml:35: two_staff[1].zones[0]: duplicate two-staff zone "c1" (first at two_staff[0].zones[0])`,
			"f.yaml:36: two_staff[2].zones: required"}},

	{"headcount times", ruled + "headcount:\n  times: [\"6:30\", \"25:00\", \"12:00\", \"12:00\"]\n",
		[]string{`f.yaml:34: headcount.times[0]: time "6:30": want "HH:MM"`, `f.yaml:34: headcount.times[1]: time "25:00"`,
			`f.yaml:34: headcount.times[3]: duplicate time "12:00"`, "f.yaml:33: headcount.zones: required with times"}},
	{"headcount zones", ruled + "headcount:\n  zones: [b, c9, c1, b]\n  late: 0s\n",
		[]string{`f.yaml:34: headcount.zones[1]: unknown zone "c9"`, "f.yaml:34: headcount.zones[2]: c1 and b overlap",
			`f.yaml:34: headcount.zones[3]: duplicate counted zone "b"`, "f.yaml:35: headcount.late: must be positive"}},
	{"home outside the counted zones", ruled + "headcount:\n  zones: [c2]\n",
		[]string{"f.yaml:23: people[0].home: c1 lies in no counted zone (headcount.zones): no count would expect p1"}},

	{"rounds intervals", ruled + "rounds:\n  interval: 10m\n  watch_interval: 15m\n",
		[]string{"f.yaml:35: rounds.watch_interval: 15m0s is longer than the interval (10m0s)"}},
	{"rounds zero interval", ruled + "rounds:\n  interval: 0s\n", []string{"f.yaml:34: rounds.interval: must be positive"}},
	{"rounds watch list", ruled + "rounds:\n  watch: {people: [s1, p9], groups: [g9]}\n",
		[]string{"f.yaml:34: rounds.watch.people[0]: s1 is staff; only residents are on watch",
			`f.yaml:34: rounds.watch.people[1]: unknown person "p9"`, `f.yaml:34: rounds.watch.groups[0]: unknown group "g9"`}},
	{"rounds blocks", ruled + `rounds:
  blocks:
    - zone: nowhere
    - {zone: b, checkpoints: [{cell: c1}, {reader: r1}]}
    - {zone: c1, checkpoints: [{cell: c1}]}
    - {checkpoints: []}
`, []string{`f.yaml:35: rounds.blocks[0].zone: unknown zone "nowhere"`,
		"f.yaml:37: rounds.blocks[2].zone: c1 and b overlap: a cell is on one block's round",
		"f.yaml:38: rounds.blocks[3].zone: required"}},
	{"rounds checkpoints", ruled + `rounds:
  blocks:
    - zone: b
      checkpoints:
        - {cell: c1, reader: r1}
        - {}
        - {reader: d1}
        - {reader: r9}
        - {cell: b}
        - {cell: c1}
        - {cell: c1}
`, []string{"f.yaml:37: rounds.blocks[0].checkpoints[0]: give reader or cell, not both",
		"f.yaml:38: rounds.blocks[0].checkpoints[1]: needs a reader (an officer's tag read there logs the check) or a cell",
		`f.yaml:39: rounds.blocks[0].checkpoints[2].reader: device "d1" is a door_contact; a checkpoint reader reads officers' tags (rfid_reader)`,
		`f.yaml:40: rounds.blocks[0].checkpoints[3].reader: unknown device "r9"`,
		`f.yaml:41: rounds.blocks[0].checkpoints[4].cell: zone "b" is a building, not a cell`,
		`f.yaml:43: rounds.blocks[0].checkpoints[6].cell: duplicate checkpoint cell "c1" (first at rounds.blocks[0].checkpoints[5].cell)`,
		"f.yaml:36: rounds.blocks[0].checkpoints: cells c2 of b are on no checkpoint: add {cell: c2} to check it at the console"}},
	{"reader watching no cell of the block", strings.Replace(ruled, "zones: [b, c2]", "zones: [b]", 1) +
		"rounds:\n  blocks:\n    - {zone: b, checkpoints: [{reader: r1}, {cell: c1}, {cell: c2}]}\n",
		[]string{`f.yaml:35: rounds.blocks[0].checkpoints[0].reader: reader "r1" watches no cell of b (its zones: b)`}},
}

func TestRuleErrors(t *testing.T) {
	if _, err := Parse("f.yaml", []byte(ruled)); err != nil {
		t.Fatalf("the base of the rule cases does not parse: %v", err)
	}
	for _, tc := range ruleCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tc.in))
			if err == nil {
				t.Fatalf("Parse succeeded, want %q", tc.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain\n  %s\ngot:\n%v", w, err)
				}
			}
			checkErrors(t, "f.yaml", err)
		})
	}
}

func TestRulesParse(t *testing.T) {
	f, err := Parse("f.yaml", []byte(ruled+`zone_rules:
  - id: own-cell
    kind: cell
    allow: [{home: true}, {roles: [staff]}]
  - id: nights
    zone: b
    deny: [{groups: [g1], hours: "22:00-06:00", days: [fri, SAT]}]
    priority: 1
    note: lock-up
keep_separate:
  - {id: k, people: [p1, p2], note: feud}
two_staff:
  - {zones: [c1], escorted: true}
headcount:
  times: ["06:30", "21:45"]
  zones: [b]
rounds:
  watch_interval: 10m
  watch: {people: [p2]}
  blocks:
    - {zone: b, checkpoints: [{cell: c1}, {reader: r1}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if r := f.ZoneRules[1]; r.Zone != "b" || r.Priority != 1 || r.Deny[0].Hours != "22:00-06:00" || r.Deny[0].Days[1] != "SAT" {
		t.Errorf("zone_rules[1] = %+v", r)
	}
	if !f.ZoneRules[0].Allow[0].Home || f.ZoneRules[0].Kind != ZoneCell {
		t.Errorf("zone_rules[0] = %+v", f.ZoneRules[0])
	}
	if f.People[0].Home != "c1" || f.KeepSeparate[0].Note != "feud" || !f.TwoStaff[0].Escorted {
		t.Errorf("home %q, keep_separate %+v, two_staff %+v", f.People[0].Home, f.KeepSeparate, f.TwoStaff)
	}
	if got := time.Duration(f.Headcount.Late); got != DefaultHeadcountLate {
		t.Errorf("headcount.late = %v, want the default %v", got, DefaultHeadcountLate)
	}
	if got := time.Duration(f.Rounds.Interval); got != DefaultRoundInterval {
		t.Errorf("rounds.interval = %v, want the default %v", got, DefaultRoundInterval)
	}
	if got := time.Duration(f.Rounds.WatchInterval); got != 10*time.Minute {
		t.Errorf("rounds.watch_interval = %v, want 10m from the file", got)
	}
}

func TestZoneIndex(t *testing.T) {
	f, err := Parse("f.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	x := f.ZoneIndex()
	if !x.Within("c1", "b") || !x.Within("c1", "c1") || x.Within("b", "c1") || x.Within("c9", "b") || x.Within("c1", "c2") {
		t.Error("Within is wrong")
	}
	if got := x.Chain("c2"); strings.Join(got, ",") != "c2,b" {
		t.Errorf("Chain(c2) = %v", got)
	}
	if z, ok := x.OfKind("c1", ZoneBuilding); !ok || z != "b" {
		t.Errorf("OfKind(c1, building) = %q, %v", z, ok)
	}
	if _, ok := x.OfKind("b", ZoneCell); ok {
		t.Error("OfKind(b, cell) found a cell containing a building")
	}
	if got := x.Inside("b", ZoneCell); strings.Join(got, ",") != "c1,c2" {
		t.Errorf("Inside(b, cell) = %v", got)
	}
	if x.Parent("c1") != "b" || x.Parent("b") != "" || x.Kind("c2") != ZoneCell || x.Known("c9") {
		t.Error("Parent, Kind or Known is wrong")
	}
}
