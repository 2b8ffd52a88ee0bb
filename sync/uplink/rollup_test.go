package uplink_test

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/uplink"
	"github.com/palisade/palisade/sync/uplink/uplinktest"
)

type fakeReplica struct {
	leader atomic.Bool
	got    chan *command.Command
}

func (r *fakeReplica) IsLeader() bool { return r.leader.Load() }
func (r *fakeReplica) Status() replica.Status {
	return replica.Status{Leader: "n2", Members: []replica.MemberInfo{{ID: "n1", Voter: true}, {ID: "n2", Voter: true}, {ID: "n3", Voter: true}, {ID: "n4"}}}
}
func (r *fakeReplica) Propose(_ context.Context, c *command.Command) (replica.Result, error) {
	r.got <- c
	return replica.Result{Index: 1}, nil
}

func TestTickerProposesOnThePeriodsBoundaryOnTheLeaderOnly(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 10, 2, 30, 0, time.UTC)
	clock := uplinktest.NewClock(t0)
	rep := &fakeReplica{got: make(chan *command.Command, 4)}
	rep.leader.Store(true)
	tk := &uplink.Ticker{Replica: rep, Node: "n2", Every: 5 * time.Minute, Clock: clock,
		Devices: func() ([]string, bool) { return []string{"cam-3"}, true }}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); tk.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()

	step := func(d time.Duration) {
		t.Helper()
		if err := clock.BlockUntil(ctx, 1); err != nil {
			t.Fatal(err)
		}
		clock.Advance(d)
	}
	step(2*time.Minute + 29*time.Second)
	select {
	case c := <-rep.got:
		t.Fatalf("proposed before the boundary: %+v", c)
	default:
	}
	step(time.Second) // 10:05:00
	c := <-rep.got
	want := uplink.RollupCommand("n2", time.Date(2025, 6, 1, 10, 5, 0, 0, time.UTC), uplink.RollupBody{})
	var body uplink.RollupBody
	if err := json.Unmarshal(c.Body, &body); err != nil {
		t.Fatal(err)
	}
	if c.Kind != uplink.CommandRollup || c.ID != want.ID || body.Cluster != (uplink.Cluster{Members: 3, Leader: "n2"}) ||
		body.Devices == nil || len(body.Devices.Offline) != 1 {
		t.Fatalf("rollup command %+v body %s", c, c.Body)
	}
	rep.leader.Store(false)
	step(5 * time.Minute) // 10:10: a follower proposes nothing
	if err := clock.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-rep.got:
		t.Fatalf("a follower proposed %+v", c)
	default:
	}
	rep.leader.Store(true)
	clock.Advance(5 * time.Minute) // 10:15
	if c := <-rep.got; c.Time != time.Date(2025, 6, 1, 10, 15, 0, 0, time.UTC) {
		t.Fatalf("third period at %v", c.Time)
	}
	// Two leaders proposing the same period propose the same id.
	a := uplink.RollupCommand("n1", time.Date(2025, 6, 1, 10, 15, 0, 0, time.UTC), uplink.RollupBody{})
	b := uplink.RollupCommand("n3", time.Date(2025, 6, 1, 10, 15, 0, 0, time.UTC), uplink.RollupBody{Cluster: uplink.Cluster{Members: 2}})
	if a.ID != b.ID || a.ID == want.ID {
		t.Fatal("rollup ids are not derived from the period alone")
	}
}
