package sallyport_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/sallyport"
	"github.com/palisade/palisade/examples"
	"github.com/palisade/palisade/firmware-sim/gate"
	"github.com/palisade/palisade/firmware-sim/radar/scene"
	"github.com/palisade/palisade/sensors/radar"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/replica/replicatest"
)

// raised records the alarms the service raises (the alarm core has its own
// tests; here what matters is what the service asks of it).
type raised struct {
	mu sync.Mutex
	rs []alarm.Raise
}

func (r *raised) RaiseLocal(_ context.Context, a alarm.Raise) (alarm.Alarm, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rs = append(r.rs, a)
	return alarm.Alarm{}, nil
}

func (r *raised) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, a := range r.rs {
		out = append(out, a.Kind)
	}
	return out
}

func (r *raised) find(kind string) (alarm.Raise, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.rs {
		if a.Kind == kind {
			return a, true
		}
	}
	return alarm.Raise{}, false
}

// clock is the service's clock: the wall clock plus an offset the test
// moves (the log's times are the wall clock's).
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// rig is the example facility's main sally port run by node-1 of a real
// three-node cluster: the service, the executor with the gate operators'
// relays, and two simulated gates reporting their limit switches.
type rig struct {
	t      *testing.T
	ctx    context.Context
	f      *facility.Facility
	sp     facility.SallyPort
	c      *replicatest.Cluster
	svc    *sallyport.Service
	alarms *raised
	clock  *clock
	gates  [2]*gate.Operator
}

func newRig(t *testing.T) *rig {
	t.Helper()
	f, err := facility.Parse("examples/facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	r := &rig{t: t, ctx: ctx, f: f, sp: f.SallyPorts[0], alarms: &raised{}, clock: &clock{}}
	outs := map[string]actuator.Output{}
	for i, g := range []facility.SallyGate{r.sp.Outer, r.sp.Inner} {
		g := g
		r.gates[i] = gate.New(4*time.Second, func(opened, closed bool) {
			if r.svc != nil {
				r.svc.Sense(g.Opened, opened)
				r.svc.Sense(g.Closed, closed)
			}
		})
		outs[g.Open], outs[g.Close] = r.gates[i].Open, r.gates[i].Close
	}
	exec := actuator.NewExecutor("node-1", outs, replicatest.Logger(t))
	var svc *sallyport.Service
	var mu sync.Mutex
	r.c = replicatest.New(t, 3, func(int) replica.Applier {
		return replica.Router{"sallyport": sallyport.Applier{Dir: sallyport.FacilityDirectory(f)}, "actuate": actuator.Applier{}}
	}, func(i int) func([]replica.Applied) {
		if i != 0 {
			return nil
		}
		return func(as []replica.Applied) {
			mu.Lock()
			s := svc
			mu.Unlock()
			if s != nil {
				s.Observe(as)
			}
			exec.Observe(as)
		}
	})
	rep := r.c.Nodes[0]
	exec.Replica = rep
	r.svc = sallyport.NewService(f, "node-1", rep, r.alarms, sallyport.ScanConfig{}, r.clock.Now, replicatest.Logger(t))
	mu.Lock()
	svc = r.svc
	mu.Unlock()
	if got := r.svc.Ports(); len(got) != 1 || got[0] != "main-gate" {
		t.Fatalf("ports of node-1: %v", got)
	}
	runCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r.svc.Run(runCtx, 20*time.Millisecond) }()
	go func() { defer wg.Done(); exec.Run(runCtx) }()
	t.Cleanup(func() { stop(); wg.Wait() })
	// The node reports every input's level when it opens it.
	for i, g := range []facility.SallyGate{r.sp.Outer, r.sp.Inner} {
		opened, closed := r.gates[i].Limits()
		r.svc.Sense(g.Opened, opened)
		r.svc.Sense(g.Closed, closed)
		r.svc.Sense(g.Loop, false)
	}
	r.svc.Sense(r.sp.BayLoop, false)
	return r
}

// machine is the port's state on node i.
func (r *rig) machine(i int) sallyport.Machine {
	var m sallyport.Machine
	if err := r.c.Nodes[i].View(func(tx *bolt.Tx) error { m, _ = sallyport.Load(tx, "main-gate"); return nil }); err != nil {
		r.t.Fatal(err)
	}
	return m
}

