package alarm_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/replica/replicatest"
)

// clock is an injected clock the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type facility struct {
	c     *replicatest.Cluster
	svcs  []*alarm.Service
	clock *clock
}

func newFacility(t *testing.T) *facility {
	t.Helper()
	f := &facility{clock: &clock{now: time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)}}
	for i := range 3 {
		s, err := alarm.NewService(alarm.Config{
			Node: []string{"n1", "n2", "n3"}[i], Dir: t.TempDir(), EscalateAfter: 2 * time.Minute,
			ProposeTimeout: 2 * time.Second, Now: f.clock.Now, Logger: replicatest.Logger(t),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		f.svcs = append(f.svcs, s)
	}
	f.c = replicatest.New(t, 3,
		func(int) replica.Applier {
			return replica.Router{"alarm": alarm.Applier{CoalesceWindow: 10 * time.Minute}}
		},
		func(i int) func([]replica.Applied) { return f.svcs[i].Observe })
	for i, s := range f.svcs {
		s.Attach(f.c.Nodes[i])
	}
	return f
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var officer = alarm.Actor{Name: "officer", Role: "officer", Terminal: "127.0.0.1:5555"}

func forcedDoor() alarm.Raise {
	return alarm.Raise{Kind: "door.forced", Priority: 1, Zone: "hb-a", Device: "door-a1", Message: "Door A1 forced open"}
}

func TestAlarmRaisedOnAnyNodeReachesEveryConsole(t *testing.T) {
	f := newFacility(t)
	ctx := ctxT(t)
	var streams []<-chan alarm.Event
	for _, s := range f.svcs {
		streams = append(streams, s.Subscribe(ctx))
	}
	al, err := f.svcs[f.c.Follower()].RaiseLocal(ctx, forcedDoor())
	if err != nil || al.NotReplicated {
		t.Fatalf("raise: %+v, %v", al, err)
	}
	for i, ch := range streams {
		select {
		case ev := <-ch:
			if ev.Type != alarm.EventRaised || ev.Alarm.ID != al.ID || ev.Alarm.Priority != 1 {
				t.Errorf("node %d got %+v", i, ev)
			}
		case <-ctx.Done():
			t.Fatalf("node %d: no live event", i)
		}
	}
	f.c.WaitConverged(ctx)
	for i, s := range f.svcs {
		list, err := s.List(ctx, alarm.Filter{OpenOnly: true})
		if err != nil || len(list) != 1 || list[0].ID != al.ID || list[0].Message != "Door A1 forced open" {
			t.Errorf("node %d lists %+v, %v", i, list, err)
		}
	}
}

func TestRepeatsCoalesceIntoOneAlarmWithACount(t *testing.T) {
	f := newFacility(t)
	ctx := ctxT(t)
	s := f.svcs[0]
	first, err := s.RaiseLocal(ctx, forcedDoor())
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	second, err := s.RaiseLocal(ctx, forcedDoor())
	if err != nil {
		t.Fatal(err)
	}
	if second.ID != first.ID || second.Count != 2 || second.NotReplicated {
		t.Errorf("repeat gave %s ×%d, want %s ×2", second.ID, second.Count, first.ID)
	}
	// After the window a repeat is a new alarm.
	f.clock.Add(11 * time.Minute)
	third, err := s.RaiseLocal(ctx, forcedDoor())
	if err != nil || third.ID == first.ID {
		t.Fatalf("a repeat after the coalescing window: %+v, %v; want a new alarm", third, err)
	}
	// Node 0 may be a follower: let it apply what the leader committed.
	if err := f.c.Nodes[0].WaitApplied(ctx, third.Index); err != nil {
		t.Fatal(err)
	}
	list, _ := s.List(ctx, alarm.Filter{OpenOnly: true})
	if len(list) != 2 {
		t.Errorf("%d open alarms, want 2", len(list))
	}
}

func TestLifecycleIsCommittedAndOnTheRecord(t *testing.T) {
	f := newFacility(t)
	ctx := ctxT(t)
	s := f.svcs[f.c.Follower()]
	al, _ := s.RaiseLocal(ctx, forcedDoor())
	acked, err := s.Ack(ctx, al.ID, officer, "on my way")
	if err != nil {
		t.Fatal(err)
	}
	if acked.State != alarm.Acknowledged || acked.AckedBy != "officer" || acked.AckNote != "on my way" ||
		acked.AckTerminal != officer.Terminal || !acked.AckedAt.Equal(f.clock.Now()) {
		t.Errorf("ack recorded %+v", acked)
	}
	if _, err := s.Ack(ctx, al.ID, officer, "again"); !errors.Is(err, alarm.ErrAlreadyAcked) {
		t.Errorf("second ack: %v, want ErrAlreadyAcked", err)
	}
	if _, err := s.Resolve(ctx, al.ID, officer, " "); !errors.Is(err, alarm.ErrNoteRequired) {
		t.Errorf("resolve without note: %v", err)
	}
	if _, err := s.Ack(ctx, "nope", officer, ""); !errors.Is(err, alarm.ErrNotFound) {
		t.Errorf("ack of unknown alarm: %v", err)
	}
	res, err := s.Resolve(ctx, al.ID, officer, "door secured, intruder none")
	if err != nil || res.State != alarm.Resolved || res.ResolvedBy != "officer" {
		t.Fatalf("resolve: %+v, %v", res, err)
	}
	if _, err := s.Ack(ctx, al.ID, officer, ""); !errors.Is(err, alarm.ErrAlreadyClosed) {
		t.Errorf("ack after resolve: %v", err)
	}
	f.c.WaitConverged(ctx)
	for i, n := range f.svcs {
		got, err := n.Get(ctx, al.ID)
		if err != nil || got.State != alarm.Resolved || got.AckNote != "on my way" {
			t.Errorf("node %d sees %+v, %v", i, got, err)
		}
	}
}

func TestUnacknowledgedAlarmsEscalate(t *testing.T) {
	f := newFacility(t)
	ctx := ctxT(t)
	leader := f.svcs[f.c.WaitLeader()]
	al, _ := leader.RaiseLocal(ctx, alarm.Raise{Kind: "fence.vibration", Priority: 3, Zone: "perimeter", Message: "Fence sector 4"})
	other, _ := leader.RaiseLocal(ctx, alarm.Raise{Kind: "door.held_open", Priority: 3, Zone: "hb-a", Message: "Door held"})
	if _, err := leader.Ack(ctx, other.ID, officer, "seen"); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(119 * time.Second)
	if n, _ := leader.EscalateDue(ctx); n != 0 {
		t.Fatalf("escalated %d alarms before the timer", n)
	}
	f.clock.Add(time.Second)
	if n, err := leader.EscalateDue(ctx); n != 1 || err != nil {
		t.Fatalf("escalated %d (%v), want 1: only the unacknowledged one", n, err)
	}
	got, _ := leader.Get(ctx, al.ID)
	if got.Priority != 2 || got.Escalations != 1 || got.Raised != 3 {
		t.Errorf("after escalation: priority %d, escalations %d", got.Priority, got.Escalations)
	}
	// Followers do not escalate (the leader does, once).
	if n, _ := f.svcs[f.c.Follower()].EscalateDue(ctx); n != 0 {
		t.Errorf("a follower escalated %d alarms", n)
	}
	if n, _ := leader.EscalateDue(ctx); n != 0 {
		t.Errorf("escalated again without the timer: %d", n)
	}
}

// A node cut off from its peers keeps the alarms its own devices raise,
// shows them as not yet replicated, and replicates them once healed —
// nothing lost, nothing doubled.
func TestQuorumLossKeepsLocalAlarmsThenReplicatesOnce(t *testing.T) {
	f := newFacility(t)
	ctx := ctxT(t)
	lone := f.c.Follower()
	for i := range f.svcs {
		if i != lone {
			f.c.Kill(i)
		}
	}
	s := f.svcs[lone]
	events := s.Subscribe(ctx)
	al, err := s.RaiseLocal(ctx, forcedDoor())
	if err != nil || !al.NotReplicated {
		t.Fatalf("raise without quorum: %+v, %v", al, err)
	}
	if ev := <-events; ev.Type != alarm.EventPending || ev.Alarm.ID != al.ID {
		t.Errorf("console got %+v, want a pending event", ev)
	}
	list, _ := s.List(ctx, alarm.Filter{OpenOnly: true})
	if len(list) != 1 || !list[0].NotReplicated {
		t.Fatalf("lone node lists %+v", list)
	}
	start := time.Now()
	if _, err := s.Ack(ctx, al.ID, officer, ""); !errors.Is(err, replica.ErrNoLeader) {
		t.Errorf("acknowledgement without a quorum: %v, want ErrNoLeader", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the officer waited %v to learn there is no quorum", d)
	}
	if n, err := s.FlushOutbox(ctx); n != 0 || err == nil {
		t.Errorf("flush without quorum: %d, %v", n, err)
	}
	for i := range f.svcs {
		if i != lone {
			f.c.Restart(i)
			f.svcs[i].Attach(f.c.Nodes[i])
		}
	}
	f.c.WaitLeader()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := s.FlushOutbox(ctx)
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox not replicated: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // the healed cluster elects a leader
	}
	if n, _ := s.FlushOutbox(ctx); n != 0 {
		t.Errorf("second flush replicated %d more", n)
	}
	f.c.WaitConverged(ctx)
	for i, n := range f.svcs {
		list, err := n.List(ctx, alarm.Filter{})
		if err != nil || len(list) != 1 || list[0].ID != al.ID || list[0].NotReplicated || list[0].Count != 1 {
			t.Errorf("node %d after healing: %+v", i, list)
		}
	}
}
