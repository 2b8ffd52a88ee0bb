package bench

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"time"
)

// throughputStats is one measured path of the throughput table.
type throughputStats struct {
	Path          string
	EventsPerSec  float64
	EntriesPerSec float64
	Batch         float64 // events per log entry
	InFlight      int     // events in flight (clients × events per call)
	Errors        int
	Latency       latency // per acknowledged event
}

// throughputRound is the replica and its bare-raft baseline, run back to
// back with the same batching.
type throughputRound struct {
	Replica, Bare throughputStats
}

// Ratio is replica events/s over bare raft events/s.
func (r throughputRound) Ratio() float64 {
	if r.Bare.EventsPerSec == 0 {
		return 0
	}
	return r.Replica.EventsPerSec / r.Bare.EventsPerSec
}

func medianRatio(rs []throughputRound) float64 {
	var v []float64
	for _, r := range rs {
		v = append(v, r.Ratio())
	}
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// runThroughput runs opts.Rounds pairs: the replica first, then bare raft
// packing as many events per entry as the replica just achieved.
func runThroughput(ctx context.Context, root string, o Options) ([]throughputRound, error) {
	var rounds []throughputRound
	for i := range o.Rounds {
		rs, err := measureReplica(ctx, filepath.Join(root, fmt.Sprintf("replica-%d", i)), o)
		if err != nil {
			return rounds, fmt.Errorf("replica: %w", err)
		}
		batch := max(1, int(math.Round(rs.Batch)))
		bs, err := measureBare(ctx, filepath.Join(root, fmt.Sprintf("bare-%d", i)), o, batch)
		if err != nil {
			return rounds, fmt.Errorf("bare raft: %w", err)
		}
		o.Logger.Info("throughput round", "round", i+1, "replica", rs.EventsPerSec, "bare", bs.EventsPerSec, "batch", rs.Batch)
		rounds = append(rounds, throughputRound{Replica: rs, Bare: bs})
	}
	return rounds, nil
}

// measureReplica starts three replicas and lets o.Clients goroutines call
// Propose on the leader with one event each. The average batch is the
// events acknowledged over the log entries the leader applied meanwhile.
func measureReplica(ctx context.Context, dir string, o Options) (throughputStats, error) {
	c, err := startReplicaCluster(ctx, dir, 3, nodeLogger(o, "bench", "replica"))
	if err != nil {
		return throughputStats{}, err
	}
	defer c.Close()
	leader, err := c.waitLeader(ctx)
	if err != nil {
		return throughputStats{}, err
	}
	body := make([]byte, o.EventSize)
	var idx0, idx1 uint64
	res, err := runLoad(ctx, o.Clients, o.Warmup, o.Duration,
		func(ctx context.Context) (int, error) {
			_, err := leader.Propose(ctx, newEvent(body))
			return 1, err
		},
		func(start bool) {
			if start {
				idx0 = leader.AppliedIndex()
			} else {
				idx1 = leader.AppliedIndex()
			}
		})
	if err != nil {
		return throughputStats{}, err
	}
	if !leader.IsLeader() {
		return throughputStats{}, fmt.Errorf("leadership changed during the run")
	}
	st := stats("replica.Propose", res, idx1-idx0)
	st.InFlight = o.Clients
	return st, nil
}

// measureBare starts three bare raft nodes and keeps ceil(clients/batch)
// raft.Apply calls of batch events each in flight on the leader: the same
// number of events in flight and per entry as the replica run.
func measureBare(ctx context.Context, dir string, o Options, batch int) (throughputStats, error) {
	c, err := startBareCluster(ctx, dir, 3, o.EventSize)
	if err != nil {
		return throughputStats{}, err
	}
	defer c.Close()
	leader, err := c.waitLeader(ctx)
	if err != nil {
		return throughputStats{}, err
	}
	data := make([]byte, batch*o.EventSize)
	workers := max(1, (o.Clients+batch-1)/batch)
	var e0, e1 uint64
	res, err := runLoad(ctx, workers, o.Warmup, o.Duration,
		func(context.Context) (int, error) {
			return batch, leader.raft.Apply(data, 5*time.Second).Error()
		},
		func(start bool) {
			if start {
				e0 = leader.fsm.entries.Load()
			} else {
				e1 = leader.fsm.entries.Load()
			}
		})
	if err != nil {
		return throughputStats{}, err
	}
	st := stats("bare raft", res, e1-e0)
	st.InFlight = workers * batch
	return st, nil
}

func stats(path string, res loadResult, entries uint64) throughputStats {
	sec := res.Elapsed.Seconds()
	st := throughputStats{
		Path: path, EventsPerSec: float64(res.Events) / sec, EntriesPerSec: float64(entries) / sec,
		Errors: res.Errors, Latency: summarize(res.Lat),
	}
	if entries > 0 {
		st.Batch = float64(res.Events) / float64(entries)
	}
	return st
}
