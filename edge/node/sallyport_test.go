package node_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/api/apiclient"
	"github.com/palisade/palisade/edge/sallyport"
)

// The sally port through the log of a real three-node facility: before its
// limit switches report, no gate opens (fail-secure); an override needs two
// different supervisors, whose names and reasons every console shows; an
// officer cannot approve; without a quorum nothing is accepted.
func TestSallyPortThroughTheLog(t *testing.T) {
	nodes := startFacility(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	officer := login(t, ctx, nodes[2], "officer")
	super := login(t, ctx, nodes[1], "super")
	admin := login(t, ctx, nodes[0], "admin")
	waitQuorum(t, ctx, officer)

	ports, err := officer.SallyPorts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ports) != 1 || ports[0].ID != "main-gate" || ports[0].Node != "node-1" || ports[0].Stage != "gates not confirmed closed" {
		t.Fatalf("sally ports at start: %+v", ports)
	}
	refused := func(c *apiclient.Client, a apiclient.SallyAction, status int, want string) {
		t.Helper()
		_, err := c.ActSallyPort(ctx, "main-gate", a)
		var apiErr *apiclient.Error
		if !errors.As(err, &apiErr) || apiErr.Status != status || !strings.Contains(apiErr.Message, want) {
			t.Fatalf("%+v: %v, want %d %q", a, err, status, want)
		}
	}
	refused(officer, apiclient.SallyAction{Action: "open", Gate: "outer"}, 409, "the inner gate is not closed")
	refused(officer, apiclient.SallyAction{Action: "approve", Override: "release", Reason: "radar down"}, 403, "only a supervisor")
	refused(super, apiclient.SallyAction{Action: "approve", Override: "release"}, 400, "reason")
	refused(super, apiclient.SallyAction{Action: "fly"}, 400, "action")

	if _, err := super.ActSallyPort(ctx, "main-gate", apiclient.SallyAction{Action: "approve", Override: "release", Reason: "radar down, vehicle searched by hand"}); err != nil {
		t.Fatal(err)
	}
	refused(super, apiclient.SallyAction{Action: "approve", Override: "release", Reason: "again"}, 409, "second, different supervisor")
	outs, err := admin.ActSallyPort(ctx, "main-gate", apiclient.SallyAction{Action: "approve", Override: "release", Reason: "confirmed on camera"})
	if err != nil || len(outs) != 1 || outs[0].Kind != sallyport.OverrideGranted {
		t.Fatalf("second approval: %+v, %v", outs, err)
	}
	// The officer's console, on a third node, shows the override and who
	// approved it, once its node has applied the entry.
	for {
		ports, err = officer.SallyPorts(ctx)
		if err == nil && ports[0].Granted != "" {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("override never shown: %+v %v", ports, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	p := ports[0]
	if p.Granted != "release" || strings.Join(p.GrantedBy, ",") != "super,admin" || len(p.History) != 2 ||
		!strings.Contains(p.History[1].What, "confirmed on camera") || p.History[0].By != "super" {
		t.Fatalf("after the override: %+v", p)
	}

	// No quorum: nothing is accepted.
	nodes[0].Close()
	nodes[1].Close()
	start := time.Now()
	refused(officer, apiclient.SallyAction{Action: "declare", People: 1}, 503, "no quorum")
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the refusal took %s", d)
	}
}
