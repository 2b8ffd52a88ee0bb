package sallyport

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/replica"
)

type directory map[string]bool // user → supervisor

func (directory) Rules(port string) (Rules, bool) { return Rules{}, port == "main-gate" }
func (d directory) Supervisor(user string) bool   { return d[user] }
func (directory) Owner(string) string             { return "node-1" }

var staff = directory{"officer-1": false, "sup-a": true, "sup-b": true}

// applyAll applies each (actor, input) in its own transaction of a real
// bbolt file, as the replica does, and returns each result's error.
func applyAll(t *testing.T, db *bolt.DB, first uint64, steps []struct {
	by string
	in Input
}) []error {
	t.Helper()
	errs := make([]error, len(steps))
	for i, s := range steps {
		c := InputCommand("main-gate", s.in, s.by, "node-1", "", time.Unix(0, 0))
		if err := db.Update(func(tx *bolt.Tx) error {
			_, errs[i] = Applier{Dir: staff}.Apply(tx, replica.Entry{Index: first + uint64(i), Time: time.Unix(int64(first)+int64(i), 0)}, c)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return errs
}

func openDB(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestApplierOnRealStateFiles(t *testing.T) {
	type st = struct {
		by string
		in Input
	}
	steps := []st{
		{"node-1", limit(Outer, false, true)}, {"node-1", limit(Inner, false, true)},
		{"officer-1", Input{Kind: OpenGate, Gate: Inner}},
		{"node-1", limit(Inner, false, false)}, {"node-1", limit(Inner, true, true)},
		{"node-1", loop(BayLoop, true)},
		{"officer-1", Input{Kind: CloseGate, Gate: Inner}},
		{"node-1", limit(Inner, true, false)}, {"node-1", limit(Inner, false, true)},
		{"officer-1", Input{Kind: Declare, People: 1}},
		{"officer-1", Input{Kind: StartScan}},
		{"node-1", Input{Kind: ScanResult, Result: Inconclusive}},
		// An officer who claims to be a supervisor in the body is not one.
		{"officer-1", Input{Kind: Approve, Override: Release, Supervisor: true}},
		{"sup-a", Input{Kind: Approve, Override: Release}},
		{"sup-a", Input{Kind: Approve, Override: Release}},
		{"sup-b", Input{Kind: Approve, Override: Release}},
		{"officer-1", Input{Kind: OpenGate, Gate: Outer}},
	}
	dir := t.TempDir()
	var machines [2][]byte
	for n := range machines {
		path := filepath.Join(dir, []string{"a.db", "b.db"}[n])
		db := openDB(t, path)
		errs := applyAll(t, db, 10, steps)
		for i, err := range errs {
			refused := i == 12 || i == 14
			if refused != (err != nil) {
				t.Fatalf("step %d (%s %+v): err %v", i, steps[i].by, steps[i].in, err)
			}
			if refused && !errors.Is(err, ErrRefused) {
				t.Fatalf("step %d refused with %v, want ErrRefused", i, err)
			}
		}
		db.Close()
		db = openDB(t, path) // what a restarted node reads
		if err := db.View(func(tx *bolt.Tx) error {
			m, ok := Load(tx, "main-gate")
			if !ok || m.Dir != Leaving || !m.ExitOpened || m.Gates[Outer].Want != Open {
				t.Fatalf("reloaded machine %+v", m)
			}
			h := History(tx, "main-gate", 100)
			if len(h) != len(steps)-2 {
				t.Fatalf("history has %d steps, want %d (refusals are not steps)", len(h), len(steps)-2)
			}
			last := h[len(h)-1]
			if last.Input.By != "officer-1" || last.Index != 10+uint64(len(steps)-1) || len(last.Outputs) != 1 || last.Outputs[0].Drive != Open {
				t.Fatalf("last step %+v", last)
			}
			grant := h[len(h)-2]
			if grant.Input.By != "sup-b" || !grant.Input.Supervisor || !hasOutput(grant.Outputs, OverrideGranted) ||
				!strings.Contains(grant.Outputs[0].Reason, "sup-a and sup-b") {
				t.Fatalf("grant step %+v", grant)
			}
			machines[n] = tx.Bucket(bucketPorts).Get([]byte("main-gate"))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	if !bytes.Equal(machines[0], machines[1]) {
		t.Fatalf("two state files from the same log differ:\n%s\n%s", machines[0], machines[1])
	}
}

func TestApplierRefusesUnknownPortsAndGarbage(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "s.db"))
	defer db.Close()
	c := InputCommand("back-gate", Input{Kind: OpenGate}, "officer-1", "node-1", "", time.Now())
	bad := InputCommand("main-gate", Input{}, "officer-1", "node-1", "", time.Now())
	bad.Body = []byte(`{"port":"main-gate","input":`)
	_ = db.Update(func(tx *bolt.Tx) error {
		if _, err := (Applier{Dir: staff}).Apply(tx, replica.Entry{Index: 1}, c); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"back-gate"`) {
			t.Errorf("unknown port: %v", err)
		}
		if _, err := (Applier{Dir: staff}).Apply(tx, replica.Entry{Index: 2}, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("truncated body: %v", err)
		}
		if tx.Bucket(bucketPorts) != nil || tx.Bucket(bucketHistory) != nil {
			t.Error("a refused command left state behind")
		}
		return nil
	})
}
