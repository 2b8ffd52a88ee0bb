package rounds

import (
	"encoding/csv"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestExportCSV(t *testing.T) {
	a := Applier{Plan: testPlan(t)}
	db := openDB(t, filepath.Join(t.TempDir(), "s.db"))
	defer db.Close()
	applySteps(t, db, a, 100, night())
	var buf strings.Builder
	if err := db.View(func(tx *bolt.Tx) error {
		return a.Plan.ExportCSV(&buf, tx, "hb", t0, t0.Add(time.Hour))
	}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(buf.String())).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v\n%s", err, buf.String())
	}
	want := [][]string{
		CSVHeader,
		// t0 is 22:00 EDT.
		{"2026-05-31 22:05:00 -04:00", "hb", "c1", "check", "officer", "console", "", "calm", "", "15.0", "", "0", "", ""},
		{"2026-05-31 22:21:00 -04:00", "hb", "c1", "overdue", "n1", "", "", "", "", "15.0", "", "1.0", "", ""},
		{"2026-05-31 22:25:00 -04:00", "hb", "c1", "watch", "super", "", "", "", "Dr Ahmed: off watch", "30.0", "", "", "r1", "off"},
		{"2026-05-31 22:31:00 -04:00", "hb", "c2", "overdue", "n1", "", "", "", "", "30.0", "", "1.0", "", ""},
		{"2026-05-31 22:31:00 -04:00", "hb", "c3", "overdue", "n1", "", "", "", "", "30.0", "", "1.0", "", ""},
		// A note typed as a formula is kept as text; the check came 3
		// minutes after its due time.
		{"2026-05-31 22:33:00 -04:00", "hb", "c2", "check", "officer for o2", "console", "", "agitated", `'=HYPERLINK("x")`, "30.0", "", "3.0", "", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), buf.String())
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d\n  %q\nwant\n  %q", i, rows[i], want[i])
		}
	}
	err = db.View(func(tx *bolt.Tx) error { return a.Plan.ExportCSV(&buf, tx, "c1", t0, t0) })
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("export of a cell, not a block: %v", err)
	}
}

// TestAcrossTheClocksGoingBack: intervals are real time, and the export
// shows the repeated hour with its offset. 2026-11-01 in Toronto: 02:00
// EDT goes back to 01:00 EST.
func TestAcrossTheClocksGoingBack(t *testing.T) {
	a := Applier{Plan: testPlan(t)}
	db := openDB(t, filepath.Join(t.TempDir(), "s.db"))
	defer db.Close()
	first := time.Date(2026, 11, 1, 5, 45, 0, 0, time.UTC) // 01:45 EDT
	second := first.Add(20 * m)                            // 01:05 EST
	for i, at := range []time.Time{first, second} {
		c := ConsoleCheck("c2", Asleep, "", "", "officer", "n1", "", at)
		if err := db.Update(func(tx *bolt.Tx) error {
			_, err := a.Apply(tx, replicaEntry(uint64(i+1), at), c)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	_ = db.View(func(tx *bolt.Tx) error {
		st := a.Plan.Status(tx, "hb", second.Add(35*m)) // 01:40 EST
		if c2 := st[1]; c2.State != StateOverdue || c2.Late != 5*m || !c2.Due.Equal(second.Add(30*m)) {
			t.Errorf("35 minutes after the second check: %+v", c2)
		}
		if c2 := a.Plan.Status(tx, "hb", second.Add(25*m))[1]; c2.State != StateDue {
			t.Errorf("25 minutes after: %s, want due (within %v)", c2.State, DueSoon)
		}
		if c2 := a.Plan.Status(tx, "hb", second.Add(24*m))[1]; c2.State != StateOK {
			t.Errorf("24 minutes after: %s, want ok", c2.State)
		}
		var buf strings.Builder
		if err := a.Plan.ExportCSV(&buf, tx, "hb", first.Add(-time.Hour), second.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		rows, _ := csv.NewReader(strings.NewReader(buf.String())).ReadAll()
		if len(rows) != 3 || rows[1][0] != "2026-11-01 01:45:00 -04:00" || rows[2][0] != "2026-11-01 01:05:00 -05:00" || rows[2][10] != "20.0" || rows[2][11] != "0" {
			t.Errorf("%q", rows)
		}
		if st := a.Plan.Status(tx, "hb", second)[0]; st.State != StateNotStarted || st.Last != nil {
			t.Errorf("c1, never begun: %+v", st)
		}
		return nil
	})
}
