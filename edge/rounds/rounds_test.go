package rounds

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
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
    kind: cell_block
    polygon: [[0, 0], [50, 0], [50, 50]]
    zones:
      - {id: c1, name: Cell 1, kind: cell, polygon: [[0, 0], [5, 0], [5, 5]]}
      - {id: c2, name: Cell 2, kind: cell, polygon: [[0, 0], [5, 0], [5, 5]]}
      - {id: c3, name: Cell 3, kind: cell, polygon: [[0, 0], [5, 0], [5, 5]]}
  - id: seg
    name: Segregation
    kind: cell_block
    polygon: [[50, 0], [100, 0], [100, 50]]
    zones:
      - {id: s1, name: Seg 1, kind: cell, polygon: [[50, 0], [55, 0], [55, 5]]}
groups:
  - {id: watch, name: On watch}
people:
  - {id: r1, name: Ann, role: resident, groups: [watch], home: c1, tags: [BB01]}
  - {id: r2, name: Bea, role: resident, home: c2}
  - {id: r3, name: Cid, role: resident, home: s1}
  - {id: o1, name: Officer One, role: staff, tags: [AA01]}
  - {id: o2, name: Officer Two, role: staff, tags: [AA02]}
devices:
  - {id: s1-rfid, kind: rfid_reader, node: n2, zones: [seg, s1], transport: {simulated: true}}
users:
  - {name: officer, role: officer, password_hash: "$2a$10$EnOMhAOSWV8h/.9hPJ1hcu0Vsj6jJDhEnmcaLX01upVct0HYsJGUu"}
  - {name: super, role: supervisor, password_hash: "$2a$10$EnOMhAOSWV8h/.9hPJ1hcu0Vsj6jJDhEnmcaLX01upVct0HYsJGUu"}
rounds:
  watch: {groups: [watch]}
  blocks:
    - zone: hb
      checkpoints: [{cell: c1}, {cell: c2}, {cell: c3}]
    - zone: seg
      checkpoints: [{reader: s1-rfid}]
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

var t0 = time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC) // 22:00 in Toronto

func openDB(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

type step struct {
	at      time.Duration // after t0
	c       *command.Command
	wantErr error
}

func applySteps(t *testing.T, db *bolt.DB, a Applier, first uint64, steps []step) []replica.Applied {
	t.Helper()
	var out []replica.Applied
	for i, s := range steps {
		e := replica.Entry{Index: first + uint64(i), Time: t0.Add(s.at)}
		var res []byte
		var err error
		if uerr := db.Update(func(tx *bolt.Tx) error { res, err = a.Apply(tx, e, s.c); return nil }); uerr != nil {
			t.Fatal(uerr)
		}
		if !errors.Is(err, s.wantErr) || (s.wantErr == nil) != (err == nil) {
			t.Fatalf("step %d (+%v %s by %s %s): err %v, want %v", i, s.at, s.c.Kind, s.c.Actor, s.c.Body, err, s.wantErr)
		}
		out = append(out, replica.Applied{Index: e.Index, Time: e.Time, Command: s.c, Result: res, Err: err})
	}
	return out
}

func dump(t *testing.T, db *bolt.DB) []byte {
	t.Helper()
	var buf bytes.Buffer
	_ = db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketCells, bucketWatch} {
			if b := tx.Bucket(name); b != nil {
				_ = b.ForEach(func(k, v []byte) error { fmt.Fprintf(&buf, "%s %s %s\n", name, k, v); return nil })
			}
		}
		if root := tx.Bucket(bucketHistory); root != nil {
			_ = root.ForEach(func(block, _ []byte) error {
				return root.Bucket(block).ForEach(func(k, v []byte) error {
					fmt.Fprintf(&buf, "history %s %x %s\n", block, k, v)
					return nil
				})
			})
		}
		return nil
	})
	return buf.Bytes()
}

func block(node, zone string) func(kind string) *command.Command {
	return func(kind string) *command.Command {
		return newCommand(command.NewID(), kind, BlockBody{Block: zone}, node, node, "", t0)
	}
}

func readerCheck(node, reader, cell, person string) *command.Command {
	return newCommand(command.NewID(), KindCheck, CheckBody{Cell: cell, Reader: reader, Person: person}, node, node, "", t0)
}

func keysOf(as []replica.Applied, node string) (raised, cleared []string) {
	raise, clear := Alarms(as, node)
	for _, r := range raise {
		raised = append(raised, fmt.Sprintf("%s P%d", r.Key, r.Priority))
	}
	return raised, clear
}

const m = time.Minute

