package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"

	"github.com/palisade/palisade/sync/replica"
)

// bareRaftConfig is the raft configuration of the baseline: the timing of
// replica.DefaultConfig and the other settings replica.Open gives raft
// (sync/replica/replica.go, Open), so the two runs differ only in what the
// replica adds on top of raft.
func bareRaftConfig(id string) *raft.Config {
	rcfg := replica.DefaultConfig(id, "")
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(id)
	rc.HeartbeatTimeout = rcfg.HeartbeatTimeout
	rc.ElectionTimeout = rcfg.ElectionTimeout
	rc.LeaderLeaseTimeout = rcfg.LeaderLeaseTimeout
	rc.CommitTimeout = rcfg.CommitTimeout
	rc.SnapshotThreshold = rcfg.SnapshotThreshold
	rc.SnapshotInterval = rcfg.SnapshotInterval
	rc.TrailingLogs = max(rcfg.SnapshotThreshold, 1024)
	rc.BatchApplyCh = true
	rc.MaxAppendEntries = 256
	rc.NoLegacyTelemetry = true
	rc.Logger = hclog.NewNullLogger()
	return rc
}

// countFSM is the baseline's state machine: it counts entries and the events
// packed in them and stores nothing.
type countFSM struct {
	eventSize int
	entries   atomic.Uint64
	events    atomic.Uint64
}

func (f *countFSM) Apply(l *raft.Log) any {
	if l.Type == raft.LogCommand {
		f.entries.Add(1)
		f.events.Add(uint64(len(l.Data) / f.eventSize))
	}
	return nil
}

func (f *countFSM) Snapshot() (raft.FSMSnapshot, error) {
	return countSnapshot{f.entries.Load(), f.events.Load()}, nil
}

func (f *countFSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	var b [16]byte
	if _, err := io.ReadFull(rc, b[:]); err != nil {
		return err
	}
	f.entries.Store(binary.BigEndian.Uint64(b[:8]))
	f.events.Store(binary.BigEndian.Uint64(b[8:]))
	return nil
}

type countSnapshot struct{ entries, events uint64 }

func (s countSnapshot) Persist(sink raft.SnapshotSink) error {
	b := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, s.entries), s.events)
	if _, err := sink.Write(b); err != nil {
		_ = sink.Cancel()
		return err
	}
	return sink.Close()
}

func (countSnapshot) Release() {}

// bareNode is one node of the baseline cluster.
type bareNode struct {
	raft      *raft.Raft
	store     *raftboltdb.BoltStore
	transport *raft.NetworkTransport
	fsm       *countFSM
}

// bareCluster is n bare raft nodes in this process over TCP loopback.
type bareCluster struct{ nodes []*bareNode }

func startBareCluster(ctx context.Context, dir string, n, eventSize int) (_ *bareCluster, err error) {
	c := &bareCluster{}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	var servers []raft.Server
	for i := range n {
		id := fmt.Sprintf("b%d", i+1)
		ndir := filepath.Join(dir, id)
		if err := os.MkdirAll(ndir, 0o700); err != nil {
			return nil, err
		}
		nd := &bareNode{fsm: &countFSM{eventSize: eventSize}}
		if nd.store, err = raftboltdb.New(raftboltdb.Options{Path: filepath.Join(ndir, "raft.db")}); err != nil {
			return nil, err
		}
		snaps, err := raft.NewFileSnapshotStoreWithLogger(ndir, 2, hclog.NewNullLogger())
		if err != nil {
			nd.store.Close()
			return nil, err
		}
		if nd.transport, err = raft.NewTCPTransportWithLogger("127.0.0.1:0", nil, 4, 5*time.Second, hclog.NewNullLogger()); err != nil {
			nd.store.Close()
			return nil, err
		}
		// The same log cache the replica uses: the ceiling is the best bare
		// raft + raft-boltdb can do.
		logs, err := raft.NewLogCache(512, nd.store)
		if err != nil {
			return nil, err
		}
		if nd.raft, err = raft.NewRaft(bareRaftConfig(id), nd.fsm, logs, nd.store, snaps, nd.transport); err != nil {
			nd.transport.Close()
			nd.store.Close()
			return nil, err
		}
		c.nodes = append(c.nodes, nd)
		servers = append(servers, raft.Server{ID: raft.ServerID(id), Address: nd.transport.LocalAddr()})
	}
	if err := c.nodes[0].raft.BootstrapCluster(raft.Configuration{Servers: servers}).Error(); err != nil {
		return nil, err
	}
	if _, err := c.waitLeader(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// waitLeader waits up to 10 s for a leader that has committed in its term.
func (c *bareCluster) waitLeader(ctx context.Context) (*bareNode, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		for _, nd := range c.nodes {
			if nd.raft.State() == raft.Leader {
				return nd, nd.raft.Barrier(5 * time.Second).Error()
			}
		}
		select {
		case <-time.After(5 * time.Millisecond):
		case <-ctx.Done():
			return nil, fmt.Errorf("no bare raft leader: %w", ctx.Err())
		}
	}
}

// Close shuts every node down: raft first (it closes the transport), then
// the store raft wrote to.
func (c *bareCluster) Close() error {
	var errs []error
	for _, nd := range c.nodes {
		errs = append(errs, nd.raft.Shutdown().Error(), nd.transport.Close(), nd.store.Close())
	}
	c.nodes = nil
	return errors.Join(errs...)
}
