package node_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/api/apiclient"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/examples"
	"github.com/palisade/palisade/sensors/gpio"
	"github.com/palisade/palisade/sync/replica/replicatest"
)

// testCA is the facility CA of these tests' facilities.
var testCA = sync.OnceValue(func() *pki.CA {
	ca, err := pki.NewCA("northfield", time.Now())
	if err != nil {
		panic(err)
	}
	return ca
})

// startFacility starts the example facility's three nodes on free loopback
// ports, as the demo does: mutual TLS between nodes, HTTPS consoles.
func startFacility(t *testing.T, simulate bool) []*node.Node {
	t.Helper()
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	return startWith(t, f, node.FacilityOptions{Simulate: simulate})
}

// startWith starts f's nodes like startFacility, with fo's options on top
// (data directory, free ports, the tests' CA and logger are filled in).
func startWith(t testing.TB, f *facility.Facility, fo node.FacilityOptions) []*node.Node {
	t.Helper()
	fo.DataDir, fo.FreePorts, fo.CA = t.TempDir(), true, testCA()
	if fo.Chips == nil && !fo.Simulate {
		// No GPIO chip here: the example's gpiochip0 (fences, panic button)
		// is a fake with every line at rest.
		quiet := quietChip()
		fo.Chips = func(string) (gpio.Chip, error) { return quiet, nil }
	}
	if fo.Logger == nil {
		fo.Logger = func(string) *slog.Logger { return replicatest.Logger(t) }
	}
	nodes, err := node.StartFacility(f, fo)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		t.Cleanup(func() { n.Close() })
	}
	return nodes
}

// waitQuorum waits until the console's node sees a quorum.
func waitQuorum(t testing.TB, ctx context.Context, c *apiclient.Client) {
	t.Helper()
	for {
		if st, err := c.Cluster(ctx); err == nil && st.Quorum {
			return
		}
		if ctx.Err() != nil {
			t.Fatal("no quorum")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func login(t testing.TB, ctx context.Context, n *node.Node, user string) *apiclient.Client {
	t.Helper()
	c, err := apiclient.Login(ctx, n.URL(), user, "demo-"+user, apiclient.WithRoots(testCA().Pool()))
	if err != nil {
		t.Fatalf("login %s on %s: %v", user, n.URL(), err)
	}
	return c
}

func next(t testing.TB, ctx context.Context, ch <-chan alarm.Event) alarm.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("event stream closed")
		}
		return ev
	case <-ctx.Done():
		t.Fatal("no event within the deadline")
	}
	return alarm.Event{}
}

