package replicatest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/sync/replica"
)

// Cluster is a set of replicas on loopback.
type Cluster struct {
	t       testing.TB
	Nodes   []*replica.Replica // nil for a stopped node
	Dirs    []string
	Addrs   []string
	peers   []replica.Peer
	newApp  func(i int) replica.Applier
	observe func(i int) func([]replica.Applied)
	Tune    func(*replica.Config)
}

// Logger returns a logger that prints when -v is given and discards otherwise.
func Logger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// New starts n nodes that bootstrap one cluster, and waits for a leader.
// newApp builds each node's applier; observe may be nil.
func New(t testing.TB, n int, newApp func(i int) replica.Applier, observe func(i int) func([]replica.Applied)) *Cluster {
	t.Helper()
	return NewTuned(t, n, nil, newApp, observe)
}

// NewTuned is New with tune applied to every node's configuration.
func NewTuned(t testing.TB, n int, tune func(*replica.Config), newApp func(i int) replica.Applier, observe func(i int) func([]replica.Applied)) *Cluster {
	t.Helper()
	c := &Cluster{t: t, newApp: newApp, observe: observe, Nodes: make([]*replica.Replica, n), Tune: tune}
	lns := make([]net.Listener, n)
	for i := range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
		c.Addrs = append(c.Addrs, ln.Addr().String())
		c.Dirs = append(c.Dirs, t.TempDir())
		c.peers = append(c.peers, replica.Peer{ID: fmt.Sprintf("n%d", i+1), Addr: ln.Addr().String()})
	}
	for i := range n {
		c.start(i, lns[i])
	}
	t.Cleanup(c.Close)
	c.WaitLeader()
	return c
}

// Config returns the configuration node i runs with.
func (c *Cluster) Config(i int) replica.Config {
	cfg := replica.DefaultConfig(c.peers[i].ID, c.Dirs[i])
	cfg.Bootstrap = true
	cfg.Peers = c.peers
	cfg.Logger = Logger(c.t).With("test_node", c.peers[i].ID)
	cfg.SnapshotInterval = time.Hour // tests take snapshots explicitly
	if c.Tune != nil {
		c.Tune(&cfg)
	}
	return cfg
}

func (c *Cluster) start(i int, ln net.Listener) {
	c.t.Helper()
	cfg := c.Config(i)
	cfg.Listener = ln
	var obs func([]replica.Applied)
	if c.observe != nil {
		obs = c.observe(i)
	}
	r, err := replica.Open(cfg, c.newApp(i), obs)
	if err != nil {
		c.t.Fatalf("open node %d: %v", i, err)
	}
	c.Nodes[i] = r
}

// Stop closes node i (its disk stays).
func (c *Cluster) Stop(i int) {
	c.t.Helper()
	if c.Nodes[i] == nil {
		return
	}
	if err := c.Nodes[i].Close(); err != nil {
		c.t.Logf("close node %d: %v", i, err)
	}
	c.Nodes[i] = nil
}

// Kill stops node i without handing leadership over, as a crash would
// look to its peers (its disk stays).
func (c *Cluster) Kill(i int) {
	c.t.Helper()
	if c.Nodes[i] == nil {
		return
	}
	if err := c.Nodes[i].Abandon(); err != nil {
		c.t.Logf("kill node %d: %v", i, err)
	}
	c.Nodes[i] = nil
}

// Restart starts node i again from its disk on its old address.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the old socket may linger for a moment
		if ln, err = net.Listen("tcp", c.Addrs[i]); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		c.t.Fatalf("restart node %d: %v", i, err)
	}
	c.start(i, ln)
}

// Close stops every node.
func (c *Cluster) Close() {
	for i := range c.Nodes {
		c.Stop(i)
	}
}

// Leader waits for a leader among the running nodes and returns its index.
func (c *Cluster) WaitLeader() int {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for i, n := range c.Nodes {
			if n != nil && n.IsLeader() {
				return i
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.t.Fatal("no leader within 10s")
	return -1
}

// Follower returns the index of a running node that is not the leader.
func (c *Cluster) Follower() int {
	l := c.WaitLeader()
	for i, n := range c.Nodes {
		if n != nil && i != l {
			return i
		}
	}
	c.t.Fatal("no running follower")
	return -1
}

// WaitConverged waits until every running node applied the leader's commit
// index.
func (c *Cluster) WaitConverged(ctx context.Context) {
	c.t.Helper()
	l := c.Nodes[c.WaitLeader()]
	if err := l.ReadIndex(ctx); err != nil {
		c.t.Fatalf("leader read index: %v", err)
	}
	idx := l.AppliedIndex()
	for i, n := range c.Nodes {
		if n == nil {
			continue
		}
		if err := n.WaitApplied(ctx, idx); err != nil {
			c.t.Fatalf("node %d did not catch up: %v", i, err)
		}
	}
}

// Buffer collects log output from several goroutines, for tests that
// assert what was logged.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// NoGoroutinesAbove waits up to d for the process's goroutines to number at
// most max (those that served refused connections wind down), and fails
// the test if they do not: a leak.
func NoGoroutinesAbove(t testing.TB, max int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for runtime.NumGoroutine() > max && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > max {
		t.Errorf("%d goroutines left, at most %d expected: a goroutine leak", n, max)
	}
}
