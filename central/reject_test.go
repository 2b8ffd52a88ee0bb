package central

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/uplink"
	"github.com/palisade/palisade/sync/uplink/uplinktest"
)

// hostile serves a fixed answer on the uplink path.
func hostile(status int, body func(after string) []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write(body(r.URL.Query().Get("after")))
	})
}

func page(after string, last int, records ...string) []byte {
	return []byte(fmt.Sprintf(`{"facility":"north","node":"n9","after":%s,"last":%d,"records":[%s]}`, after, last, strings.Join(records, ",")))
}

func rollup(seq int) string {
	return fmt.Sprintf(`{"seq":%d,"index":%d,"time":"2025-01-01T00:00:00Z","kind":"rollup","body":{"since":0,"entries":1,"open":[{"raised":0,"acknowledged":0},{"raised":0,"acknowledged":0},{"raised":0,"acknowledged":0},{"raised":0,"acknowledged":0}],"raised":[0,0,0,0],"cluster":{"members":3,"leader":"n1"}}}`, seq, seq)
}

// Bad input from an edge is refused with a clear error and an alarm, and
// nothing of it is stored.
func TestBadInputFromAnEdgeIsRejectedAlarmedAndNotStored(t *testing.T) {
	w := newWorld(t, 1, uplink.Feed{})
	w.apply(uplinktest.Span(w.start, time.Hour, centralDay, 21))
	good := w.nodes[0]
	console, _ := w.ca.Issue(pki.RoleConsole, "n1", []string{"127.0.0.1"}, w.start, 30*24*time.Hour)
	other, _ := pki.NewCA("north", w.start)
	foreignNode, _ := other.Issue(pki.RoleNode, "n1", []string{"127.0.0.1"}, w.start, 30*24*time.Hour)
	nodeCert := good.f.Cert
	// A node that trusts another CA refuses HQ's certificate.
	strangerRoots := other.Pool()

	cases := []struct {
		name    string
		cert    tls.Certificate
		roots   bool // serve with the real CA as the client's roots (else the stranger's)
		handler http.Handler
		want    error
		says    string
		after   uint64 // HQ's cursor before the pull (0: fresh)
	}{
		{"console certificate", console, true, good.f.Handler(), ErrCertificate, "console", 0},
		{"node of another CA", foreignNode, true, good.f.Handler(), ErrCertificate, "not signed by the facility CA", 0},
		{"HQ not trusted by the node", nodeCert, false, good.f.Handler(), ErrRefused, "refused HQ", 0},
		{"garbage", nodeCert, true, hostile(200, func(string) []byte { return []byte(`{"facility":"north","records":[{"seq":`) }), ErrMalformed, "malformed", 0},
		{"oversized", nodeCert, true, hostile(200, func(string) []byte { return make([]byte, 2<<20) }), ErrOversized, "more than", 0},
		{"another facility", nodeCert, true, hostile(200, func(a string) []byte {
			return []byte(strings.Replace(string(page(a, 1, rollup(1))), "north", "south", 1))
		}), ErrMalformed, `"south"`, 0},
		{"going backwards in the page", nodeCert, true, hostile(200, func(a string) []byte { return page(a, 3, rollup(2), rollup(1)) }), ErrBackwards, "backwards", 0},
		{"at or before the cursor", nodeCert, true, hostile(200, func(a string) []byte { return page(a, 30, rollup(5), rollup(6)) }), ErrBackwards, "backwards", 10},
		{"skipping without a gap", nodeCert, true, hostile(200, func(a string) []byte { return page(a, 5, rollup(2), rollup(3)) }), ErrHole, "record 2 after 0", 0},
		{"a gap that starts late", nodeCert, true, hostile(200, func(a string) []byte {
			return page(a, 9, `{"seq":9,"time":"2025-01-01T00:00:00Z","kind":"gap","body":{"from":5,"to":9,"summary":{"seq":9,"index":3,"time":"2025-01-01T00:00:00Z","open":null,"overrides":0}}}`)
		}), ErrHole, "gap from 5", 0},
		{"a refusal", nodeCert, true, hostile(http.StatusTeapot, func(string) []byte { return []byte("no") }), ErrRefused, "418", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			roots := w.ca.Pool()
			if !tc.roots {
				roots = strangerRoots
			}
			srv := uplinktest.Serve(t, tc.handler, tc.cert, roots)
			cfg := *w.cfg
			cfg.Data = t.TempDir()
			cfg.Facilities = []Facility{w.cfg.Facilities[0]}
			cfg.Facilities[0].Nodes = []string{srv.URL()}
			s, err := New(&cfg, Options{Logger: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			p := s.pullers[0]
			if tc.after > 0 { // HQ already holds records 1..after
				var recs []uplink.Record
				for i := 1; i <= int(tc.after); i++ {
					r, _ := uplink.ParseRecord([]byte(rollup(i)))
					recs = append(recs, r)
				}
				if _, err := s.store.Commit(Batch{Facility: "north", Records: recs, Last: tc.after}); err != nil {
					t.Fatal(err)
				}
				p.cursor = tc.after
			}
			before, _, _ := s.store.RawRecords("north")
			_, err = p.pull(context.Background())
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("pull: %v\nwant %v saying %q", err, tc.want, tc.says)
			}
			after, _, _ := s.store.RawRecords("north")
			st, _ := s.store.Facility("north")
			if len(after) != len(before) || st.Cursor != tc.after || p.cursor != tc.after {
				t.Fatalf("stored %d records (had %d), cursor %d", len(after), len(before), st.Cursor)
			}
			alarms, _ := s.store.Alarms("north", true)
			if len(alarms) != 1 || alarms[0].Kind != AlarmRejected || !strings.Contains(alarms[0].Message, tc.says) || alarms[0].Node != srv.URL() {
				t.Fatalf("alarms %+v", alarms)
			}
		})
	}
}
