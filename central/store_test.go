package central

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/palisade/palisade/sync/uplink"
)

func mustRecords(t *testing.T, seqs ...int) []uplink.Record {
	t.Helper()
	var out []uplink.Record
	for _, s := range seqs {
		r, err := uplink.ParseRecord([]byte(rollup(s)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestStoreCommitsBatchesAtomicallyAndOnce(t *testing.T) {
	s, err := OpenStore(filepath.Join(t.TempDir(), "hq.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.Commit(Batch{Facility: "north", Records: mustRecords(t, 1, 2, 3), Last: 3})
	if err != nil || res.New != 3 || res.Cursor != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	// A re-delivered batch, partly overlapping: the overlap is a no-op.
	res, err = s.Commit(Batch{Facility: "north", Records: mustRecords(t, 2, 3, 4), Last: 4})
	if err != nil || res.New != 1 || res.Duplicates != 2 || res.Cursor != 4 {
		t.Fatalf("%+v %v", res, err)
	}
	// A record that differs from the stored one under the same number
	// refuses the whole batch.
	changed := mustRecords(t, 4, 5)
	changed[0].Index = 99
	if _, err := s.Commit(Batch{Facility: "north", Records: changed, Last: 5}); !errors.Is(err, ErrConflict) {
		t.Fatalf("conflict: %v", err)
	}
	// A hole refuses the whole batch too.
	if _, err := s.Commit(Batch{Facility: "north", Records: mustRecords(t, 5, 7), Last: 7}); !errors.Is(err, ErrHole) {
		t.Fatalf("hole: %v", err)
	}
	st, _ := s.Facility("north")
	_, seqs, _ := s.RawRecords("north")
	if st.Cursor != 4 || st.Received != 4 || st.Duplicates != 2 || len(seqs) != 4 || st.Summary.Seq != 4 {
		t.Fatalf("after refusals: %+v, %d records", st, len(seqs))
	}
}
