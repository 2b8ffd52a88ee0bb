package node_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/palisade/palisade/central"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/examples"
)

// Headquarters pulls a real facility: a priority-1 alarm raised on one
// node's console is open at HQ (pulled over mutual TLS from the nodes'
// uplinks), and resolved there once the officer resolves it; HQ's witness
// verified the facility's signed audit checkpoint.
func TestHeadquartersPullsTheFacility(t *testing.T) {
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	nodes := startWith(t, f, node.FacilityOptions{AuditInterval: 200 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	officer := login(t, ctx, nodes[1], "officer")
	waitQuorum(t, ctx, officer)

	dir := t.TempDir()
	ca := testCA()
	cert, err := ca.Issue(pki.RoleCentral, "hq", nil, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.SaveCert(dir, "hq", cert); err != nil {
		t.Fatal(err)
	}
	if err := ca.Save(dir); err != nil {
		t.Fatal(err)
	}
	cfg := central.Default()
	cfg.Data, cfg.Listen, cfg.PullEvery = dir, "127.0.0.1:0", 100*time.Millisecond
	fc := central.Facility{ID: f.ID, Name: f.Name, CA: filepath.Join(dir, pki.CAFile),
		Cert: filepath.Join(dir, pki.CertFile("hq")), Key: filepath.Join(dir, pki.KeyFile("hq"))}
	for _, n := range nodes {
		if n.UplinkURL() == "" {
			t.Fatalf("node %s serves no uplink", n.Replica.ID())
		}
		fc.Nodes = append(fc.Nodes, n.UplinkURL())
	}
	cfg.Facilities = []central.Facility{fc}
	hq, err := central.New(&cfg, central.Options{Logger: nil})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); hq.Run(runCtx) }()
	defer func() { stop(); <-done; _ = hq.Close(); _ = os.RemoveAll(dir) }()

	a, err := officer.Raise(ctx, "panic.button", 1, "yard", "panic button pressed in the yard")
	if err != nil {
		t.Fatal(err)
	}
	view := func(cond func(central.FacilityView) bool, what string) central.FacilityView {
		t.Helper()
		for {
			vs, err := hq.Facilities()
			if err == nil && len(vs) == 1 && cond(vs[0]) {
				return vs[0]
			}
			if ctx.Err() != nil {
				t.Fatalf("HQ never %s: %+v %v", what, vs, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	v := view(func(v central.FacilityView) bool { return len(v.OpenAlarms) == 1 }, "saw the open alarm")
	if v.Status != "ok" || v.OpenAlarms[0].Priority != 1 || v.OpenAlarms[0].Kind != "panic.button" {
		t.Fatalf("at HQ: %+v", v)
	}
	if _, err := officer.Resolve(ctx, a.ID, "false alarm: a visitor leaned on it"); err != nil {
		t.Fatal(err)
	}
	view(func(v central.FacilityView) bool {
		return len(v.OpenAlarms) == 0 && v.Witness != nil && len(v.HQAlarms) == 0
	},
		"saw it resolved with a verified checkpoint")
}