// night is a night on the two blocks (22:00 onwards): r1 in c1 is on
// watch (15 min), the others on the default 30.
func night() []step {
	hb, seg := block("n1", "hb"), block("n2", "seg")
	return []step{
		{0, hb(KindStart), nil},
		{0, seg(KindStart), nil},
		{1 * m, hb(KindStart), ErrUnchanged},
		{5 * m, ConsoleCheck("c1", Calm, "", "", "officer", "n1", "10.0.0.9", t0), nil},
		{6 * m, ConsoleCheck("c2", Other, " ", "", "officer", "n1", "", t0), ErrInvalid},
		{6 * m, ConsoleCheck("c2", "sleeping", "", "", "officer", "n1", "", t0), ErrInvalid},
		{6 * m, ConsoleCheck("c9", Calm, "", "", "officer", "n1", "", t0), ErrInvalid},
		{6 * m, ConsoleCheck("c2", Calm, "", "", "mallory", "n1", "", t0), ErrInvalid},
		{7 * m, readerCheck("n2", "s1-rfid", "s1", "o1"), nil},
		{7*m + 30*time.Second, readerCheck("n2", "s1-rfid", "s1", "o1"), ErrUnchanged}, // the same officer, still at the door
		{7*m + 30*time.Second, readerCheck("n2", "s1-rfid", "s1", "o2"), nil},
		{8 * m, readerCheck("n1", "s1-rfid", "s1", "o1"), ErrInvalid}, // not the reader's node
		{8 * m, readerCheck("n2", "s1-rfid", "s1", "r1"), ErrInvalid}, // a resident's tag
		{8 * m, readerCheck("n2", "s1-rfid", "c1", "o1"), ErrInvalid}, // not the reader's cell
		{16 * m, hb(KindOverdue), ErrUnchanged},                       // c1 due at +20 (watch), c2 and c3 at +30
		{21 * m, hb(KindOverdue), nil},                                // c1 overdue: P1
		{22 * m, hb(KindOverdue), ErrUnchanged},
		{25 * m, WatchCommand("r1", false, "seen by the psychologist", "officer", "n1", "", t0), ErrInvalid},
		{25 * m, WatchCommand("r1", false, "", "super", "n1", "", t0), ErrInvalid},
		{25 * m, WatchCommand("r1", false, "Dr Ahmed: off watch", "super", "n1", "", t0), nil}, // c1 due at +35 now: cleared
		{26 * m, WatchCommand("r1", false, "again", "super", "n1", "", t0), ErrUnchanged},
		{31 * m, hb(KindOverdue), nil}, // c2 and c3: P2
		{33 * m, ConsoleCheck("c2", Agitated, "=HYPERLINK(\"x\")", "o2", "officer", "n1", "", t0), nil},
		{40 * m, seg(KindOverdue), nil}, // s1: o2's check at +7.5 was due at +37.5
		{41 * m, WatchCommand("r3", true, "threats of self-harm", "super", "n2", "", t0), nil},
		{42 * m, seg(KindOverdue), nil}, // due moved to +22.5: recorded again
		{50 * m, &command.Command{ID: command.NewID(), Kind: "rounds.skip", Actor: "officer", Body: []byte(`{}`)}, ErrInvalid},
	}
}

func TestRoundsOnRealStateFiles(t *testing.T) {
	a := Applier{Plan: testPlan(t)}
	dir := t.TempDir()
	var dumps [2][]byte
	for n, name := range []string{"a.db", "b.db"} {
		path := filepath.Join(dir, name)
		db := openDB(t, path)
		applied := applySteps(t, db, a, 100, night())
		db.Close()
		if n == 0 {
			raised, cleared := keysOf(applied, "n1")
			if want := []string{"rounds.overdue/c1 P1", "rounds.overdue/c2 P2", "rounds.overdue/c3 P2"}; !slices.Equal(raised, want) {
				t.Errorf("n1 raised %v, want %v", raised, want)
			}
			if want := []string{"rounds.overdue/c1", "rounds.overdue/c2"}; !slices.Equal(cleared, want) {
				t.Errorf("n1 cleared %v, want %v", cleared, want)
			}
			raised, cleared = keysOf(applied, "n2")
			if want := []string{"rounds.overdue/s1 P2", "rounds.overdue/s1 P1"}; !slices.Equal(raised, want) || len(cleared) != 0 {
				t.Errorf("n2 raised %v and cleared %v, want %v", raised, cleared, want)
			}
		}
		db = openDB(t, path)
		dumps[n] = dump(t, db)
		checkNight(t, a.Plan, db)
		db.Close()
	}
	if !bytes.Equal(dumps[0], dumps[1]) {
		t.Fatalf("two state files from the same log differ:\n%s\n%s", dumps[0], dumps[1])
	}
}

