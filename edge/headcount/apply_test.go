package headcount

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

func openDB(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// step is one command applied at minute min after t0.
type step struct {
	min     int
	c       *command.Command
	wantErr error
}

// applySteps applies each step in its own transaction at log index
// first+i, as the replica does, and returns what the replica's observer
// would see.
func applySteps(t *testing.T, db *bolt.DB, a replica.Applier, first uint64, steps []step) []replica.Applied {
	t.Helper()
	var out []replica.Applied
	for i, s := range steps {
		e := replica.Entry{Index: first + uint64(i), Time: t0.Add(time.Duration(s.min) * time.Minute)}
		var res []byte
		var err error
		if uerr := db.Update(func(tx *bolt.Tx) error {
			res, err = a.Apply(tx, e, s.c)
			return nil
		}); uerr != nil {
			t.Fatal(uerr)
		}
		if !errors.Is(err, s.wantErr) || (s.wantErr == nil) != (err == nil) {
			t.Fatalf("step %d (%s by %s): err %v, want %v", i, s.c.Kind, s.c.Actor, err, s.wantErr)
		}
		out = append(out, replica.Applied{Index: e.Index, Time: e.Time, Command: s.c, Result: res, Err: err})
	}
	return out
}

// dump returns every key and value of the headcount buckets.
func dump(t *testing.T, db *bolt.DB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketCounts, bucketMeta} {
			b := tx.Bucket(name)
			if b == nil {
				continue
			}
			_ = b.ForEach(func(k, v []byte) error {
				fmt.Fprintf(&buf, "%s %x %s\n", name, k, v)
				return nil
			})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func slotCommand(node string, slot time.Time, located map[string]string) *command.Command {
	return newCommand(derivedID(KindStart, slot.Format(time.RFC3339), node), KindStart, StartBody{Slot: slot, Located: located}, node, node, "", slot)
}

// TestApplierOnRealStateFiles runs one day's counts through the applier
// on two bbolt files: the same log gives the same bytes, refusals change
// nothing, a restarted node reads the counts back.
func TestApplierOnRealStateFiles(t *testing.T) {
	a := Applier{Plan: testPlan(t)}
	zone := func(id uint64, z string, counted int, confirm bool, missing, extra []string) *command.Command {
		return ZoneCommand(ZoneBody{Count: id, Zone: z, Counted: counted, Confirm: confirm, Missing: missing, Extra: extra}, "officer", "n2", "10.0.0.7", t0)
	}
	bad := zone(10, "hb", 1, false, nil, nil)
	bad.Body = []byte(`{"count":10,"zone":`)
	// The 12:30 count starts at t0 (index 10): presence has r3 on the yard.
	steps := []step{
		{0, slotCommand("n1", t0, with(home, "r3", "yard")), nil},
		{0, slotCommand("n2", t0, home), ErrUnchanged}, // the same slot from another node, another id
		{1, StartCommand(home, "", "officer", "n2", "", t0), ErrOpen},
		{2, newCommand(command.NewID(), KindStart, StartBody{Slot: t0.Add(time.Minute), Located: home}, "n1", "n1", "", t0), ErrInvalid},
		{3, zone(10, "hb", 2, false, []string{"r3"}, nil), nil},
		{4, zone(10, "seg", 1, true, nil, nil), nil},
		{5, bad, ErrInvalid},
		{5, ZoneCommand(ZoneBody{Count: 10, Zone: "clinic", Confirm: true}, "mallory", "n2", "", t0), ErrInvalid},
		{6, CancelCommand(10, "no", "officer", "n2", "", t0), ErrInvalid},
		{7, newCommand(command.NewID(), KindLate, LateBody{Count: 10}, "officer", "n2", "", t0), ErrInvalid},
		{8, newCommand(command.NewID(), KindLate, LateBody{Count: 10}, "n1", "n1", "", t0), ErrUnchanged},
		{20, newCommand(command.NewID(), KindLate, LateBody{Count: 10}, "n1", "n1", "", t0), nil},
		{22, zone(10, "clinic", 1, false, nil, []string{"r3"}), nil}, // found in the clinic: cleared
		{23, zone(10, "clinic", 1, true, nil, nil), ErrClosed},
		// An officer's count on demand at 12:55 (index 24), then a
		// supervisor calls it off.
		{25, StartCommand(with(home, "r2", "yard"), "after the yard fight", "officer", "n2", "", t0), nil},
		{26, zone(24, "hb", 2, true, nil, nil), nil},
		{27, CancelCommand(24, "lock-down: count by cell instead", "super", "n2", "", t0), nil},
		{28, zone(99, "hb", 3, true, nil, nil), ErrClosed},
		{29, &command.Command{ID: command.NewID(), Kind: "headcount.recount", Actor: "officer", Body: []byte(`{}`)}, ErrInvalid},
	}
	dir := t.TempDir()
	var dumps [2][]byte
	for n, name := range []string{"a.db", "b.db"} {
		path := filepath.Join(dir, name)
		db := openDB(t, path)
		applied := applySteps(t, db, a, 10, steps)
		db.Close()
		if n == 0 {
			checkAlarms(t, applied)
		}
		db = openDB(t, path) // what a restarted node reads
		dumps[n] = dump(t, db)
		if err := db.View(func(tx *bolt.Tx) error {
			if c, ok := Current(tx); ok {
				t.Errorf("an open count after the day: %+v", c)
			}
			past := Past(tx, 10)
			if len(past) != 2 || past[0].ID != 24 || past[1].ID != 10 {
				t.Fatalf("past counts %+v", past)
			}
			noon := past[1]
			if noon.State != Cleared || !noon.Scheduled || !noon.Slot.Equal(t0) || noon.StartedBy != "n1" || !noon.Late ||
				!noon.EndedAt.Equal(t0.Add(22*time.Minute)) || noon.EndedBy != "officer" {
				t.Errorf("the 12:30 count: %+v", noon)
			}
			if e, _ := noon.Zones[0].Current(); e.Index != 14 || e.By != "officer" || !slices.Equal(e.Missing, []string{"r3"}) || !e.At.Equal(t0.Add(3*time.Minute)) {
				t.Errorf("hb's entry: %+v", e)
			}
			s := noon.Summarize()
			if s.Expected != 4 || s.Located != 3 || s.Counted != 4 || s.Reconciled != 3 || s.Zones != 3 {
				t.Errorf("summary %+v", s)
			}
			if c := past[0]; c.State != Cancelled || c.EndNote != "lock-down: count by cell instead" || c.Scheduled || c.Note != "after the yard fight" {
				t.Errorf("the count on demand: %+v", c)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	if !bytes.Equal(dumps[0], dumps[1]) {
		t.Fatalf("two state files from the same log differ:\n%s\n%s", dumps[0], dumps[1])
	}
}

// checkAlarms: each node raises what its own commands caused.
func checkAlarms(t *testing.T, applied []replica.Applied) {
	t.Helper()
	raise, clear := Alarms(applied, "n2")
	var keys []string
	for _, r := range raise {
		if err := r.Normalize(); err != nil {
			t.Errorf("%s: the alarm core refuses it: %v", r.Key, err)
		}
		keys = append(keys, r.Key)
	}
	// n2 entered hb's correction (r3 missing; presence had them on the
	// yard, outside the counted zones: unaccounted, and no tag problem in
	// hb), the clinic's count that cleared everything, and the count on
	// demand whose confirmation left r2 (on the yard) unaccounted until
	// the supervisor cancelled it.
	if want := []string{"headcount.unaccounted/10/r3", "headcount.unaccounted/24/r2"}; !slices.Equal(keys, want) {
		t.Errorf("n2 raised %v, want %v", keys, want)
	}
	if want := []string{"headcount.late/10/open", "headcount.unaccounted/10/r3", "headcount.unaccounted/24/r2"}; !slices.Equal(clear, want) {
		t.Errorf("n2 cleared %v, want %v", clear, want)
	}
	raise, _ = Alarms(applied, "n1")
	if len(raise) != 1 || raise[0].Kind != ProblemLate {
		t.Errorf("n1 raised %+v, want the late count", raise)
	}
}

func TestRefusalWritesNothing(t *testing.T) {
	a := Applier{Plan: testPlan(t)}
	db := openDB(t, filepath.Join(t.TempDir(), "s.db"))
	defer db.Close()
	applySteps(t, db, a, 1, []step{
		{0, slotCommand("officer", t0, home), ErrInvalid}, // a user cannot start a scheduled count
		{16, slotCommand("n1", t0, home), ErrUnchanged},   // past the catch-up
		{0, StartCommand(home, "", "mallory", "n1", "", t0), ErrInvalid},
	})
	if d := dump(t, db); len(d) != 0 {
		t.Errorf("refused commands left state:\n%s", d)
	}
}

// TestTick drives the node's side with an injected clock: a scheduled
// count proposed once due, by every node alike; then its late record.
func TestTick(t *testing.T) {
	p := testPlan(t)
	a := Applier{Plan: p}
	db := openDB(t, filepath.Join(t.TempDir(), "s.db"))
	defer db.Close()
	snaps := 0
	located := func() map[string]string { snaps++; return home }
	tick := func(node string, now time.Time) (cs []*command.Command) {
		_ = db.View(func(tx *bolt.Tx) error { cs = p.Tick(tx, node, now, located); return nil })
		return cs
	}
	if cs := tick("n1", t0.Add(-time.Second)); len(cs) != 0 || snaps != 0 {
		t.Fatalf("before 12:30: %d commands, %d snapshots", len(cs), snaps)
	}
	c1, c2 := tick("n1", t0.Add(2*time.Second)), tick("n2", t0.Add(3*time.Second))
	if len(c1) != 1 || len(c2) != 1 || c1[0].ID != c2[0].ID || c1[0].Kind != KindStart || c1[0].Actor != "n1" {
		t.Fatalf("at 12:30: %+v / %+v", c1, c2)
	}
	applySteps(t, db, a, 5, []step{{0, c1[0], nil}})
	if cs := tick("n1", t0.Add(19*time.Minute)); len(cs) != 0 {
		t.Fatalf("open, not late: %+v", cs)
	}
	late := tick("n2", t0.Add(20*time.Minute))
	if len(late) != 1 || late[0].Kind != KindLate || late[0].Actor != "n2" {
		t.Fatalf("at the deadline: %+v", late)
	}
	applied := applySteps(t, db, a, 6, []step{{20, late[0], nil}})
	if raise, _ := Alarms(applied, "n2"); len(raise) != 1 || raise[0].Key != "headcount.late/5/open" {
		t.Errorf("late alarm %+v", raise)
	}
	if cs := tick("n1", t0.Add(30*time.Minute)); len(cs) != 0 {
		t.Errorf("late already recorded: %+v", cs)
	}
}
