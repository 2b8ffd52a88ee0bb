package presence

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sensors/rfid"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

var (
	yardDoor = DoorwayReader("yard-rfid", "main-corridor", "yard")
	carol    = Person{ID: "r-1002", Role: Resident, Tags: []rfid.EPC{"E28011700000020A1B2C1002"}}
)

func directory(t testing.TB) *Registry {
	t.Helper()
	reg, err := NewRegistry([]Reader{door, exit, yardDoor, edu}, []Person{alice, bob, carol})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func openDB(t testing.TB, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func cross(p Person, r Reader, from, to string, at time.Time) *command.Command {
	c, _ := Command(Transition{Person: p.ID, EPC: p.Tags[0], Reader: r.ID, From: from, To: to, At: at, Reads: 40}, "node-2")
	return c
}

// step is a command and the error it must meet (nil: applied).
type step struct {
	c    *command.Command
	want error
}

// day is a stretch of commands covering every path of the applier.
func day() []step {
	m := func(p Person, seen, at time.Time) *command.Command {
		c, _ := Command(Missing{Person: p.ID, LastSeen: seen, At: at}, "node-1")
		return c
	}
	f := func(p Person, r Reader, zone string, at, since time.Time) *command.Command {
		c, _ := Command(Found{Person: p.ID, Reader: r.ID, Zone: zone, At: at, Since: since}, "node-3")
		return c
	}
	h := func(hh, mm int) time.Time {
		return t0.Truncate(24 * time.Hour).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	}
	return []step{
		{cross(alice, door, "hb-a-2", "hb-a-1", h(8, 0)), nil},
		{cross(alice, exit, "hb-a-1", "main-corridor", h(8, 1)), nil},
		{cross(alice, yardDoor, "main-corridor", "yard", h(8, 2)), nil},
		{cross(alice, yardDoor, "main-corridor", "yard", h(8, 2)), ErrUnchanged}, // the same crossing again (another id)
		{cross(carol, exit, "main-corridor", "hb-a-1", h(8, 5)), nil},            // first sighting: no anomaly
		{cross(carol, door, "hb-a-1", "hb-a-2", h(8, 6)), nil},
		{cross(alice, yardDoor, "yard", "main-corridor", h(9, 0)), nil},
		{cross(alice, door, "hb-a-1", "hb-a-2", h(9, 2)), nil}, // impossible (she is in the corridor) until the late one below
		{cross(bob, edu, "", "education", h(9, 3)), nil},
		{cross(alice, exit, "main-corridor", "hb-a-1", h(9, 1)), nil}, // late, from a node cut off: 9:02 follows from it now
		{m(bob, h(9, 3), h(12, 0)), ErrInvalid},                       // staff are never missing
		{m(alice, h(9, 1), h(12, 0)), ErrStale},                       // she was seen at 9:02
		{m(alice, h(9, 2), h(12, 0)), nil},
		{m(alice, h(9, 2), h(12, 5)), ErrUnchanged},
		{f(alice, exit, "hb-a-1", h(9, 2), h(9, 2)), ErrStale},
		{f(alice, exit, "hb-a-1", h(13, 0), h(9, 2)), nil},
		{f(alice, exit, "hb-a-1", h(13, 1), h(9, 2)), ErrUnchanged},
		{cross(alice, exit, "hb-a-1", "main-corridor", h(13, 1)), nil},
	}
}

// applyAll applies each step in its own transaction, as a replica whose
// batches hold one entry each does, and checks the outcomes.
func applyAll(t testing.TB, db *bolt.DB, a Applier, steps []step) {
	t.Helper()
	for i, s := range steps {
		e := replica.Entry{Index: uint64(10 + i), Time: time.Unix(1_750_000_000+int64(i), 0)}
		if err := db.Update(func(tx *bolt.Tx) error {
			_, err := a.Apply(tx, e, s.c)
			if (s.want == nil) != (err == nil) || (s.want != nil && !errors.Is(err, s.want)) {
				t.Errorf("step %d (%s %s): %v, want %v", i, s.c.Kind, s.c.Body, err, s.want)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestApplierOnRealStateFiles(t *testing.T) {
	dir := t.TempDir()
	a := Applier{Dir: directory(t)}
	var files [2][]byte
	for n := range files {
		path := filepath.Join(dir, fmt.Sprintf("state-%d.db", n))
		db := openDB(t, path)
		applyAll(t, db, a, day())
		db.Close()
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[n] = raw
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("the same commands gave two different state files")
	}

	db := openDB(t, filepath.Join(dir, "state-0.db")) // what a restarted node reads
	defer db.Close()
	h := func(hh, mm int) time.Time {
		return t0.Truncate(24 * time.Hour).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		st, ok := Where(tx, alice.ID)
		if !ok || st.Zone != "main-corridor" || !st.Since.Equal(h(13, 1)) || st.Missing || st.Reader != exit.ID || st.History != 9 {
			t.Errorf("alice %+v", st)
		}
		if st, _ := Where(tx, bob.ID); st.Zone != "education" || st.From != "" {
			t.Errorf("bob %+v", st)
		}
		if got := Counts(tx); len(got) != 3 || got["main-corridor"] != 1 || got["hb-a-2"] != 1 || got["education"] != 1 {
			t.Errorf("counts %v", got)
		}
		if in := InZone(tx, "hb-a-2"); len(in) != 1 || in[0].Person != carol.ID {
			t.Errorf("in hb-a-2: %+v", in)
		}
		if in := InZone(tx, "hb-a"); len(in) != 0 {
			t.Errorf("a zone's name as another's prefix: %+v", in)
		}

		recs := History(tx, alice.ID, h(9, 0), h(13, 0))
		var kinds []string
		for _, r := range recs {
			kinds = append(kinds, r.Kind+":"+r.Zone+":"+string(r.Anomaly))
		}
		want := "transition:main-corridor: transition:hb-a-1: transition:hb-a-2: missing:hb-a-2:"
		if strings.Join(kinds, " ") != want {
			t.Errorf("history 9:00–13:00\n got %s\nwant %s", strings.Join(kinds, " "), want)
		}
		late := recs[1]
		if !late.Late || late.Prev != "main-corridor" || late.Anomaly != NoAnomaly || late.Index != 19 || !late.Committed.Equal(time.Unix(1_750_000_009, 0)) {
			t.Errorf("late record %+v", late)
		}
		if next := recs[2]; next.Prev != "hb-a-1" || next.Reason != "" || next.Late {
			t.Errorf("the crossing after the late one, judged again: %+v", next)
		}
		// Found in hb-a-1 at 13:00, but last placed in hb-a-2: leaving
		// hb-a-1 at 13:01 is impossible.
		if last := History(tx, alice.ID, h(13, 1), h(13, 2)); len(last) != 1 || last[0].Anomaly != Impossible || !strings.Contains(last[0].Reason, "was in hb-a-2") {
			t.Errorf("13:01: %+v", last)
		}
		if z, ok := ZoneAt(tx, alice.ID, h(8, 30)); !ok || z.Zone != "yard" {
			t.Errorf("at 8:30: %+v", z)
		}
		if _, ok := ZoneAt(tx, alice.ID, h(7, 0)); ok {
			t.Error("a zone before the first record")
		}
		stays := Stays(tx, alice.ID, h(8, 30), h(14, 0))
		var got []string
		for _, s := range stays {
			got = append(got, fmt.Sprintf("%s %s–%s %v", s.Zone, s.From.Format("15:04"), s.To.Format("15:04"), s.Flagged))
		}
		wantStays := "yard 08:30–09:00 false|main-corridor 09:00–09:01 false|hb-a-1 09:01–09:02 false|hb-a-2 09:02–13:01 false|main-corridor 13:01–14:00 true"
		if strings.Join(got, "|") != wantStays {
			t.Errorf("stays\n got %s\nwant %s", strings.Join(got, "|"), wantStays)
		}
		return nil
	})
}

// TestApplierRefusesBadCommands: a refused command leaves nothing behind.
func TestApplierRefusesBadCommands(t *testing.T) {
	at := t0
	good := cross(alice, door, "hb-a-1", "hb-a-2", at)
	body := func(mod func(*TransitionBody)) *command.Command {
		var b TransitionBody
		_ = json.Unmarshal(good.Body, &b)
		mod(&b)
		c := *good
		c.Body, _ = json.Marshal(b)
		return &c
	}
	cases := []struct {
		name string
		c    *command.Command
		want string
	}{
		{"unknown kind", &command.Command{ID: command.NewID(), Kind: "presence.teleport", Body: good.Body}, `unknown kind "presence.teleport"`},
		{"truncated body", &command.Command{ID: command.NewID(), Kind: KindTransition, Body: good.Body[:20]}, "presence.transition body"},
		{"unknown person", body(func(b *TransitionBody) { b.Person = "r-9999" }), `no person "r-9999"`},
		{"unknown reader", body(func(b *TransitionBody) { b.Reader = "roof-rfid" }), `no reader "roof-rfid"`},
		{"zone not the reader's", body(func(b *TransitionBody) { b.To = "yard" }), "joins hb-a-1 and hb-a-2"},
		{"from = to", body(func(b *TransitionBody) { b.From = "hb-a-2" }), "joins hb-a-1 and hb-a-2"},
		{"someone else's tag", body(func(b *TransitionBody) { b.EPC = bob.Tags[0] }), "is not r-1001's"},
		{"no time", body(func(b *TransitionBody) { b.At = time.Time{} }), "without a time"},
		{"area reader with a from", body(func(b *TransitionBody) { b.Reader, b.From, b.To = edu.ID, "yard", "education" }), "watches education"},
		{"found, not missing", func() *command.Command { c, _ := Command(Found{Person: alice.ID, At: at}, "n"); return c }(), "not missing"},
	}
	db := openDB(t, filepath.Join(t.TempDir(), "s.db"))
	defer db.Close()
	a := Applier{Dir: directory(t)}
	for i, tc := range cases {
		_ = db.Update(func(tx *bolt.Tx) error {
			_, err := a.Apply(tx, replica.Entry{Index: uint64(i + 1), Time: at}, tc.c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
			}
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnchanged) {
				t.Errorf("%s: %v is no sentinel", tc.name, err)
			}
			for _, b := range [][]byte{bucketState, bucketZones, bucketHistory} {
				if tx.Bucket(b) != nil {
					t.Errorf("%s: refused, yet bucket %s was created", tc.name, b)
				}
			}
			return nil
		})
	}
}

// TestHistoryIsBounded: the oldest records go first, the count in the
// state stays exact.
func TestHistoryIsBounded(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "s.db"))
	defer db.Close()
	a := Applier{Dir: directory(t), Keep: 5}
	var steps []step
	zones := [2]string{"hb-a-1", "hb-a-2"}
	for i := range 12 {
		steps = append(steps, step{cross(alice, door, zones[i%2], zones[1-i%2], t0.Add(time.Duration(i)*time.Minute)), nil})
	}
	applyAll(t, db, a, steps)
	_ = db.View(func(tx *bolt.Tx) error {
		recs := History(tx, alice.ID, time.Time{}, time.Time{})
		st := Load(tx, alice.ID)
		if len(recs) != 5 || st.History != 5 || !recs[0].At.Equal(t0.Add(7*time.Minute)) {
			t.Errorf("%d records, state counts %d, first at %v", len(recs), st.History, recs[0].At)
		}
		return nil
	})
}

func TestCommittedAndIDs(t *testing.T) {
	tr := Transition{Person: alice.ID, EPC: alice.Tags[0], Reader: door.ID, From: "hb-a-1", To: "hb-a-2", At: t0}
	c1, _ := Command(tr, "node-1")
	c2, _ := Command(tr, "node-2")
	tr.At = t0.Add(time.Millisecond)
	c3, _ := Command(tr, "node-1")
	if c1.ID != c2.ID || c1.ID == c3.ID {
		t.Fatal("the same crossing must have one id, another crossing another")
	}
	m1, _ := Command(Missing{Person: alice.ID, LastSeen: t0, At: t0.Add(time.Hour)}, "node-1")
	m2, _ := Command(Missing{Person: alice.ID, LastSeen: t0, At: t0.Add(time.Hour + time.Second)}, "node-3")
	if m1.ID != m2.ID {
		t.Fatal("two nodes declaring the same resident missing from the same sighting must propose one command")
	}
	if _, ok := Command(UnknownTag{EPC: ghost}, "node-1"); ok {
		t.Fatal("an unknown tag is not presence state")
	}
	st, _ := json.Marshal(State{Person: alice.ID, Zone: "hb-a-2", Index: 3})
	got := Committed([]replica.Applied{
		{Command: c1, Result: st},
		{Command: c3, Err: ErrUnchanged},
		{Command: &command.Command{Kind: "door.state"}, Result: []byte(`{"person":"x"}`)},
	})
	if len(got) != 1 || got[0].Zone != "hb-a-2" {
		t.Fatalf("committed %+v", got)
	}
}

// FuzzApply: no body makes the applier panic, and a refused command
// leaves nothing behind. Seeded with the bodies of day().
func FuzzApply(f *testing.F) {
	kinds := []string{KindTransition, KindMissing, KindFound}
	for _, s := range day() {
		for i, k := range kinds {
			if k == s.c.Kind {
				f.Add(uint8(i), s.c.Body)
			}
		}
	}
	db := openDB(f, filepath.Join(f.TempDir(), "fuzz.db"))
	defer db.Close()
	a := Applier{Dir: directory(f)}
	errRollback := errors.New("rollback")
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		c := &command.Command{ID: command.NewID(), Kind: kinds[int(kind)%len(kinds)], Body: body}
		_ = db.Update(func(tx *bolt.Tx) error {
			_, err := a.Apply(tx, replica.Entry{Index: 1, Time: t0}, c)
			if err != nil {
				if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnchanged) && !errors.Is(err, ErrStale) {
					t.Fatalf("%s %q: %v is no sentinel", c.Kind, body, err)
				}
				for _, b := range [][]byte{bucketState, bucketZones, bucketHistory} {
					if tx.Bucket(b) != nil {
						t.Fatalf("%s %q refused (%v), yet bucket %s exists", c.Kind, body, err, b)
					}
				}
			}
			return errRollback // every input starts from an empty state
		})
	})
}