// checkNight reads back what the night left, as a restarted node does.
func checkNight(t *testing.T, p *Plan, db *bolt.DB) {
	t.Helper()
	_ = db.View(func(tx *bolt.Tx) error {
		st := p.Status(tx, "hb", t0.Add(45*m))
		if len(st) != 3 {
			t.Fatalf("status %+v", st)
		}
		c1, c2, c3 := st[0], st[1], st[2]
		if c1.Watch || c1.Interval != 30*m || c1.State != StateOverdue || c1.Late != 10*m || c1.Last.By != "officer" || c1.Last.Observation != Calm {
			t.Errorf("c1 %+v", c1)
		}
		if c2.State != StateOK || !c2.Due.Equal(t0.Add(63*m)) || c2.Last.By != "officer for o2" || !slices.Equal(c2.Residents, []string{"r2"}) {
			t.Errorf("c2 %+v", c2)
		}
		if c3.Last != nil || c3.State != StateOverdue || c3.Late != 15*m {
			t.Errorf("c3 %+v", c3)
		}
		s1 := p.Status(tx, "seg", t0.Add(45*m))[0]
		if !s1.Watch || s1.Interval != 15*m || s1.Last.By != "o2" || s1.Last.Source != SourceReader || s1.Last.Reader != "s1-rfid" {
			t.Errorf("s1 %+v", s1)
		}
		if on, w := p.WatchState(tx, "r1"); on || w == nil || w.By != "super" || w.Note != "Dr Ahmed: off watch" {
			t.Errorf("r1's watch: %v %+v", on, w)
		}
		h := History(tx, "hb", t0, t0.Add(time.Hour))
		var kinds []string
		for _, r := range h {
			kinds = append(kinds, r.Kind+" "+r.Cell)
		}
		want := []string{"check c1", "overdue c1", "watch c1", "overdue c2", "overdue c3", "check c2"}
		if !slices.Equal(kinds, want) {
			t.Errorf("hb history %v, want %v", kinds, want)
		}
		if got := History(tx, "hb", t0.Add(21*m), t0.Add(31*m)); len(got) != 2 || got[0].Kind != RecordOverdue || got[1].Kind != RecordWatch {
			t.Errorf("history from +21m to +31m: %+v", got)
		}
		return nil
	})
}

func TestTick(t *testing.T) {
	p := testPlan(t)
	a := Applier{Plan: p}
	db := openDB(t, filepath.Join(t.TempDir(), "s.db"))
	defer db.Close()
	tick := func(node string, at time.Duration) (cs []*command.Command) {
		_ = db.View(func(tx *bolt.Tx) error { cs = p.Tick(tx, node, t0.Add(at)); return nil })
		return cs
	}
	starts := tick("n1", 0)
	if len(starts) != 2 || starts[0].Kind != KindStart || starts[1].Kind != KindStart || starts[0].ID != tick("n2", 30*time.Second)[0].ID {
		t.Fatalf("first tick: %+v", starts)
	}
	applySteps(t, db, a, 1, []step{{0, starts[0], nil}, {0, starts[1], nil}})
	if cs := tick("n1", 15*m); len(cs) != 0 {
		t.Fatalf("at c1's due time (watch, 15m): %+v", cs)
	}
	late := tick("n1", 15*m+time.Second)
	if len(late) != 1 || late[0].Kind != KindOverdue || string(late[0].Body) != `{"block":"hb"}` || late[0].ID != tick("n2", 15*m+2*time.Second)[0].ID {
		t.Fatalf("past c1's due time: %+v", late)
	}
	applied := applySteps(t, db, a, 3, []step{{15*m + time.Second, late[0], nil}})
	if raised, _ := keysOf(applied, "n1"); !slices.Equal(raised, []string{"rounds.overdue/c1 P1"}) {
		t.Errorf("raised %v", raised)
	}
	if cs := tick("n1", 20*m); len(cs) != 0 {
		t.Fatalf("c1's lapse is recorded: %+v", cs)
	}
	if cs := tick("n2", 30*m+time.Second); len(cs) != 2 || string(cs[0].Body) != `{"block":"hb"}` || string(cs[1].Body) != `{"block":"seg"}` {
		t.Fatalf("past everyone's due time: %+v", cs)
	}
}

func TestSightings(t *testing.T) {
	p := testPlan(t)
	if !slices.Equal(p.ReaderCells("s1-rfid"), []string{"s1"}) {
		t.Fatalf("reader cells %v", p.ReaderCells("s1-rfid"))
	}
	s := p.NewSightings("n2")
	cs := s.Seen("s1-rfid", "aa01", t0)
	if len(cs) != 1 || cs[0].Kind != KindCheck || cs[0].Actor != "n2" || string(cs[0].Body) != `{"cell":"s1","reader":"s1-rfid","person":"o1"}` {
		t.Fatalf("%+v", cs)
	}
	for _, tc := range []struct {
		reader, epc string
		at          time.Duration
		want        int
	}{
		{"s1-rfid", "AA01", 59 * time.Second, 0}, // still at the door
		{"s1-rfid", "AA02", 59 * time.Second, 1}, // another officer
		{"s1-rfid", "AA01", 60 * time.Second, 1}, // a minute on: a new check
		{"s1-rfid", "BB01", 90 * time.Second, 0}, // a resident's tag
		{"s1-rfid", "FFFF", 90 * time.Second, 0}, // nobody's
		{"hb-door", "AA01", 90 * time.Second, 0}, // no checkpoint
	} {
		if got := s.Seen(tc.reader, tc.epc, t0.Add(tc.at)); len(got) != tc.want {
			t.Errorf("%s %s +%v: %d checks, want %d", tc.reader, tc.epc, tc.at, len(got), tc.want)
		}
	}
	if cs := p.NewSightings("n1").Seen("s1-rfid", "AA01", t0); len(cs) != 0 {
		t.Errorf("n1 proposed a read of n2's reader: %+v", cs)
	}
}

func replicaEntry(index uint64, at time.Time) replica.Entry {
	return replica.Entry{Index: index, Time: at}
}
