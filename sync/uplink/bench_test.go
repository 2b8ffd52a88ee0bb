package uplink_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"path/filepath"
	"sort"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/uplink"
	"github.com/palisade/palisade/sync/uplink/uplinktest"
)

// BenchmarkRecordBytes: the size of summary records of a busy facility's
// day — stored (canonical JSON) and on the wire (a gzipped page of 1000).
func BenchmarkRecordBytes(b *testing.B) {
	p := uplinktest.Busy
	p.Events = 5000 // door traffic makes no records
	f := newFacility(b, "s.db", uplink.Feed{})
	if _, err := f.Apply(uplinktest.Day(dayStart(), p, 7), 256); err != nil {
		b.Fatal(err)
	}
	raw, err := f.Records()
	if err != nil {
		b.Fatal(err)
	}
	byKind := map[string][2]int{}
	total := 0
	for _, r := range raw {
		rec, _ := uplink.ParseRecord(r)
		k := byKind[rec.Kind]
		byKind[rec.Kind] = [2]int{k[0] + 1, k[1] + len(r)}
		total += len(r)
	}
	var wire int
	b.ResetTimer()
	for range b.N {
		wire = 0
		for lo := 0; lo < len(raw); lo += 1000 {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
			recs := raw[lo:min(lo+1000, len(raw))]
			page, _ := json.Marshal(struct {
				Records []json.RawMessage `json:"records"`
			}{toRaw(recs)})
			_, _ = zw.Write(page)
			_ = zw.Close()
			wire += buf.Len()
		}
	}
	b.ReportMetric(float64(total)/float64(len(raw)), "B/record")
	b.ReportMetric(float64(wire)/float64(len(raw)), "wire-B/record")
	b.ReportMetric(float64(len(raw)), "records/day")
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		b.Logf("%-9s %5d records, %4d B each", k, byKind[k][0], byKind[k][1]/byKind[k][0])
	}
}

func toRaw(rs [][]byte) []json.RawMessage {
	out := make([]json.RawMessage, len(rs))
	for i, r := range rs {
		out[i] = r
	}
	return out
}

// BenchmarkFeedApply: what the Feed adds to applying a busy facility's
// commands (router only, versus Feed{Next: router}), per command.
func BenchmarkFeedApply(b *testing.B) {
	cs := uplinktest.Span(dayStart(), 2*time.Hour, uplinktest.Busy, 8)
	for _, withFeed := range []bool{false, true} {
		name := "router"
		if withFeed {
			name = "feed+router"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				db, err := bolt.Open(filepath.Join(b.TempDir(), "s.db"), 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true})
				if err != nil {
					b.Fatal(err)
				}
				router := uplinktest.Router()
				feed := &uplink.Feed{Next: router}
				plain := uplinktest.Router()
				plain["uplink"] = noop{} // rollups cost the router nothing
				b.StartTimer()
				idx := uint64(0)
				for lo := 0; lo < len(cs); lo += 128 {
					_ = db.Update(func(tx *bolt.Tx) error {
						for _, c := range cs[lo:min(lo+128, len(cs))] {
							idx++
							e := replica.Entry{Index: idx, Time: c.Time}
							if withFeed {
								_, _ = feed.Apply(tx, e, c)
							} else {
								_, _ = plain.Apply(tx, e, c)
							}
						}
						return nil
					})
				}
				b.StopTimer()
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cs)), "ns/command")
		})
	}
}

type noop struct{}

func (noop) Apply(*bolt.Tx, replica.Entry, *command.Command) ([]byte, error) { return nil, nil }
