package headcount

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/uplink"
)

// Through the uplink feed: HQ gets a record when a count starts, when an
// officer's entry names a missing resident, and when the count clears —
// totals, and no names unless the facility lets them cross.
func TestUplinkRecordsOfACount(t *testing.T) {
	for _, names := range []bool{false, true} {
		feed := &uplink.Feed{Next: Applier{Plan: testPlan(t)}, Derivers: []uplink.Deriver{Uplink()}, Names: names}
		db := openDB(t, filepath.Join(t.TempDir(), "state.db"))
		zone := func(z string, counted int, confirm bool, missing, extra []string) step {
			return step{0, ZoneCommand(ZoneBody{Count: 10, Zone: z, Counted: counted, Confirm: confirm, Missing: missing, Extra: extra}, "officer", "n2", "", t0), nil}
		}
		applySteps(t, db, feed, 10, []step{
			{0, slotCommand("n1", t0, with(home, "r3", "yard")), nil},
			zone("hb", 2, false, []string{"r3"}, nil), // r3 not in the cell: a discrepancy
			zone("seg", 1, true, nil, nil),
			zone("clinic", 1, false, nil, []string{"r3"}), // found in the clinic: cleared
		})
		var recs []json.RawMessage
		if err := db.View(func(tx *bolt.Tx) error {
			rs, _, err := uplink.Read(tx, 0, 100, 1<<20)
			for _, r := range rs { // valid only in the transaction
				recs = append(recs, append(json.RawMessage(nil), r...))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		db.Close()
		var counts []uplink.Headcount
		for _, r := range recs {
			var rec struct {
				Kind string          `json:"kind"`
				Body json.RawMessage `json:"body"`
			}
			if err := json.Unmarshal(r, &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Kind != uplink.KindHeadcount {
				continue
			}
			var h uplink.Headcount
			if err := json.Unmarshal(rec.Body, &h); err != nil {
				t.Fatal(err)
			}
			counts = append(counts, h)
		}
		if len(counts) != 3 || counts[0].Cleared || counts[1].MissingCount != 1 || !counts[2].Cleared || counts[2].Expected == 0 {
			t.Fatalf("names %v: headcount records %+v (from %d records)", names, counts, len(recs))
		}
		if got := strings.Join(counts[1].Missing, ","); (names && got != "r3") || (!names && got != "") {
			t.Fatalf("names %v: missing names at HQ %q", names, got)
		}
	}
}
