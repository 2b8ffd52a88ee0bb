package replica_test

import (
	"context"
	"testing"
	"time"

	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/replica/replicatest"
)

// Command ids are remembered for DedupRetention from when their entry was
// appended, then forgotten: the exactly-once window is bounded, and so is
// the index.
func TestDedupWindowIsBounded(t *testing.T) {
	const window = 100 * time.Millisecond
	c := replicatest.NewTuned(t, 1, func(cfg *replica.Config) { cfg.DedupRetention = window },
		func(int) replica.Applier { return ledger{} }, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := c.Nodes[0]
	old := add("old")
	if _, err := n.Propose(ctx, old); err != nil {
		t.Fatal(err)
	}
	retry := *old
	if _, err := n.Propose(ctx, &retry); err != nil {
		t.Fatal(err)
	}
	if got := entries(t, n)["old"]; got != 1 {
		t.Fatalf("retry within the window applied: %d", got)
	}
	// raft stamps entries with its own clock, which a test cannot inject:
	// let the window pass for real.
	time.Sleep(2 * window)
	if _, err := n.Propose(ctx, add("later")); err != nil { // its entry moves the window
		t.Fatal(err)
	}
	late := *old
	if _, err := n.Propose(ctx, &late); err != nil {
		t.Fatal(err)
	}
	if got := entries(t, n)["old"]; got != 2 {
		t.Errorf("a retry after the window was deduplicated (%d): the index is not pruned", got)
	}
}

// A proposer whose clock is hours ahead must not switch exactly-once off
// for everyone else.
func TestSkewedProposerClockKeepsExactlyOnce(t *testing.T) {
	c := replicatest.NewTuned(t, 1, func(cfg *replica.Config) { cfg.DedupRetention = time.Hour },
		func(int) replica.Applier { return ledger{} }, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := c.Nodes[0]
	future := add("from a node with a bad clock")
	future.Time = time.Now().Add(5 * time.Hour)
	if _, err := n.Propose(ctx, future); err != nil {
		t.Fatal(err)
	}
	cmd := add("normal")
	if _, err := n.Propose(ctx, cmd); err != nil {
		t.Fatal(err)
	}
	retry := *cmd
	if _, err := n.Propose(ctx, &retry); err != nil {
		t.Fatal(err)
	}
	if got := entries(t, n)["normal"]; got != 1 {
		t.Errorf("retried command applied %d times after a skewed proposer", got)
	}
}
