package central

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/uplink"
	"github.com/palisade/palisade/sync/uplink/uplinktest"
)

// centralDay is a busy facility's day of records (every notable alarm,
// override and rollup of uplinktest.Busy) with less door traffic, which
// only grows the audit tree.
var centralDay = uplinktest.Profile{Events: 500, Notable: 600, Minor: 300, Overrides: 40, RollupEvery: time.Minute}

// node is one node of the simulated facility: its state file, its uplink
// listener, and the WAN between it and HQ.
type node struct {
	f   *uplinktest.Facility
	srv *uplinktest.Server
	wan *uplinktest.WAN
}

// world is one facility of n nodes and HQ's configuration for it.
type world struct {
	t     testing.TB
	start time.Time
	ca    *pki.CA
	nodes []*node
	cfg   *Config
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func newWorld(t testing.TB, n int, feed uplink.Feed) *world {
	t.Helper()
	w := &world{t: t, start: time.Now().Add(-48 * time.Hour).Truncate(time.Hour).UTC()}
	var err error
	if w.ca, err = pki.NewCA("north", w.start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	var urls []string
	dir := t.TempDir()
	for i := range n {
		name := fmt.Sprintf("n%d", i+1)
		f := uplinktest.NewFacility(t, filepath.Join(dir, name+".db"), "north", w.ca,
			uplinktest.Options{Node: name, Feed: feed, IssuedAt: w.start.Add(-time.Hour), FirstTime: w.start})
		srv := uplinktest.Serve(t, f.Handler(), f.Cert, w.ca.Pool())
		nd := &node{f: f, srv: srv, wan: uplinktest.NewWAN(t, srv.Addr)}
		w.nodes = append(w.nodes, nd)
		urls = append(urls, nd.wan.URL())
	}
	pem := t.TempDir()
	hq, err := w.ca.Issue(pki.RoleCentral, "hq", nil, w.start.Add(-time.Hour), 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.ca.Save(pem); err != nil {
		t.Fatal(err)
	}
	if err := pki.SaveCert(pem, "hq", hq); err != nil {
		t.Fatal(err)
	}
	cfg := Default()
	cfg.Data = t.TempDir()
	cfg.PullEvery, cfg.DarkAfter = 20*time.Millisecond, time.Hour
	cfg.BackoffMin, cfg.BackoffMax, cfg.Timeout = 2*time.Millisecond, 40*time.Millisecond, 5*time.Second
	cfg.PageRecords, cfg.PageBytes = 200, 64<<10
	cfg.Facilities = []Facility{{ID: "north", Name: "North Prison", Nodes: urls,
		CA: filepath.Join(pem, pki.CAFile), Cert: filepath.Join(pem, "hq.pem"), Key: filepath.Join(pem, "hq-key.pem")}}
	w.cfg = &cfg
	return w
}

// apply applies cs to every node (each node applies the log) and signs a
// checkpoint on each (every node's tree has the same root).
func (w *world) apply(cs []*command.Command) {
	w.t.Helper()
	for _, nd := range w.nodes {
		if _, err := nd.f.Apply(cs, 128); err != nil {
			w.t.Fatal(err)
		}
		if _, err := nd.f.Checkpoint(); err != nil {
			w.t.Fatal(err)
		}
	}
}

// hq is a running Service.
type hq struct {
	*Service
	cancel context.CancelFunc
	done   chan struct{}
}

func (w *world) startHQ(clock Clock) *hq {
	w.t.Helper()
	s, err := New(w.cfg, Options{Logger: testLogger(w.t), Clock: clock})
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &hq{Service: s, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(h.done); s.Run(ctx) }()
	w.t.Cleanup(h.stop)
	return h
}

var stopMu sync.Mutex

// stop ends Run, waits for it, and closes the store (idempotent).
func (h *hq) stop() {
	stopMu.Lock()
	defer stopMu.Unlock()
	if h.cancel == nil {
		return
	}
	h.cancel()
	<-h.done
	h.cancel = nil
	_ = h.Close()
}

// waitFor waits, commit by commit, until cond holds.
func waitFor(t testing.TB, s *Store, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		ch := s.Changed()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("after %v: still waiting for %s", d, what)
		}
	}
}

func cursorOf(t testing.TB, s *Store) uint64 {
	st, err := s.Facility("north")
	if err != nil {
		t.Fatal(err)
	}
	return st.Cursor
}

// lastSeq is the newest record of node i.
func (w *world) lastSeq(i int) uint64 {
	raw, err := w.nodes[i].f.Records()
	if err != nil || len(raw) == 0 {
		w.t.Fatalf("records of node %d: %v", i, err)
	}
	r, err := uplink.ParseRecord(raw[len(raw)-1])
	if err != nil {
		w.t.Fatal(err)
	}
	return r.Seq
}

// checkExactlyOnce asserts that HQ holds every record of node 0, each
// once, in order, with the same bytes, and counted once.
func (w *world) checkExactlyOnce(s *Store) {
	w.t.Helper()
	want, err := w.nodes[0].f.Records()
	if err != nil {
		w.t.Fatal(err)
	}
	got, seqs, err := s.RawRecords("north")
	if err != nil {
		w.t.Fatal(err)
	}
	if len(got) != len(want) {
		w.t.Fatalf("HQ holds %d records, the facility %d", len(got), len(want))
	}
	for i := range got {
		if seqs[i] != uint64(i+1) || !bytes.Equal(got[i], want[i]) {
			w.t.Fatalf("record %d at HQ (seq %d) differs from the facility's:\n%s\n%s", i+1, seqs[i], got[i], want[i])
		}
	}
	st, err := s.Facility("north")
	if err != nil {
		w.t.Fatal(err)
	}
	if st.Received != uint64(len(want)) || st.Cursor != uint64(len(want)) {
		w.t.Fatalf("HQ counted %d records stored (cursor %d) for %d", st.Received, st.Cursor, len(want))
	}
	var sum uplink.Summary
	for _, b := range want {
		r, _ := uplink.ParseRecord(b)
		if err := sum.Apply(r); err != nil {
			w.t.Fatal(err)
		}
	}
	a, _ := json.Marshal(sum)
	b, _ := json.Marshal(st.Summary)
	if !bytes.Equal(a, b) {
		w.t.Fatalf("HQ's summary differs from the fold of the facility's records")
	}
}