// until waits for cond on node 0's state (the service works in the
// background; this is its observable outcome, not a sleep for timing).
func (r *rig) until(what string, cond func(sallyport.Machine) bool) {
	r.t.Helper()
	for !cond(r.machine(0)) {
		if r.ctx.Err() != nil {
			r.t.Fatalf("never: %s; machine %+v", what, r.machine(0))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitFor waits for a condition of the simulated world.
func (r *rig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	for !cond() {
		if r.ctx.Err() != nil {
			r.t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// act proposes an officer's or supervisor's input on a follower, as a
// console of another node would.
func (r *rig) act(by string, in sallyport.Input) ([]sallyport.Output, error) {
	res, err := r.c.Nodes[1].Propose(r.ctx, sallyport.InputCommand("main-gate", in, by, "node-2", "console", time.Now()))
	if err != nil {
		return nil, err
	}
	return nil, r.c.Nodes[0].WaitApplied(r.ctx, res.Index)
}

func (r *rig) mustAct(by string, in sallyport.Input) {
	r.t.Helper()
	if _, err := r.act(by, in); err != nil {
		r.t.Fatalf("%s %+v: %v", by, in, err)
	}
}

// travel moves a gate as its operator is told until it reaches a limit.
func (r *rig) travel(g sallyport.Gate, open bool) {
	r.t.Helper()
	op := r.gates[g]
	r.waitFor("the operator told to move", func() bool { return op.Open.On() == open && op.Close.On() == !open })
	op.Step(5 * time.Second)
	r.until("the limit recorded", func(m sallyport.Machine) bool {
		return m.Gates[g].OpenLim == open && m.Gates[g].ClosedLim == !open
	})
}

func (r *rig) loop(dev string, on bool, l sallyport.Loop) {
	r.t.Helper()
	r.svc.Sense(dev, on)
	r.until("loop recorded", func(m sallyport.Machine) bool { return m.Loops[l] == on })
}

// leaveIntoBay brings a leaving vehicle through the inner gate into the
// bay and closes the gate behind it.
func (r *rig) leaveIntoBay() {
	r.t.Helper()
	r.until("both gates reported closed", func(m sallyport.Machine) bool {
		return m.Gates[0].Reported && m.Gates[1].Reported && m.Gates[0].ClosedLim && m.Gates[1].ClosedLim
	})
	r.loop(r.sp.Inner.Loop, true, sallyport.InnerLoop)
	r.mustAct("officer", sallyport.Input{Kind: sallyport.OpenGate, Gate: sallyport.Inner})
	r.travel(sallyport.Inner, true)
	// While the inner gate is open, the outer one is refused.
	if _, err := r.act("officer", sallyport.Input{Kind: sallyport.OpenGate, Gate: sallyport.Outer}); !errors.Is(err, replica.ErrRejected) {
		r.t.Fatalf("outer gate opened while the inner one is open: %v", err)
	}
	r.loop(r.sp.Inner.Loop, false, sallyport.InnerLoop)
	r.loop(r.sp.BayLoop, true, sallyport.BayLoop)
	r.mustAct("officer", sallyport.Input{Kind: sallyport.CloseGate, Gate: sallyport.Inner})
	r.travel(sallyport.Inner, false)
}

// scan feeds the running scan with a scene's frames, in the scan's
// timeline, then one frame past its end.
func (r *rig) scan(name string, seed int64) {
	r.t.Helper()
	s, err := scene.New(name, seed, scene.DefaultConfig())
	if err != nil {
		r.t.Fatal(err)
	}
	start := r.clock.Now()
	n := 0
	for {
		f, ok := s.Next()
		if !ok {
			break
		}
		r.svc.Radar(r.sp.Radar, radar.FrameEvent{Frame: f, At: start.Add(time.Duration(n) * s.Period())})
		n++
	}
	r.svc.Radar(r.sp.Radar, radar.FrameEvent{At: start.Add(time.Hour)})
}

// The owning node runs a leaving vehicle through the sally port: the
// limit switches and loops become committed inputs, committed drives move
// the simulated gate operators through the executor, the scan of a vehicle
// with a hidden person blocks the release with a priority-1 alarm carrying
// the scan's evidence, and only two supervisors' override lets it out.
func TestServiceRunsAVehicleThroughTheGates(t *testing.T) {
	r := newRig(t)
	r.leaveIntoBay()
	r.mustAct("officer", sallyport.Input{Kind: sallyport.Declare, People: 1})
	r.mustAct("officer", sallyport.Input{Kind: sallyport.StartScan})
	r.waitFor("the scan started", func() bool { return r.svc.Scanning("main-gate") })
	r.scan("driver-hidden", 1)
	r.until("the scan's result", func(m sallyport.Machine) bool { return m.Scan != sallyport.Scanning })
	if m := r.machine(0); m.Scan != sallyport.Hidden {
		t.Fatalf("scan of a vehicle with a hidden person: %v", m.Scan)
	}
	r.waitFor("the hidden-occupant alarm", func() bool { _, ok := r.alarms.find("sallyport.hidden_occupant"); return ok })
	a, _ := r.alarms.find("sallyport.hidden_occupant")
	if a.Priority != 1 || a.Zone != "sally-port" || len(a.Evidence) < 3 || !strings.Contains(a.Evidence[0], "declared 1 person") ||
		!strings.Contains(strings.Join(a.Evidence, "\n"), "human at") {
		t.Fatalf("hidden-occupant alarm: %+v", a)
	}
	// The evidence is on the record, on every node.
	if err := r.c.Nodes[2].WaitApplied(r.ctx, r.c.Nodes[0].AppliedIndex()); err != nil {
		t.Fatal(err)
	}
	var steps []sallyport.Step
	_ = r.c.Nodes[2].View(func(tx *bolt.Tx) error { steps = sallyport.History(tx, "main-gate", 50); return nil })
	last := steps[len(steps)-1]
	if last.Input.Kind != sallyport.ScanResult || last.Input.By != "node-1" || last.Input.Evidence == nil || len(last.Input.Evidence.Signatures) < 2 {
		t.Fatalf("the scan's step on node 3: %+v", last)
	}
	if _, err := r.act("officer", sallyport.Input{Kind: sallyport.Pass}); !errors.Is(err, replica.ErrRejected) {
		t.Fatalf("pass after a hidden occupant: %v", err)
	}
	if _, err := r.act("officer", sallyport.Input{Kind: sallyport.OpenGate, Gate: sallyport.Outer}); !errors.Is(err, replica.ErrRejected) {
		t.Fatalf("release after a hidden occupant: %v", err)
	}
	if r.gates[sallyport.Outer].Open.On() {
		t.Fatal("the outer gate's operator was told to open")
	}
	// Nobody but the owning node may report a scan.
	if _, err := r.act("officer", sallyport.Input{Kind: sallyport.ScanResult, Result: sallyport.Clear}); !errors.Is(err, replica.ErrRejected) {
		t.Fatalf("an officer recorded a clear scan: %v", err)
	}
	// The person was found and taken out; two supervisors release.
	r.mustAct("super", sallyport.Input{Kind: sallyport.Approve, Override: sallyport.Release, Reason: "passenger found and removed"})
	r.mustAct("admin", sallyport.Input{Kind: sallyport.Approve, Override: sallyport.Release, Reason: "confirmed"})
	r.mustAct("officer", sallyport.Input{Kind: sallyport.OpenGate, Gate: sallyport.Outer})
	r.travel(sallyport.Outer, true)
	r.loop(r.sp.BayLoop, false, sallyport.BayLoop)
	r.loop(r.sp.Outer.Loop, true, sallyport.OuterLoop)
	r.loop(r.sp.Outer.Loop, false, sallyport.OuterLoop)
	r.mustAct("officer", sallyport.Input{Kind: sallyport.CloseGate, Gate: sallyport.Outer})
	r.travel(sallyport.Outer, false)
	r.until("the cycle over", func(m sallyport.Machine) bool { return m.Dir == sallyport.Idle })
	if k := r.alarms.kinds(); len(k) != 1 {
		t.Fatalf("alarms raised: %v, want only the hidden occupant", k)
	}
}

// A gate forced open by hand is a movement nobody commanded: priority 1.
func TestServiceAlarmsOnAForcedGate(t *testing.T) {
	r := newRig(t)
	r.until("both gates reported closed", func(m sallyport.Machine) bool { return m.Gates[0].ClosedLim && m.Gates[1].ClosedLim })
	r.gates[sallyport.Outer].Force(true)
	r.gates[sallyport.Outer].Step(5 * time.Second)
	r.waitFor("the alarm", func() bool { _, ok := r.alarms.find("sallyport.gate_moved"); return ok })
	a, _ := r.alarms.find("sallyport.gate_moved")
	if a.Priority != 1 || !strings.Contains(a.Message, "outer gate moved without a command") {
		t.Fatalf("forced gate: %+v", a)
	}
}

// A radar that sends nothing gives an inconclusive scan once the scan's
// time is over: no release.
func TestServiceSilentRadarIsInconclusive(t *testing.T) {
	r := newRig(t)
	r.leaveIntoBay()
	r.mustAct("officer", sallyport.Input{Kind: sallyport.Declare, People: 1})
	r.mustAct("officer", sallyport.Input{Kind: sallyport.StartScan})
	r.waitFor("the scan started", func() bool { return r.svc.Scanning("main-gate") })
	r.clock.Advance(time.Duration(r.sp.Scan) + 3*time.Second)
	r.until("the scan's result", func(m sallyport.Machine) bool { return m.Scan != sallyport.Scanning })
	if m := r.machine(0); m.Scan != sallyport.Inconclusive {
		t.Fatalf("silent radar: %v", m.Scan)
	}
	var steps []sallyport.Step
	_ = r.c.Nodes[0].View(func(tx *bolt.Tx) error { steps = sallyport.History(tx, "main-gate", 5); return nil })
	if last := steps[len(steps)-1]; !strings.Contains(last.Input.Reason, "the radar sent nothing") {
		t.Fatalf("reason on the record: %+v", last.Input)
	}
	if _, err := r.act("officer", sallyport.Input{Kind: sallyport.OpenGate, Gate: sallyport.Outer}); !errors.Is(err, replica.ErrRejected) {
		t.Fatalf("released after an inconclusive scan: %v", err)
	}
}

// A two-person override not used within five minutes lapses.
func TestServiceLetsAnUnusedOverrideLapse(t *testing.T) {
	r := newRig(t)
	r.leaveIntoBay()
	r.mustAct("super", sallyport.Input{Kind: sallyport.Approve, Override: sallyport.Release, Reason: "radar under repair"})
	r.mustAct("admin", sallyport.Input{Kind: sallyport.Approve, Override: sallyport.Release, Reason: "searched by hand"})
	r.until("release granted", func(m sallyport.Machine) bool { return m.Granted == sallyport.Release })
	r.clock.Advance(sallyport.OverrideLapse - time.Second)
	for range 10 {
		r.svc.Tick(r.clock.Now())
	}
	if m := r.machine(0); m.Granted != sallyport.Release {
		t.Fatal("the override lapsed early")
	}
	r.clock.Advance(2 * time.Second)
	r.until("the override lapsed", func(m sallyport.Machine) bool { return m.Granted == sallyport.NoOverride })
}

// Steps older than MaxAge — a log replayed after a restart — move nothing.
func TestServiceIgnoresOldSteps(t *testing.T) {
	f, err := facility.Parse("examples/facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	svc := sallyport.NewService(f, "node-1", nil, &raised{}, sallyport.ScanConfig{}, time.Now, nil)
	body := []byte(`{"port":"main-gate","input":{"Kind":3,"Gate":1}}`)
	outs := []byte(`[{"Kind":1,"Gate":1,"Drive":1},{"Kind":2}]`)
	c := &command.Command{Kind: sallyport.KindInput, Actor: "officer", Body: body}
	svc.Observe([]replica.Applied{{Index: 7, Time: time.Now().Add(-sallyport.MaxAge - time.Second), Command: c, Result: outs}})
	if n := svc.Queued(); n != 0 {
		t.Fatalf("%d jobs queued for an old step", n)
	}
	svc.Observe([]replica.Applied{{Index: 8, Time: time.Now(), Command: c, Result: outs}})
	if n := svc.Queued(); n != 2 {
		t.Fatalf("%d jobs queued for a fresh step, want the drive and the scan", n)
	}
}
