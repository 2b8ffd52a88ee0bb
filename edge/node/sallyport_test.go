package node_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/api/apiclient"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/edge/sallyport"
	"github.com/palisade/palisade/examples"
	"github.com/palisade/palisade/sensors/contact"
	"github.com/palisade/palisade/sensors/gpio"
	"github.com/palisade/palisade/sensors/gpio/gpiotest"
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

// wiredSallyPort is the example facility with the main sally port's gate
// operators, limit switches and loops on a GPIO chip.
func wiredSallyPort(t *testing.T) *facility.Facility {
	t.Helper()
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]int{"sp-outer-open": 10, "sp-outer-close": 11, "sp-outer-opened": 12, "sp-outer-closed": 13, "sp-outer-loop": 14,
		"sp-inner-open": 15, "sp-inner-close": 16, "sp-inner-opened": 17, "sp-inner-closed": 18, "sp-inner-loop": 19, "sp-loop": 20}
	for i, d := range f.Devices {
		if l, ok := lines[d.ID]; ok {
			f.Devices[i].Transport = facility.Transport{Chip: "gpiochip8", Line: l}
		}
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	return f
}

// The sally port through its GPIO drivers: the limit switches' levels when
// the node starts tell the log where the gates are; a vehicle on the loop
// and an officer's "open" drive the operator's contacts (close off, open
// on); the gate's travel is recorded from its switches; a gate leaving its
// closed limit without a command raises a priority-1 alarm on every
// console.
func TestSallyPortOnGPIO(t *testing.T) {
	f := wiredSallyPort(t)
	chip := gpiotest.NewChip()
	for _, l := range []int{13, 18} {
		chip.InputLine(l).SetLevel(true) // both gates closed
	}
	for _, l := range []int{12, 14, 17, 19, 20} {
		chip.InputLine(l).SetLevel(false)
	}
	gpiochip0 := quietChip()
	nodes := startWith(t, f, node.FacilityOptions{Chips: func(name string) (gpio.Chip, error) {
		if name == "gpiochip8" {
			return chip, nil
		}
		return gpiochip0, nil
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	officer := login(t, ctx, nodes[2], "officer")
	stream, err := officer.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitQuorum(t, ctx, officer)
	until := func(what string, cond func(sallyport.View) bool) {
		t.Helper()
		for {
			ps, err := officer.SallyPorts(ctx)
			if err == nil && len(ps) == 1 && cond(ps[0]) {
				return
			}
			if ctx.Err() != nil {
				t.Fatalf("never %s: %+v %v", what, ps, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	stage := func(want string) {
		t.Helper()
		until("stage "+want, func(v sallyport.View) bool { return v.Stage == want })
	}
	edge := func(line int, high bool) {
		chip.InputLine(line).Push(contact.Edge{High: high, At: time.Now()})
	}
	stage("waiting for a vehicle")
	edge(14, true) // a vehicle at the outer gate
	until("the vehicle on the outer loop", func(v sallyport.View) bool { return v.Loops.Outer })
	if _, err := officer.ActSallyPort(ctx, "main-gate", apiclient.SallyAction{Action: "open", Gate: "outer"}); err != nil {
		t.Fatal(err)
	}
	closeOff, openOn := chip.OutputLine(11), chip.OutputLine(10)
	for _, w := range []struct {
		out  *gpiotest.Output
		want bool
		what string
	}{{closeOff, false, "the close contact switched off"}, {openOn, true, "the open contact switched on"}} {
		select {
		case v := <-w.out.Written():
			if v != w.want {
				t.Fatalf("%s: wrote %v", w.what, v)
			}
		case <-ctx.Done():
			t.Fatalf("never: %s", w.what)
		}
	}
	edge(13, false) // the outer gate leaves its closed limit…
	edge(12, true)  // …and reaches its open limit
	until("the outer gate open", func(v sallyport.View) bool { return v.Outer.Position == "open" })
	stage("vehicle entering the bay")
	// The inner gate pushed open by hand: nobody commanded it.
	edge(18, false)
	for {
		ev := next(t, ctx, stream)
		if ev.Type == alarm.EventRaised && ev.Alarm.Kind == "sallyport.gate_moved" {
			if ev.Alarm.Priority != 1 || ev.Alarm.Zone != "sally-port" {
				t.Fatalf("forced inner gate: %+v", ev.Alarm)
			}
			break
		}
	}
}
