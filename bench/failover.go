package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/palisade/palisade/sync/replica"
)

// writeEvery is how often the failover writer issues a write.
const writeEvery = 5 * time.Millisecond

// failoverColumn is one timing's failover figures.
type failoverColumn struct {
	Name                       string
	Heartbeat, Election, Lease time.Duration
	Commit                     latency // kill → first ack of a write issued after the kill
	Client                     latency // the first write issued after the kill: issue → ack
	Missed                     int     // kills after which no write committed in time
}

// runFailover measures Palisade's timing, then raft's defaults, with
// o.Kills leader kills each.
func runFailover(ctx context.Context, root string, o Options) ([]failoverColumn, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var cols []failoverColumn
	for _, timing := range []string{timingPalisade, timingRaftDefault} {
		col, err := measureFailover(ctx, filepath.Join(root, "failover-"+timing), exe, timing, o)
		if col.Name != "" {
			cols = append(cols, col)
		}
		if err != nil {
			return cols, fmt.Errorf("%s: %w", timing, err)
		}
	}
	return cols, nil
}

func measureFailover(ctx context.Context, dir, exe, timing string, o Options) (failoverColumn, error) {
	col := failoverColumn{Name: timing}
	rc, pc := raft.DefaultConfig(), replica.DefaultConfig("", "")
	col.Heartbeat, col.Election, col.Lease = pc.HeartbeatTimeout, pc.ElectionTimeout, pc.LeaderLeaseTimeout
	// writeTimeout bounds one write (Propose's ctx in the child); settle
	// bounds how long a kill may take to recover before it counts as missed.
	writeTimeout, settle := 2*time.Second, 10*time.Second
	if timing == timingRaftDefault {
		col.Heartbeat, col.Election, col.Lease = rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout
		writeTimeout, settle = 5*time.Second, 20*time.Second
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return col, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the children if Close is not reached
	f, err := newFleet(ctx, dir, exe, timing, 3)
	if err != nil {
		return col, err
	}
	defer f.Close()

	var commit, client []time.Duration
	for k := range o.Kills {
		leader, err := f.waitStable(ctx, 30*time.Second)
		if err != nil {
			return col, fmt.Errorf("before kill %d: %w", k+1, err)
		}
		var survivors []int
		for i := range f.procs {
			if i != leader {
				survivors = append(survivors, i)
			}
		}
		w := startWriter(ctx, f, survivors, writeTimeout)
		time.Sleep(100 * time.Millisecond) // writes flow through the old leader
		killErr := f.kill(leader)
		killAt := time.Now()
		w.armed(killAt)
		first, ok := w.waitFirst(ctx, settle)
		recs := w.stop()
		if killErr != nil {
			return col, fmt.Errorf("kill %d: %w", k+1, killErr)
		}
		if !ok {
			col.Missed++
		} else {
			commit = append(commit, first.Sub(killAt))
			if d, ok := firstIssuedAfter(recs, killAt); ok {
				client = append(client, d)
			}
		}
		o.Logger.Info("failover", "timing", timing, "kill", k+1, "node", f.specs[leader].Node, "commit", first.Sub(killAt), "ok", ok)
		if ctx.Err() != nil {
			return col, ctx.Err()
		}
		if err := f.start(leader); err != nil {
			return col, err
		}
	}
	col.Commit, col.Client = summarize(commit), summarize(client)
	return col, nil
}

// writeRec is one write of the failover writer.
type writeRec struct {
	issued, acked time.Time
	ok            bool
}

// writer issues a write every writeEvery to the survivors in turn, each in
// its own goroutine (a write that waits for the election does not hold back
// the next), and reports the first acknowledged write issued after the
// kill.
type writer struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	recs    []writeRec
	killAt  time.Time     // zero until armed
	first   time.Time     // ack of the first write issued after killAt
	firstCh chan struct{} // closed when first is set
}

func startWriter(ctx context.Context, f *fleet, targets []int, timeout time.Duration) *writer {
	ctx, cancel := context.WithCancel(ctx)
	w := &writer{cancel: cancel, firstCh: make(chan struct{})}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(writeEvery)
		defer t.Stop()
		sem := make(chan struct{}, 1024) // bounds outstanding writes
		for n := 0; ; n++ {
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
			select {
			case sem <- struct{}{}:
			default:
				continue
			}
			target := targets[n%len(targets)]
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				defer func() { <-sem }()
				issued := time.Now()
				// Not ctx: a write already issued runs to its end even after
				// stop, so the first write after the kill is always complete.
				_, err := f.propose(context.WithoutCancel(ctx), target, timeout)
				w.record(writeRec{issued: issued, acked: time.Now(), ok: err == nil})
			}()
		}
	}()
	return w
}

func (w *writer) record(r writeRec) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.recs = append(w.recs, r)
	if r.ok && !w.killAt.IsZero() && !r.issued.Before(w.killAt) && w.first.IsZero() {
		w.first = r.acked
		close(w.firstCh)
	}
}

// armed tells the writer when the leader was killed.
func (w *writer) armed(at time.Time) {
	w.mu.Lock()
	w.killAt = at
	w.mu.Unlock()
}

// waitFirst waits up to limit for the first acknowledged write issued after
// the kill.
func (w *writer) waitFirst(ctx context.Context, limit time.Duration) (time.Time, bool) {
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-w.firstCh:
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.first, true
	case <-t.C:
	case <-ctx.Done():
	}
	return time.Time{}, false
}

// stop stops issuing, waits for every write in flight and returns them all.
func (w *writer) stop() []writeRec {
	w.cancel()
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.recs
}

// firstIssuedAfter returns how long the first write issued at or after t
// took, if it succeeded: the stall one client sees across the failover.
func firstIssuedAfter(recs []writeRec, t time.Time) (time.Duration, bool) {
	var best writeRec
	for _, r := range recs {
		if !r.issued.Before(t) && (best.issued.IsZero() || r.issued.Before(best.issued)) {
			best = r
		}
	}
	if best.issued.IsZero() || !best.ok {
		return 0, false
	}
	return best.acked.Sub(best.issued), true
}
