package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// throughputStats is one measured path of the throughput table.
type throughputStats struct {
	Path          string
	EventsPerSec  float64
	EntriesPerSec float64
	Batch         float64 // events per log entry
	InFlight      int     // events in flight (clients × events per call)
	Latency       latency // per acknowledged event
}

// throughputRound is the replica and its bare-raft baseline, run back to
// back with the same batching.
type throughputRound struct {
	Replica, Bare throughputStats
	Trusted       *throughputStats // the replica with mutual TLS and the audit tree (Options.Trust)
	Reruns        int              // runs discarded because an election happened in them
}

// errElection marks a measuring window in which leadership changed: its
// figures measure the election, not the steady state, and it is run again.
var errElection = errors.New("leadership changed during the measuring window")

// maxReruns bounds how often a run disturbed by an election is repeated.
const maxReruns = 3

// Ratio is replica events/s over bare raft events/s.
func (r throughputRound) Ratio() float64 {
	if r.Bare.EventsPerSec == 0 {
		return 0
	}
	return r.Replica.EventsPerSec / r.Bare.EventsPerSec
}

// TrustRatio is trusted replica events/s over plain replica events/s.
func (r throughputRound) TrustRatio() float64 {
	if r.Trusted == nil || r.Replica.EventsPerSec == 0 {
		return 0
	}
	return r.Trusted.EventsPerSec / r.Replica.EventsPerSec
}

func medianRatio(rs []throughputRound) float64 { return medianOf(rs, throughputRound.Ratio) }

func medianOf(rs []throughputRound, f func(throughputRound) float64) float64 {
	var v []float64
	for _, r := range rs {
		v = append(v, f(r))
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
		var r throughputRound
		// rerun repeats a measurement that an election disturbed.
		rerun := func(what string, measure func(dir string) error) error {
			for try := 0; ; try++ {
				dir := filepath.Join(root, fmt.Sprintf("%s-%d-%d", what, i, try))
				err := measure(dir)
				_ = os.RemoveAll(dir) // the next run starts without this one's files in the page cache
				if !errors.Is(err, errElection) || try == maxReruns {
					if err != nil {
						return fmt.Errorf("%s: %w", what, err)
					}
					return nil
				}
				o.Logger.Warn("run disturbed by an election; running it again", "path", what, "round", i+1)
				r.Reruns++
			}
		}
		// With Trust, the plain and the trusted replica take turns going
		// first, so neither always runs on a machine the other warmed.
		plain := func() error {
			return rerun("replica", func(dir string) (err error) {
				r.Replica, err = measureReplica(ctx, dir, o, trust{mtls: o.MutualTLS})
				return err
			})
		}
		trusted := func() error {
			var st throughputStats
			err := rerun("trusted", func(dir string) (err error) {
				st, err = measureReplica(ctx, dir, o, trust{mtls: true, audited: true})
				return err
			})
			st.Path = "replica, mTLS + audit"
			r.Trusted = &st
			return err
		}
		order := []func() error{plain}
		if o.Trust {
			order = []func() error{plain, trusted}
			if i%2 == 1 {
				order = []func() error{trusted, plain}
			}
		}
		for _, run := range order {
			if err := run(); err != nil {
				return rounds, err
			}
		}
		if err := rerun("bare", func(dir string) (err error) { r.Bare, err = measureBare(ctx, dir, o, r.Replica.Batch); return err }); err != nil {
			return rounds, err
		}
		o.Logger.Info("throughput round", "round", i+1, "replica", r.Replica.EventsPerSec, "bare", r.Bare.EventsPerSec, "batch", r.Replica.Batch)
		rounds = append(rounds, r)
	}
	return rounds, nil
}

// measureReplica starts three replicas and lets o.Clients goroutines call
// Propose on the leader with one event each. The average batch is the
// events acknowledged over the log entries the leader applied meanwhile.
func measureReplica(ctx context.Context, dir string, o Options, tr trust) (throughputStats, error) {
	c, err := startReplicaCluster(ctx, dir, 3, tr, nodeLogger(o, "bench", "replica"))
	if err != nil {
		return throughputStats{}, err
	}
	defer c.Close()
	leader, err := c.waitLeader(ctx)
	if err != nil {
		return throughputStats{}, err
	}
	body := make([]byte, o.EventSize)
	term0 := leader.Status().Term
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
	if !leader.IsLeader() || leader.Status().Term != term0 || res.Errors > 0 {
		return throughputStats{}, fmt.Errorf("%w (%d failed proposals, last: %v)", errElection, res.Errors, res.LastErr)
	}
	st := stats("replica.Propose", res, idx1-idx0)
	st.InFlight = o.Clients
	return st, nil
}

// measureBare starts three bare raft nodes and keeps raft.Apply calls in
// flight on the leader, each packing batch events on average (entries of
// ⌊batch⌋ and ⌈batch⌉ events, mixed in proportion), with as many calls as
// make o.Clients events in flight: the same batching and the same load as
// the replica run.
func measureBare(ctx context.Context, dir string, o Options, batch float64) (throughputStats, error) {
	c, err := startBareCluster(ctx, dir, 3, o.EventSize)
	if err != nil {
		return throughputStats{}, err
	}
	defer c.Close()
	leader, err := c.waitLeader(ctx)
	if err != nil {
		return throughputStats{}, err
	}
	batch = max(batch, 1)
	lo, frac := int(math.Floor(batch)), batch-math.Floor(batch)
	data := make([]byte, (lo+1)*o.EventSize)
	workers := max(1, int(math.Round(float64(o.Clients)/batch)))
	var next atomic.Uint64 // shared Bresenham counter: entry k carries lo+1 events if frac×k crosses an integer
	term0 := leader.raft.CurrentTerm()
	var e0, e1 uint64
	res, err := runLoad(ctx, workers, o.Warmup, o.Duration,
		func(context.Context) (int, error) {
			k := float64(next.Add(1))
			n := lo
			if math.Floor(k*frac) != math.Floor((k-1)*frac) {
				n++
			}
			return n, leader.raft.Apply(data[:n*o.EventSize], 5*time.Second).Error()
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
	if leader.raft.State() != raft.Leader || leader.raft.CurrentTerm() != term0 || res.Errors > 0 {
		return throughputStats{}, fmt.Errorf("%w (%d failed applies, last: %v)", errElection, res.Errors, res.LastErr)
	}
	st := stats("bare raft", res, e1-e0)
	st.InFlight = int(math.Round(float64(workers) * batch))
	return st, nil
}

func stats(path string, res loadResult, entries uint64) throughputStats {
	sec := res.Elapsed.Seconds()
	st := throughputStats{
		Path: path, EventsPerSec: float64(res.Events) / sec, EntriesPerSec: float64(entries) / sec,
		Latency: summarize(res.Lat),
	}
	if entries > 0 {
		st.Batch = float64(res.Events) / float64(entries)
	}
	return st
}