// An officer on one node raises an alarm, another console sees it live, a
// third acknowledges it; the acknowledgement shows everywhere once committed.
func TestOperatorsOnThreeConsoles(t *testing.T) {
	nodes := startFacility(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	watcher := login(t, ctx, nodes[2], "officer")
	events, err := watcher.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raiser := login(t, ctx, nodes[0], "officer")
	var al alarm.Alarm
	for { // the cluster may still be electing its first leader
		if al, err = raiser.Raise(ctx, "officer.assistance", 2, "yard", "Officer needs assistance in the yard"); err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("raise: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ev := next(t, ctx, events)
	if ev.Type != alarm.EventRaised || ev.Alarm.ID != al.ID || ev.Alarm.Zone != "yard" || ev.Alarm.Node != "node-1" {
		t.Fatalf("console of node-3 got %+v, want the raised alarm", ev)
	}
	super := login(t, ctx, nodes[1], "super")
	acked, err := super.Ack(ctx, al.ID, "two officers sent")
	if err != nil || acked.State != alarm.Acknowledged || acked.AckedBy != "super" {
		t.Fatalf("ack: %+v, %v", acked, err)
	}
	if ev := next(t, ctx, events); ev.Type != alarm.EventUpdated || ev.Alarm.State != alarm.Acknowledged {
		t.Fatalf("console of node-3 got %+v, want the acknowledgement", ev)
	}
	if _, err := super.Resolve(ctx, al.ID, ""); err == nil {
		t.Error("resolve without a note was accepted")
	}
	resolved, err := super.Resolve(ctx, al.ID, "officer safe, inmate returned to cell")
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range nodes {
		if err := n.Replica.WaitApplied(ctx, resolved.Index); err != nil { // followers lag by a few ms
			t.Fatal(err)
		}
		c := login(t, ctx, n, "officer")
		list, err := c.Alarms(ctx, false)
		if err != nil || len(list) != 1 || list[0].State != alarm.Resolved || list[0].ResolveNote == "" {
			t.Errorf("node %d lists %+v, %v", i, list, err)
		}
		st, err := c.Cluster(ctx)
		if err != nil || !st.Quorum || len(st.Members) != 3 {
			t.Errorf("node %d cluster status %+v, %v", i, st, err)
		}
	}
}

// An officer on node-3 pulses the sally-port gate strike owned by node-1:
// the request is committed, node-1's relay moves, and the read-back is on
// the record for every console.
func TestGateStrikeMovesThroughTheLog(t *testing.T) {
	nodes := startFacility(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := login(t, ctx, nodes[2], "officer")
	var req actuator.Actuation
	var err error
	for {
		if req, err = c.Actuate(ctx, "sp-gate-strike", "pulse", "5s", "delivery van at the outer gate"); err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("actuate: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // first election
	}
	if req.State != actuator.Requested || req.Request.Node != "node-1" || req.RequestedBy != "officer" {
		t.Fatalf("request recorded as %+v", req)
	}
	for {
		a, err := c.Actuation(ctx, req.ID)
		if err == nil && a.State == actuator.Done {
			if a.ReadBack != "pulsed 5s" {
				t.Errorf("read back %q", a.ReadBack)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("never executed: %+v, %v", a, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var apiErr *apiclient.Error
	if _, err := c.Actuate(ctx, "no-such-gate", "pulse", "5s", ""); !errors.As(err, &apiErr) || apiErr.Status != 404 {
		t.Errorf("unknown device: %v, want 404", err)
	}
	if _, err := c.Actuate(ctx, "sp-gate-strike", "explode", "", ""); !errors.As(err, &apiErr) || apiErr.Status != 400 {
		t.Errorf("bad action: %v, want 400", err)
	}
}

// What an operator graphs is on /metrics: commits, alarms' API traffic,
// failed logins.
func TestMetricsForTheOperator(t *testing.T) {
	nodes := startFacility(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := apiclient.Login(ctx, nodes[0].URL(), "officer", "wrong", apiclient.WithRoots(testCA().Pool())); err == nil {
		t.Fatal("wrong password accepted")
	}
	c := login(t, ctx, nodes[0], "officer")
	for {
		al, err := c.Raise(ctx, "test", 4, "", "metrics probe")
		if err == nil {
			if err := nodes[0].Replica.WaitApplied(ctx, al.Index); err != nil { // node-1 may follow
				t.Fatal(err)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatal("no leader")
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := httpsClient().Get(nodes[0].URL() + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		"palisade_api_login_failures_total 1",
		`palisade_api_requests_total{code="201",route="POST /v1/alarms"}`,
		"palisade_replica_commands_applied_total",
		"palisade_replica_propose_seconds_bucket",
		`palisade_alarms_open{priority="4",state="raised"} 1`,
		"palisade_alarms_not_replicated 0",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// A node whose certificate ends in five days says so on the console, over a
// cluster that speaks mutual TLS.
func TestCertificateCloseToExpiryRaisesAnAlarm(t *testing.T) {
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.NewCA(f.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := node.StartFacility(f, node.FacilityOptions{
		DataDir: t.TempDir(), FreePorts: true, CA: ca, CertValidity: 5 * 24 * time.Hour,
		Logger: func(string) *slog.Logger { return replicatest.Logger(t) },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		t.Cleanup(func() { n.Close() })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := apiclient.Login(ctx, nodes[0].URL(), "officer", "demo-officer", apiclient.WithRoots(ca.Pool()))
	if err != nil {
		t.Fatal(err)
	}
	for {
		list, err := c.Alarms(ctx, true)
		found := map[string]bool{}
		for _, a := range list {
			if a.Kind == "certificate.expiring" && a.Priority == 2 && !a.NotReplicated {
				found[a.Device] = true
			}
		}
		if err == nil && len(found) == 3 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("expiry alarms of all three nodes not shown: %v %v", found, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// httpsClient trusts the tests' facility CA.
func httpsClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: testCA().Pool()}}}
}
