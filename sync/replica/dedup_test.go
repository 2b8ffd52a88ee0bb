package replica_test

import (
	"context"
	"testing"
	"time"

	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/replica/replicatest"
)

// Command ids are remembered for DedupRetention of command time, then
// forgotten: the exactly-once window is bounded, and so is the index.
func TestDedupWindowIsBoundedByCommandTime(t *testing.T) {
	c := replicatest.NewTuned(t, 1, func(cfg *replica.Config) { cfg.DedupRetention = time.Hour },
		func(int) replica.Applier { return ledger{} }, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := c.Nodes[0]
	t0 := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	old := add("old")
	old.Time = t0
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
	later := add("later")
	later.Time = t0.Add(2 * time.Hour) // moves the window past "old"
	if _, err := n.Propose(ctx, later); err != nil {
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
