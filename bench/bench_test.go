package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestMain lets the failover test re-execute this test binary as its nodes.
func TestMain(m *testing.M) {
	MaybeRunChild()
	os.Exit(m.Run())
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// The throughput bench yields positive figures on both paths and a ratio.
func TestThroughputSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six raft nodes for a few seconds")
	}
	o := Options{Throughput: true, Clients: 64, Warmup: 200 * time.Millisecond, Duration: time.Second}.withDefaults()
	rounds, err := runThroughput(ctxT(t, 30*time.Second), t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	r := rounds[0]
	for _, s := range []throughputStats{r.Replica, r.Bare} {
		if s.EventsPerSec <= 0 || s.Batch < 1 || s.Latency.P50 <= 0 || s.Latency.P99 < s.Latency.P50 {
			t.Errorf("%s: implausible figures %+v", s.Path, s)
		}
	}
	if r.Ratio() <= 0 {
		t.Errorf("ratio %v", r.Ratio())
	}
	var buf bytes.Buffer
	printThroughput(&buf, o, rounds)
	if !strings.Contains(buf.String(), "ratio replica/bare") {
		t.Errorf("table lacks the ratio:\n%s", buf.String())
	}
	t.Logf("\n%s", buf.String())
}

// One SIGKILL of the leader of three child processes: a write issued after
// the kill commits on the new leader, and the killed node comes back.
func TestFailoverSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary as three raft nodes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Kills: 1}.withDefaults()
	col, err := measureFailover(ctxT(t, 30*time.Second), filepath.Join(t.TempDir(), "f"), exe, timingPalisade, o)
	if err != nil {
		t.Fatal(err)
	}
	if col.Missed != 0 || len(col.Commit.all) != 1 || col.Commit.P50 <= 0 {
		t.Fatalf("failover figures %+v", col)
	}
	t.Logf("failover: commit %v, client %v", col.Commit.P50, col.Client.P50)
}

func TestQuantile(t *testing.T) {
	var s []time.Duration
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i))
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50}, {0.99, 99}, {1, 100}, {0, 1}} {
		if got := quantile(s, tc.q); got != tc.want {
			t.Errorf("quantile(1..100, %v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if got := quantile(nil, 0.5); got != 0 {
		t.Errorf("quantile of nothing = %v", got)
	}
}

// BenchmarkReplicaPropose: one op is one 256-byte event proposed on the
// leader of three replicas by 256 concurrent clients.
func BenchmarkReplicaPropose(b *testing.B) {
	ctx := ctxT(b, 10*time.Minute)
	c, err := startReplicaCluster(ctx, b.TempDir(), 3, trust{}, Options{}.withDefaults().Logger)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	leader, err := c.waitLeader(ctx)
	if err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 256)
	idx0 := leader.AppliedIndex()
	b.SetParallelism(max(1, 256/max(1, runtimeProcs())))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := leader.Propose(ctx, newEvent(body)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	if n := leader.AppliedIndex() - idx0; n > 0 {
		b.ReportMetric(float64(b.N)/float64(n), "events/entry")
	}
}

// BenchmarkBareRaft: one op is one 256-byte event, packed batch to a
// raft.Apply, 256 events in flight, on bare hashicorp/raft + raft-boltdb.
func BenchmarkBareRaft(b *testing.B) {
	for _, batch := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ctx := ctxT(b, 10*time.Minute)
			c, err := startBareCluster(ctx, b.TempDir(), 3, 256)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			leader, err := c.waitLeader(ctx)
			if err != nil {
				b.Fatal(err)
			}
			data := make([]byte, batch*256)
			var left atomic.Int64
			left.Store(int64(b.N))
			b.SetParallelism(max(1, (256/batch)/max(1, runtimeProcs())))
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					// Each iteration claims up to batch events of b.N.
					if left.Add(-int64(batch)) <= -int64(batch) {
						continue
					}
					if err := leader.raft.Apply(data, 5*time.Second).Error(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
		})
	}
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
