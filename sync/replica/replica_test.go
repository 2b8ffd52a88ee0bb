package replica_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/replica/replicatest"
)

// ledger is a test applier: "ledger.add" appends the body under the next
// sequence number; "ledger.reject" is refused.
type ledger struct{}

var bucketLedger = []byte("ledger")

func (ledger) Apply(tx *bolt.Tx, _ replica.Entry, c *command.Command) ([]byte, error) {
	switch c.Kind {
	case "ledger.add":
		b, err := tx.CreateBucketIfNotExists(bucketLedger)
		if err != nil {
			return nil, err
		}
		seq, _ := b.NextSequence()
		key := fmt.Appendf(nil, "%08d", seq)
		return key, b.Put(key, append(append([]byte{}, c.ID[:]...), c.Body...))
	case "ledger.reject":
		return nil, errors.New("refused by the test")
	}
	return nil, fmt.Errorf("unknown kind %q", c.Kind)
}

func newLedgerCluster(t *testing.T, n int) *replicatest.Cluster {
	return replicatest.New(t, n, func(int) replica.Applier { return ledger{} }, nil)
}

// entries returns the ledger of node r: body → how many times it was applied.
func entries(t *testing.T, r *replica.Replica) map[string]int {
	t.Helper()
	got := map[string]int{}
	if err := r.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLedger)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error { got[string(v[16:])]++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// dump returns every key and value of every bucket of r's state, in order.
func dump(t *testing.T, r *replica.Replica) string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if string(name) == "_meta" { // applied index differs by design after a snapshot
				return nil
			}
			return b.ForEach(func(k, v []byte) error { fmt.Fprintf(&buf, "%s/%x=%x\n", name, k, v); return nil })
		})
	}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func add(body string) *command.Command {
	return &command.Command{ID: command.NewID(), Kind: "ledger.add", Body: []byte(body)}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestProposeOnAnyNodeIsVisibleOnAll(t *testing.T) {
	c := newLedgerCluster(t, 3)
	ctx := ctxT(t, 10*time.Second)
	for i, n := range c.Nodes {
		if _, err := n.Propose(ctx, add(fmt.Sprintf("from-%d", i))); err != nil {
			t.Fatalf("propose on node %d (leader=%v): %v", i, n.IsLeader(), err)
		}
	}
	c.WaitConverged(ctx)
	for i, n := range c.Nodes {
		got := entries(t, n)
		if len(got) != 3 || got["from-0"] != 1 || got["from-1"] != 1 || got["from-2"] != 1 {
			t.Errorf("node %d state %v, want the three entries once each", i, got)
		}
	}
}

func TestRetriedCommandAppliesOnce(t *testing.T) {
	c := newLedgerCluster(t, 3)
	ctx := ctxT(t, 10*time.Second)
	cmd := add("once")
	first, err := c.Nodes[c.Follower()].Propose(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	again := *cmd // same id, as after ErrLeadershipLost
	second, err := c.Nodes[c.WaitLeader()].Propose(ctx, &again)
	if err != nil {
		t.Fatal(err)
	}
	if first.Index != second.Index || !bytes.Equal(first.Value, second.Value) {
		t.Errorf("retry got a new outcome %+v, want the first %+v", second, first)
	}
	c.WaitConverged(ctx)
	for i, n := range c.Nodes {
		if got := entries(t, n)["once"]; got != 1 {
			t.Errorf("node %d applied the command %d times", i, got)
		}
	}
}

func TestRejectedCommandReportsReason(t *testing.T) {
	c := newLedgerCluster(t, 3)
	ctx := ctxT(t, 10*time.Second)
	_, err := c.Nodes[c.Follower()].Propose(ctx, &command.Command{Kind: "ledger.reject"})
	if !errors.Is(err, replica.ErrRejected) || !bytes.Contains([]byte(err.Error()), []byte("refused by the test")) {
		t.Fatalf("got %v, want ErrRejected with the applier's reason", err)
	}
}

// The leader dies in the middle of a stream of proposals. Every proposal a
// client saw succeed is applied exactly once on the survivors; proposals that
// failed are retried by the client with the same id and also land once.
func TestLeaderKilledMidStreamLosesNothingAppliesNothingTwice(t *testing.T) {
	c := newLedgerCluster(t, 3)
	ctx := ctxT(t, 30*time.Second)
	leader := c.WaitLeader()
	var survivors []*replica.Replica
	for i, n := range c.Nodes {
		if i != leader {
			survivors = append(survivors, n)
		}
	}
	const writers, perWriter = 8, 60
	var acked sync.Map
	var sent atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range perWriter {
				cmd := add(fmt.Sprintf("w%d-%d", w, j))
				// Clients talk to the survivors; the leader is killed under them.
				n := survivors[(w+j)%len(survivors)]
				if _, err := n.Propose(ctx, cmd); err != nil {
					t.Errorf("writer %d entry %d: %v", w, j, err)
					return
				}
				acked.Store(string(cmd.Body), true)
				sent.Add(1)
			}
		}()
	}
	for sent.Load() < writers*perWriter/3 {
		time.Sleep(time.Millisecond)
	}
	c.Kill(leader)
	wg.Wait()
	c.WaitConverged(ctx)
	for _, n := range survivors {
		got := entries(t, n)
		acked.Range(func(k, _ any) bool {
			if got[k.(string)] != 1 {
				t.Errorf("node %s: acknowledged %q applied %d times", n.ID(), k, got[k.(string)])
			}
			return true
		})
		if len(got) != writers*perWriter {
			t.Errorf("node %s holds %d entries, want %d", n.ID(), len(got), writers*perWriter)
		}
	}
	if t.Failed() {
		return
	}
	// The killed node comes back from its disk and catches up.
	c.Restart(leader)
	c.WaitConverged(ctx)
	if got := entries(t, c.Nodes[leader]); len(got) != writers*perWriter {
		t.Errorf("restarted node holds %d entries, want %d", len(got), writers*perWriter)
	}
}

