package facility

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// base is a small valid facility; the cases below edit it. Its line numbers
// are part of the expectations.
const base = `id: t
name: Test
kind: prison
nodes:
  - id: n1
    raft_addr: 127.0.0.1:7001
    http_addr: 127.0.0.1:8081
  - id: n2
    raft_addr: 127.0.0.1:7002
    http_addr: 127.0.0.1:8082
site: {width: 100, height: 50}
zones:
  - id: b
    name: Block
    kind: building
    polygon: [[0, 0], [50, 0], [50, 50]]
    zones:
      - {id: c1, name: Cell 1, kind: cell, polygon: [[0, 0], [5, 0], [5, 5]]}
      - {id: c2, name: Cell 2, kind: cell, polygon: [[5, 0], [10, 0], [10, 5]]}
groups:
  - {id: g1, name: Group 1}
people:
  - {id: p1, name: P, role: resident, groups: [g1], tags: [E2801170], cards: [42]}
devices:
  - {id: d1, kind: door_contact, node: n1, zones: [c1], transport: {simulated: true}}
users:
  - {name: officer, role: officer, password_hash: "$2a$10$EnOMhAOSWV8h/.9hPJ1hcu0Vsj6jJDhEnmcaLX01upVct0HYsJGUu"}
alarms:
  escalate_after: 90s
`

// edit replaces the first occurrence of old in base, failing loudly when the
// case no longer matches the base.
func edit(old, new string) string {
	if !strings.Contains(base, old) {
		panic("test case does not match base: " + old)
	}
	return strings.Replace(base, old, new, 1)
}

