package uplink_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/uplink"
	"github.com/palisade/palisade/sync/uplink/uplinktest"
)

func fold(t testing.TB, recs []uplink.Record) uplink.Summary {
	t.Helper()
	var s uplink.Summary
	for _, r := range recs {
		if err := s.Apply(r); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func read(t testing.TB, f *uplinktest.Facility, after uint64, n, maxBytes int) ([]uplink.Record, uint64) {
	t.Helper()
	var out []uplink.Record
	var last uint64
	err := f.DB.View(func(tx *bolt.Tx) error {
		raw, l, err := uplink.Read(tx, after, n, maxBytes)
		last = l
		for _, b := range raw {
			r, err := uplink.ParseRecord(b)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, last
}

// A puller behind the retention gets a gap and the summary of what was
// pruned; folding them with the records after gives exactly what a puller
// that saw every record knows.
func TestAPullerBehindTheRetentionGetsAGapAndTheSameSummary(t *testing.T) {
	cs := uplinktest.Span(dayStart(), 12*time.Hour, testDay, 2)
	full := newFacility(t, "full.db", uplink.Feed{})
	short := newFacility(t, "short.db", uplink.Feed{RetainFor: 5 * time.Hour})
	for _, f := range []*uplinktest.Facility{full, short} {
		if _, err := f.Apply(cs, 64); err != nil {
			t.Fatal(err)
		}
	}
	all := records(t, full)
	want := fold(t, all)
	for _, after := range []uint64{0, 10, 400} {
		recs, last := read(t, short, after, 1<<20, 1<<30)
		if last != uint64(len(all)) {
			t.Fatalf("last %d, want %d", last, len(all))
		}
		g := recs[0]
		var gap uplink.Gap
		mustJSON(t, g.Body, &gap)
		if g.Kind != uplink.KindGap || gap.From != after+1 || gap.To != g.Seq || recs[1].Seq != g.Seq+1 {
			t.Fatalf("after %d: first record %s %d (%d..%d), then %d", after, g.Kind, g.Seq, gap.From, gap.To, recs[1].Seq)
		}
		if age := all[len(all)-1].Time.Sub(recs[1].Time); age > 5*time.Hour || age < 4*time.Hour {
			t.Errorf("oldest record held is %v older than the newest, retention 5h", age)
		}
		got := fold(t, recs)
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if !bytes.Equal(gb, wb) {
			t.Fatalf("after %d: summary through the gap\n%s\ndiffers from the full one\n%s", after, gb, wb)
		}
	}
	// At or past the pruned range: no gap.
	st := stats(t, short)
	recs, _ := read(t, short, st.First-1, 5, 1<<30)
	if recs[0].Seq != st.First || recs[0].Kind == uplink.KindGap || len(recs) != 5 {
		t.Fatalf("after %d: %d records from %d (%s)", st.First-1, len(recs), recs[0].Seq, recs[0].Kind)
	}
}

func stats(t testing.TB, f *uplinktest.Facility) uplink.Stats {
	t.Helper()
	var st uplink.Stats
	if err := f.DB.View(func(tx *bolt.Tx) (err error) { st, err = uplink.ReadStats(tx); return err }); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRetentionByBytesAndPageBounds(t *testing.T) {
	cs := uplinktest.Span(dayStart(), 4*time.Hour, testDay, 3)
	f := newFacility(t, "s.db", uplink.Feed{RetainBytes: 24 << 10})
	if _, err := f.Apply(cs, 32); err != nil {
		t.Fatal(err)
	}
	st := stats(t, f)
	if st.Bytes > 24<<10 || st.Bytes < 16<<10 || st.First <= 1 {
		t.Fatalf("stats %+v with a 24 KiB quota", st)
	}
	recs, _ := read(t, f, st.First-1, 1<<20, 4096)
	size := 0
	for _, r := range recs {
		size += len(r.Marshal())
	}
	if size > 4096 || size < 4096-uplink.MaxRecordBytes/4 {
		t.Fatalf("a page bounded at 4096 bytes holds %d", size)
	}
	if recs, _ = read(t, f, st.First-1, 7, 1<<30); len(recs) != 7 {
		t.Fatalf("a page bounded at 7 records holds %d", len(recs))
	}
	// The first record goes out even if it alone is above the bound.
	if recs, _ = read(t, f, 0, 10, 1); len(recs) != 1 || recs[0].Kind != uplink.KindGap {
		t.Fatalf("a 1-byte page: %d records", len(recs))
	}
}

func TestResidentsNamesStayUnlessConfigured(t *testing.T) {
	cs := uplinktest.Span(dayStart(), 4*time.Hour, testDay, 4)
	for _, names := range []bool{false, true} {
		f := newFacility(t, "s.db", uplink.Feed{Names: names, RetainFor: 2 * time.Hour})
		if _, err := f.Apply(cs, 32); err != nil {
			t.Fatal(err)
		}
		raw, err := f.Records()
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, b := range raw {
			if bytes.Contains(b, []byte(uplinktest.ResidentName)) {
				seen++
			}
		}
		if names != (seen > 0) {
			t.Fatalf("names %v: %d of %d records name a resident", names, seen, len(raw))
		}
	}
}
