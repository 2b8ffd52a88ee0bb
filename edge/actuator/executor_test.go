package actuator_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/firmware-sim/relay"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/replica/replicatest"
)

type rig struct {
	c     *replicatest.Cluster
	exec  []*actuator.Executor
	gate  *relay.Relay // owned by n2
	mu    sync.Mutex
	now   time.Time // the executors' clock, moved by the test
	stops []context.CancelFunc
}

func newRig(t *testing.T) *rig {
	r := &rig{gate: &relay.Relay{}, now: time.Now()}
	for i, id := range []string{"n1", "n2", "n3"} {
		outs := map[string]actuator.Output{}
		if i == 1 {
			outs["sp-gate-outer"] = r.gate
		}
		e := actuator.NewExecutor(id, outs, replicatest.Logger(t))
		e.Now = func() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.now }
		r.exec = append(r.exec, e)
	}
	r.c = replicatest.New(t, 3,
		func(int) replica.Applier { return replica.Router{"actuate": actuator.Applier{}} },
		func(i int) func([]replica.Applied) { return r.exec[i].Observe })
	for i := range r.exec {
		r.start(t, i)
	}
	return r
}

func (r *rig) start(t *testing.T, i int) {
	r.exec[i].Replica = r.c.Nodes[i]
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.exec[i].Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func openGate() actuator.Request {
	return actuator.Request{Device: "sp-gate-outer", Node: "n2", Action: actuator.Pulse, Duration: 5 * time.Second, Reason: "delivery van"}
}

// waitState waits until node i records a final state for id.
func waitState(t *testing.T, ctx context.Context, n *replica.Replica, id string) actuator.Actuation {
	t.Helper()
	for {
		var a actuator.Actuation
		n.View(func(tx *bolt.Tx) error { a, _ = actuator.Get(tx, id); return nil })
		if a.State == actuator.Done || a.State == actuator.Failed {
			return a
		}
		if ctx.Err() != nil {
			t.Fatalf("request %s still %q", id, a.State)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestOnlyTheOwnerActsAndOnlyOnce(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd, err := actuator.NewRequest(openGate(), "officer", "10.1.1.5:4433")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.c.Nodes[0].Propose(ctx, cmd); err != nil {
		t.Fatal(err)
	}
	a := waitState(t, ctx, r.c.Nodes[0], cmd.ID.String())
	if a.State != actuator.Done || a.ReadBack != "pulsed 5s" || a.RequestedBy != "officer" {
		t.Errorf("recorded %+v", a)
	}
	if ops := r.gate.Ops(); len(ops) != 1 || ops[0] != actuator.Pulse {
		t.Fatalf("gate operations %v, want one pulse", ops)
	}
	// The owner restarts and replays its log: the gate does not move again.
	r.c.Stop(1)
	r.c.Restart(1)
	r.start(t, 1)
	// A fresh request queues behind the replayed one on the owner's
	// executor: once it is done, the replayed one has been looked at.
	next, _ := actuator.NewRequest(actuator.Request{Device: "sp-gate-outer", Node: "n2", Action: actuator.Off, Reason: "close"}, "officer", "")
	if _, err := r.c.Nodes[0].Propose(ctx, next); err != nil {
		t.Fatal(err)
	}
	waitState(t, ctx, r.c.Nodes[0], next.ID.String())
	if ops := r.gate.Ops(); len(ops) != 2 || ops[1] != actuator.Off {
		t.Errorf("gate operations after replay %v, want [pulse off]: the replayed request moved it again", ops)
	}
}

func TestStaleRequestIsRefusedNotExecuted(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd, _ := actuator.NewRequest(openGate(), "officer", "")
	r.mu.Lock()
	r.now = time.Now().Add(time.Minute) // the owner gets to it a minute after the commit (it was stuck)
	r.mu.Unlock()
	if _, err := r.c.Nodes[2].Propose(ctx, cmd); err != nil {
		t.Fatal(err)
	}
	a := waitState(t, ctx, r.c.Nodes[2], cmd.ID.String())
	if a.State != actuator.Failed || a.Error == "" {
		t.Errorf("stale request recorded %+v, want failed with a reason", a)
	}
	if ops := r.gate.Ops(); len(ops) != 0 {
		t.Errorf("gate moved on a stale request: %v", ops)
	}
}

func TestNothingMovesWithoutQuorum(t *testing.T) {
	r := newRig(t)
	// The owner n2 is cut off from both peers.
	r.c.Kill(0)
	r.c.Kill(2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	cmd, _ := actuator.NewRequest(openGate(), "officer", "")
	_, err := r.c.Nodes[1].Propose(ctx, cmd)
	if !errors.Is(err, replica.ErrNoLeader) && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("request without quorum: %v", err)
	}
	if err == nil {
		t.Fatal("a request committed without a quorum")
	}
	if ops := r.gate.Ops(); len(ops) != 0 {
		t.Errorf("gate moved without a quorum: %v", ops)
	}
}

func TestBadRequestsAreRefused(t *testing.T) {
	for _, req := range []actuator.Request{
		{Device: "g", Node: "n1", Action: "open"},
		{Device: "g", Node: "n1", Action: actuator.Pulse},
		{Node: "n1", Action: actuator.On},
	} {
		if _, err := actuator.NewRequest(req, "officer", ""); !errors.Is(err, actuator.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", req, err)
		}
	}
}

// The owner recorded actuate.start and died before the result: on restart it
// must not move the hardware again, and it says the outcome is unknown.
func TestStartedButUnfinishedIsNeverRepeated(t *testing.T) {
	gate := &relay.Relay{}
	exec := actuator.NewExecutor("n1", map[string]actuator.Output{"sp-gate-outer": gate}, replicatest.Logger(t))
	c := replicatest.New(t, 1,
		func(int) replica.Applier { return replica.Router{"actuate": actuator.Applier{}} },
		func(int) func([]replica.Applied) { return exec.Observe })
	exec.Replica = c.Nodes[0]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := openGate()
	req.Node = "n1"
	cmd, _ := actuator.NewRequest(req, "officer", "")
	if _, err := c.Nodes[0].Propose(ctx, cmd); err != nil {
		t.Fatal(err)
	}
	// What the previous run of this node committed before it died.
	body, _ := json.Marshal(actuator.Start{ID: cmd.ID.String(), Executor: "previous-run"})
	if _, err := c.Nodes[0].Propose(ctx, &command.Command{Kind: actuator.KindStart, Body: body}); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); exec.Run(runCtx) }()
	defer func() { stop(); <-done }()
	a := waitState(t, ctx, c.Nodes[0], cmd.ID.String())
	if a.State != actuator.Failed || !strings.Contains(a.Error, "outcome unknown") {
		t.Errorf("recorded %+v, want failed with outcome unknown", a)
	}
	if ops := gate.Ops(); len(ops) != 0 {
		t.Errorf("the gate moved again after a restart mid-actuation: %v", ops)
	}
}