func TestSnapshotRestoreGivesIdenticalState(t *testing.T) {
	c := newLedgerCluster(t, 3)
	ctx := ctxT(t, 20*time.Second)
	leader := c.Nodes[c.WaitLeader()]
	for i := range 200 {
		if _, err := leader.Propose(ctx, add(fmt.Sprint("before-", i))); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range c.Nodes {
		if err := n.Snapshot(); err != nil {
			t.Fatalf("snapshot on %s: %v", n.ID(), err)
		}
	}
	for i := range 50 {
		if _, err := leader.Propose(ctx, add(fmt.Sprint("after-", i))); err != nil {
			t.Fatal(err)
		}
	}
	c.WaitConverged(ctx)
	want := dump(t, leader)
	// A follower restarts: its state is restored from its snapshot and the
	// log after it.
	f := c.Follower()
	c.Stop(f)
	c.Restart(f)
	c.WaitConverged(ctx)
	if got := dump(t, c.Nodes[f]); got != want {
		t.Errorf("state after restore differs from the leader's:\n%.600s\nwant\n%.600s", got, want)
	}
	if n := len(entries(t, c.Nodes[f])); n != 250 {
		t.Errorf("restored node holds %d entries, want 250", n)
	}
}

func TestRestartedNodeCatchesUp(t *testing.T) {
	c := newLedgerCluster(t, 3)
	ctx := ctxT(t, 20*time.Second)
	f := c.Follower()
	c.Stop(f)
	l := c.Nodes[c.WaitLeader()]
	for i := range 100 {
		if _, err := l.Propose(ctx, add(fmt.Sprint("while-down-", i))); err != nil {
			t.Fatal(err)
		}
	}
	c.Restart(f)
	c.WaitConverged(ctx)
	if got := entries(t, c.Nodes[f]); len(got) != 100 {
		t.Errorf("restarted node holds %d entries, want 100", len(got))
	}
}

func TestNoQuorumFailsFast(t *testing.T) {
	c := newLedgerCluster(t, 3)
	l := c.WaitLeader()
	var last int
	for i := range c.Nodes {
		if i != l {
			last = i
		}
	}
	for i := range c.Nodes {
		if i != last {
			c.Kill(i)
		}
	}
	n := c.Nodes[last]
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := n.Propose(ctx, add("lonely"))
	if err == nil {
		t.Fatal("a lone node committed a command")
	}
	if !errors.Is(err, replica.ErrNoLeader) && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want ErrNoLeader or the deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("propose without quorum took %v", d)
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer rcancel()
	if err := n.ReadIndex(rctx); err == nil {
		t.Error("linearizable read succeeded without a quorum")
	}
}

func TestJoinAndRemove(t *testing.T) {
	c := newLedgerCluster(t, 3)
	ctx := ctxT(t, 20*time.Second)
	l := c.Nodes[c.WaitLeader()]
	for i := range 20 {
		if _, err := l.Propose(ctx, add(fmt.Sprint("e", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Snapshot(); err != nil {
		t.Fatal(err)
	}
	// A fourth node, started without bootstrap, joins through a follower.
	cfg := replica.DefaultConfig("n4", t.TempDir())
	cfg.Logger = replicatest.Logger(t)
	n4, err := replica.Open(cfg, ledger{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n4.Close()
	if err := c.Nodes[c.Follower()].Join(ctx, "n4", n4.Addr()); err != nil {
		t.Fatalf("join: %v", err)
	}
	if err := n4.WaitApplied(ctx, l.AppliedIndex()); err != nil {
		t.Fatal(err)
	}
	if got := entries(t, n4); len(got) != 20 {
		t.Errorf("joined node holds %d entries, want 20", len(got))
	}
	if err := l.Remove(ctx, "n4"); err != nil {
		t.Fatalf("remove: %v", err)
	}
	var ids []string
	for _, m := range l.Status().Members {
		ids = append(ids, m.ID)
	}
	sort.Strings(ids)
	if fmt.Sprint(ids) != "[n1 n2 n3]" {
		t.Errorf("members after remove: %v", ids)
	}
}

// Right after an election the last committed entry is the new leader's
// no-op, which the state machine never sees: a linearizable read must not
// wait for it to be "applied".
func TestReadIndexOnAFreshClusterReturns(t *testing.T) {
	c := newLedgerCluster(t, 3)
	for i, n := range c.Nodes {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := n.ReadIndex(ctx)
		cancel()
		if err != nil {
			t.Errorf("node %d: read index on a cluster with no commands: %v", i, err)
		}
	}
}

// After a leader change, a linearizable read on the new leader sees every
// write the old leader acknowledged.
func TestReadIndexAfterFailoverSeesAcknowledgedWrites(t *testing.T) {
	for round := range 5 {
		c := newLedgerCluster(t, 3)
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		l := c.WaitLeader()
		if _, err := c.Nodes[l].Propose(ctx, add(fmt.Sprint("lockdown-", round))); err != nil {
			t.Fatal(err)
		}
		c.Kill(l)
		nl := c.WaitLeader()
		if err := c.Nodes[nl].ReadIndex(ctx); err != nil {
			t.Fatal(err)
		}
		if got := entries(t, c.Nodes[nl])[fmt.Sprint("lockdown-", round)]; got != 1 {
			t.Fatalf("round %d: the new leader's linearizable read missed an acknowledged write", round)
		}
		cancel()
		c.Close()
	}
}