// badCases are inputs that must fail, with the messages they must give.
// They also seed FuzzParse.
var badCases = []struct {
	name string
	in   string
	want []string
}{
	{"unknown key at depth", edit("    raft_addr: 127.0.0.1:7002", "    raft_adr: 127.0.0.1:7002"),
		[]string{`f.yaml:9: nodes[1].raft_adr: unknown key; did you mean "raft_addr"?`, "f.yaml:8: nodes[1].raft_addr: required"}},
	{"unknown key in nested zone", edit("{id: c2,", "{colour: red, id: c2,"),
		[]string{"f.yaml:19: zones[0].zones[1].colour: unknown key (known keys: id, name, kind, polygon, capacity, zones)"}},
	{"unknown top-level key", base + "wardens: 3\n", []string{"f.yaml:30: wardens: unknown key"}},
	{"repeated key", edit("name: Test\n", "name: Test\nname: Again\n"), []string{"f.yaml:3: name: duplicate key (first at line 2)"}},
	{"wrong type number", edit("width: 100", "width: wide"), []string{`f.yaml:11: site.width: expected a number, got !!str "wide"`}},
	{"wrong type sequence", edit("cards: [42]", "cards: 42"), []string{"f.yaml:23: people[0].cards: expected a sequence, got !!int \"42\""}},
	{"wrong type mapping", edit("site: {width: 100, height: 50}", "site: [100, 50]"),
		[]string{"f.yaml:11: site: expected a mapping, got a sequence of 2"}},
	{"wrong type in nested zone", edit("kind: cell, polygon: [[0, 0]", "kind: cell, capacity: lots, polygon: [[0, 0]"),
		[]string{`f.yaml:18: zones[0].zones[0].capacity: expected an integer, got !!str "lots"`}},
	{"fractional capacity", edit("    kind: building\n", "    kind: building\n    capacity: 2.5\n"),
		[]string{`f.yaml:16: zones[0].capacity: expected an integer, got !!float "2.5"`}},
	{"card too big", edit("cards: [42]", "cards: [18446744073709551616]"),
		[]string{`f.yaml:23: people[0].cards[0]: expected a non-negative integer, got !!float "18446744073709551616"`}},
	{"empty item", edit("polygon: [[0, 0], [50, 0], [50, 50]]", "polygon: [[0, 0], ~, [50, 0], [50, 50]]"),
		[]string{"f.yaml:16: zones[0].polygon[1]: empty item"}},
	{"negative card", edit("cards: [42]", "cards: [-1]"), []string{"f.yaml:23: people[0].cards[0]: expected a non-negative integer"}},
	{"bad duration", edit("escalate_after: 90s", "escalate_after: 90 seconds"),
		[]string{`f.yaml:29: alarms.escalate_after: bad duration "90 seconds"`}},
	{"duration without unit", edit("escalate_after: 90s", "escalate_after: 90"), []string{`f.yaml:29: alarms.escalate_after: bad duration "90"`}},
	{"negative duration", edit("escalate_after: 90s", "escalate_after: -1m"), []string{"f.yaml:29: alarms.escalate_after: must be positive"}},
	{"duplicate id in nested zone", edit("{id: c2,", "{id: c1,"),
		[]string{`f.yaml:19: zones[0].zones[1].id: duplicate id "c1" (first at zones[0].zones[0].id)`}},
	{"zone id duplicates a parent", edit("{id: c2,", "{id: b,"), []string{`f.yaml:19: zones[0].zones[1].id: duplicate id "b"`}},
	{"polygon with 2 points", edit("polygon: [[0, 0], [5, 0], [5, 5]]", "polygon: [[0, 0], [5, 0]]"),
		[]string{"f.yaml:18: zones[0].zones[0].polygon: needs at least 3 points, has 2"}},
	{"polygon outside site", edit("[10, 0], [10, 5]]", "[10, 0], [10, 500]]"),
		[]string{"f.yaml:19: zones[0].zones[1].polygon[2]: [10, 500] is outside the site (0..100, 0..50)"}},
	{"bad point", edit("[[0, 0], [50, 0], [50, 50]]", "[[0, 0, 0], [50, 0], [50, 50]]"),
		[]string{"f.yaml:16: zones[0].polygon[0]: point must be [x, y], got a sequence of 3"}},
	{"negative capacity", edit("    kind: building\n", "    kind: building\n    capacity: -2\n"),
		[]string{"f.yaml:16: zones[0].capacity: must not be negative"}},
	{"unknown zone kind", edit("kind: cell, polygon: [[0, 0]", "kind: cel, polygon: [[0, 0]"),
		[]string{`f.yaml:18: zones[0].zones[0].kind: unknown zone kind "cel"; want building, floor,`}},
	{"unknown group reference", edit("groups: [g1]", "groups: [g2]"), []string{`f.yaml:23: people[0].groups[0]: unknown group "g2"`}},
	{"unknown zone reference", edit("zones: [c1]", "zones: [c9]"), []string{`f.yaml:25: devices[0].zones[0]: unknown zone "c9"`}},
	{"unknown node reference", edit("node: n1", "node: n7"), []string{`f.yaml:25: devices[0].node: unknown node "n7"`}},
	{"device without transport", edit("transport: {simulated: true}", "transport: {}"),
		[]string{"f.yaml:25: devices[0].transport: needs one of serial, chip, url, address or simulated: true"}},
	{"bad bcrypt", edit(`"$2a$10$EnOMhAOSWV8h/.9hPJ1hcu0Vsj6jJDhEnmcaLX01upVct0HYsJGUu"`, "hunter2"),
		[]string{"f.yaml:27: users[0].password_hash: not a bcrypt hash"}},
	{"odd tag", edit("tags: [E2801170]", "tags: [E28011A]"), []string{`f.yaml:23: people[0].tags[0]: tag "E28011A" is not an EPC`}},
	{"bad person role", edit("role: resident", "role: inmate"), []string{`f.yaml:23: people[0].role: unknown role "inmate"; want staff or resident`}},
	{"bad address", edit("raft_addr: 127.0.0.1:7001", "raft_addr: localhost"), []string{`f.yaml:6: nodes[0].raft_addr: "localhost" is not host:port`}},
	{"duplicate address", edit("raft_addr: 127.0.0.1:7002", "raft_addr: 127.0.0.1:7001"),
		[]string{`f.yaml:9: nodes[1].raft_addr: duplicate address "127.0.0.1:7001" (first at nodes[0].raft_addr)`}},
	{"no nodes", strings.Replace(edit("node: n1", "node: n2"), "nodes:", "old_nodes:", 1),
		[]string{"f.yaml:1: nodes: at least one node is required", "f.yaml:4: old_nodes: unknown key"}},
	{"bad timezone", edit("kind: prison\n", "kind: prison\ntimezone: Mars/Olympus\n"), []string{`f.yaml:4: timezone: unknown timezone "Mars/Olympus"`}},
	{"yaml syntax error", edit("    name: Block\n", "    name: Block: B\n"), []string{"f.yaml:14: mapping values are not allowed in this context"}},
	{"tab indentation", edit("  - id: n2\n", "  - id: n2\n\tx: 1\n"), []string{"f.yaml:8: found a tab character that violates indentation"}},
	{"unknown anchor", edit("zones: [c1]", "zones: *c1"), []string{"f.yaml:25: unknown anchor 'c1' referenced"}},
	{"invalid utf-8", edit("name: Cell 2", "name: Cell \xff"), []string{"f.yaml:19: invalid"}},
	{"second document", base + "---\nid: u\n", []string{"f.yaml:30: only one YAML document is allowed"}},
	{"second document after a bad one", "id: a\n---\nid: b\n",
		[]string{"f.yaml:1: nodes: at least one node is required", "f.yaml:2: only one YAML document is allowed"}},
	{"not a mapping", "- a\n- b\n", []string{"f.yaml:1: expected a mapping, got a sequence of 2"}},
	{"merge key", edit("  - {id: g1, name: Group 1}", "  - &g {id: g1, name: Group 1}\n  - {<<: *g, id: g2}"),
		[]string{`f.yaml:22: groups[1]."<<": merge keys are not supported`}},
	{"alias as wrong type", edit("groups:\n  - {id: g1, name: Group 1}", "groups: &l\n  - *l"),
		[]string{"f.yaml:21: groups[0]: expected a mapping, got a sequence of 1"}},
	{"alias cycle", strings.Replace(edit("zones:\n", "zones: &z\n"), "{id: c1,", "{zones: *z, id: c1,", 1),
		[]string{"f.yaml:18: zones[0].zones[0].zones[0].zones[0].zones: alias *z refers to a value that contains it"}},
	{"alias bomb", base + `alarms_bomb: 1
zones:
  - &z1 {id: a, kind: cell, polygon: [[0, 0], [1, 0], [1, 1]]}
  - &z2 {id: b, zones: [*z1, *z1, *z1, *z1, *z1, *z1, *z1, *z1, *z1, *z1]}
  - &z3 {id: c, zones: [*z2, *z2, *z2, *z2, *z2, *z2, *z2, *z2, *z2, *z2]}
  - &z4 {id: d, zones: [*z3, *z3, *z3, *z3, *z3, *z3, *z3, *z3, *z3, *z3]}
  - {id: e, zones: [*z4, *z4, *z4, *z4, *z4, *z4, *z4, *z4, *z4, *z4]}
`, []string{"f.yaml:30: alarms_bomb: unknown key", "f.yaml:31: zones: duplicate key (first at line 12)"}},
	{"alias bomb at top", strings.Replace(base, "zones:\n", `zones:
  - &z1 {id: a, kind: cell, polygon: [[0, 0], [1, 0], [1, 1]]}
  - &z2 {id: b, zones: [*z1, *z1, *z1, *z1, *z1, *z1, *z1, *z1, *z1, *z1]}
  - &z3 {id: c, zones: [*z2, *z2, *z2, *z2, *z2, *z2, *z2, *z2, *z2, *z2]}
  - &z4 {id: d, zones: [*z3, *z3, *z3, *z3, *z3, *z3, *z3, *z3, *z3, *z3]}
  - {id: e, zones: [*z4, *z4, *z4, *z4, *z4, *z4, *z4, *z4, *z4, *z4]}
`, 1), []string{": aliases expand to more than 10000 values"}},
	{"too many problems", edit("  - {id: g1, name: Group 1}\n", "  - {id: g1, name: Group 1}\n"+strings.Repeat("  - {id: ''}\n", 60)),
		[]string{"f.yaml:22: groups[1].id: required", "f.yaml:71: groups[50].id: required", "f.yaml:72: … and 10 more problems"}},
	{"empty", "", []string{"f.yaml:1: id: required", "f.yaml:1: nodes: at least one node is required"}},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range badCases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("f.yaml", []byte(tc.in))
			if err == nil {
				t.Fatalf("Parse succeeded, want errors %q", tc.want)
			}
			if f != nil {
				t.Errorf("Parse returned a facility with an error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false for %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q; got:\n%v", w, err)
				}
			}
			checkErrors(t, "f.yaml", err)
		})
	}
}

// checkErrors asserts what every error from Parse promises: each problem
// names the file and a line, and they come sorted by line.
func checkErrors(t *testing.T, file string, err error) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		t.Fatalf("error is not a non-empty Errors: %#v", err)
	}
	for i, e := range errs {
		if e.File != file || e.Line < 1 || e.Msg == "" {
			t.Errorf("problem %d lacks file, line or message: %#v", i, e)
		}
		if i > 0 && e.Line < errs[i-1].Line {
			t.Errorf("problems not sorted by line: %v", err)
		}
	}
}

func TestParseBase(t *testing.T) {
	f, err := Parse("f.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(f.Alarms.EscalateAfter); got != 90*time.Second {
		t.Errorf("escalate_after = %v, want 90s from the file", got)
	}
	if got := time.Duration(f.Alarms.CoalesceWindow); got != DefaultCoalesceWindow {
		t.Errorf("coalesce_window = %v, want the default %v", got, DefaultCoalesceWindow)
	}
	if f.Timezone != "UTC" {
		t.Errorf("timezone = %q, want the default UTC", f.Timezone)
	}
	if got := f.People[0].Cards; len(got) != 1 || got[0] != 42 {
		t.Errorf("cards = %v, want [42]", got)
	}
	if got := f.Zones[0].Zones[1].Polygon[2]; got != (Point{10, 5}) {
		t.Errorf("zones[0].zones[1].polygon[2] = %v, want {10 5}", got)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "facility.yaml")
	if err := os.WriteFile(path, []byte(edit("{id: c2,", "{id: c1,")), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if want := path + `:19: zones[0].zones[1].id: duplicate id "c1"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Load: got %v, want %q", err, want)
	}

	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if !errors.Is(err, os.ErrNotExist) || errors.Is(err, ErrInvalid) {
		t.Errorf("Load of a missing file: got %v, want ErrNotExist and not ErrInvalid", err)
	}
}

// TestValidateInCode checks a facility built in Go rather than read from a
// file: the problems carry key paths and no file.
func TestValidateInCode(t *testing.T) {
	f := Default()
	f.ID, f.Name, f.Kind = "x", "X", KindRehabCentre
	f.Nodes = []Node{{ID: "n", RaftAddr: ":7000", HTTPAddr: ":8080"}}
	f.Site = Site{Width: 10, Height: 10}
	err := f.Validate()
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Path != "nodes[0].raft_addr" || errs[0].File != "" {
		t.Fatalf("Validate = %v, want one problem at nodes[0].raft_addr (no host)", err)
	}
	f.Nodes[0].RaftAddr = "10.0.0.1:7000"
	if err := f.Validate(); err != nil {
		t.Fatalf("Validate = %v, want nil", err)
	}
}
