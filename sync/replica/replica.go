package replica

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	bolt "go.etcd.io/bbolt"
)

// Replica is one node's member of the facility's raft cluster together with
// the state it applies.
type Replica struct {
	cfg       Config
	fsm       *fsm
	raft      *raft.Raft
	logStore  *raftboltdb.BoltStore
	transport *raft.NetworkTransport
	mux       *mux
	rpcSrv    *http.Server
	rpc       *http.Client
	metrics   *metrics

	observer   *raft.Observer
	leaderMu   sync.Mutex
	leaderCh   chan struct{} // closed and replaced when the leader changes
	proposeCh  chan *proposal
	inflightCh chan inflight
	cancel     context.CancelFunc
	closed     chan struct{}
	wg         sync.WaitGroup
	closeOnce  sync.Once
}

// Open starts the replica: it opens (or creates) the raft stores under
// cfg.Dir, rebuilds the state from the newest snapshot and the log, joins
// the cluster traffic and, with cfg.Bootstrap on an empty disk, forms the
// cluster of cfg.Peers. applier applies commands; observe (may be nil) is
// called on the FSM goroutine after each applied batch and must not block.
func Open(cfg Config, applier Applier, observe func([]Applied)) (_ *Replica, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, err
	}
	log := cfg.Logger.With("component", "replica")
	r := &Replica{
		cfg:       cfg,
		proposeCh: make(chan *proposal, 4*cfg.MaxBatch),
		// The waiter holds one entry and the channel the rest: at most
		// MaxInflight entries in flight. A short pipeline is what lets
		// batches grow under load (see DESIGN.md).
		inflightCh: make(chan inflight, cfg.MaxInflight-1),
		leaderCh:   make(chan struct{}),
		closed:     make(chan struct{}),
		rpc:        newRPCClient(dialer{tls: cfg.ClientTLS}),
		metrics:    newMetrics(cfg.Registry, cfg.NodeID),
	}
	var cleanups []func()
	defer func() {
		if err != nil {
			for i := len(cleanups) - 1; i >= 0; i-- {
				cleanups[i]()
			}
		}
	}()

	r.fsm, err = newFSM(cfg.Dir, applier, r.metrics.observe(observe), cfg.DedupRetention, log)
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, func() { _ = r.fsm.close() })

	r.logStore, err = raftboltdb.New(raftboltdb.Options{Path: filepath.Join(cfg.Dir, "raft.db")})
	if err != nil {
		return nil, fmt.Errorf("replica %s: open raft log: %w", cfg.NodeID, err)
	}
	cleanups = append(cleanups, func() { _ = r.logStore.Close() })
	hcl := newHCLogger(log)
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, max(cfg.SnapshotRetain, 1), hcl)
	if err != nil {
		return nil, fmt.Errorf("replica %s: snapshot store: %w", cfg.NodeID, err)
	}

	ln := cfg.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.BindAddr); err != nil {
			return nil, fmt.Errorf("replica %s: listen %s: %w", cfg.NodeID, cfg.BindAddr, err)
		}
	}
	r.mux = newMux(ln, cfg.ServerTLS, log)
	cleanups = append(cleanups, func() { _ = r.mux.Close() })
	if cfg.Advertise != "" {
		adv, err := net.ResolveTCPAddr("tcp", cfg.Advertise)
		if err != nil {
			return nil, fmt.Errorf("replica %s: advertise %q: %w", cfg.NodeID, cfg.Advertise, err)
		}
		r.mux.raft.addr = adv
	}
	r.transport = raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream: raftStream{r.mux.raft, dialer{tls: cfg.ClientTLS}}, MaxPool: 4, Timeout: 5 * time.Second, Logger: hcl,
	})

	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.NodeID)
	rc.HeartbeatTimeout = cfg.HeartbeatTimeout
	rc.ElectionTimeout = cfg.ElectionTimeout
	rc.LeaderLeaseTimeout = cfg.LeaderLeaseTimeout
	rc.CommitTimeout = cfg.CommitTimeout
	rc.SnapshotThreshold = cfg.SnapshotThreshold
	rc.SnapshotInterval = cfg.SnapshotInterval
	rc.TrailingLogs = max(cfg.SnapshotThreshold, 1024)
	// No BatchApplyCh: with it, raft buffers futures in applyCh and never
	// answers those still buffered when it shuts down, so a waiter would
	// block for ever on a killed leader. We batch ourselves (one entry holds
	// many commands), and an unbuffered applyCh gives the batcher the
	// back-pressure that lets batches grow.
	rc.BatchApplyCh = false
	rc.MaxAppendEntries = 256
	rc.NoLegacyTelemetry = true
	rc.Logger = hcl

	hasState, err := raft.HasExistingState(r.logStore, r.logStore, snaps)
	if err != nil {
		return nil, err
	}
	// Recent entries are read back for replication and apply; the cache
	// spares a bbolt read and a msgpack decode per entry.
	logs, err := raft.NewLogCache(512, r.logStore)
	if err != nil {
		return nil, err
	}
	r.raft, err = raft.NewRaft(rc, r.fsm, logs, r.logStore, snaps, noPipeline{r.transport})
	if err != nil {
		return nil, fmt.Errorf("replica %s: start raft: %w", cfg.NodeID, err)
	}
	cleanups = append(cleanups, func() { _ = r.raft.Shutdown().Error() })
	if cfg.Bootstrap && !hasState {
		servers := []raft.Server{{ID: rc.LocalID, Address: r.transport.LocalAddr()}}
		if len(cfg.Peers) > 0 {
			servers = servers[:0]
			for _, p := range cfg.Peers {
				addr := raft.ServerAddress(p.Addr)
				if p.ID == cfg.NodeID {
					addr = r.transport.LocalAddr()
				}
				servers = append(servers, raft.Server{ID: raft.ServerID(p.ID), Address: addr})
			}
		}
		if err := r.raft.BootstrapCluster(raft.Configuration{Servers: servers}).Error(); err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
			return nil, fmt.Errorf("replica %s: bootstrap: %w", cfg.NodeID, err)
		}
	}

	r.rpcSrv = &http.Server{Handler: r.rpcHandler(), ReadHeaderTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	obsCh := make(chan raft.Observation, 16)
	r.observer = raft.NewObserver(obsCh, false, func(o *raft.Observation) bool {
		_, ok := o.Data.(raft.LeaderObservation)
		return ok
	})
	r.raft.RegisterObserver(r.observer)
	r.wg.Add(5)
	go r.runLeaderWatch(ctx, obsCh)
	go func() {
		defer r.wg.Done()
		_ = r.rpcSrv.Serve(r.mux.rpc) // returns on Shutdown
	}()
	go r.runBatcher(ctx)
	go r.runWaiter(ctx)
	go r.runLeaderGauge(ctx)
	log.Info("replica started", "addr", string(r.transport.LocalAddr()), "existing_state", hasState)
	return r, nil
}

// Close stops the replica and waits for its goroutines. Order matters:
//  1. stop taking proposals and finish the batcher/waiter, so no caller waits
//     on a future that nobody will complete;
//  2. stop serving forwarded RPCs (they would propose into a dying raft);
//  3. shut raft down (it fails its open futures and closes the transport);
//  4. close the listener, then the stores raft wrote to.
//
// A leader first hands leadership to a caught-up peer: the cluster keeps
// committing without waiting out an election timeout, and the peers learn
// that the leader's last entries are committed (a leader that just stopped
// would leave them applied on itself only until the next election).
func (r *Replica) Close() error { return r.close(true) }

// Abandon stops the replica like Close but without handing leadership
// over: to its peers it looks like a crash. Tests use it to lose a leader.
func (r *Replica) Abandon() error { return r.close(false) }

func (r *Replica) close(handover bool) error {
	var errs []error
	r.closeOnce.Do(func() {
		if handover && r.raft.State() == raft.Leader && len(r.Status().Members) > 1 {
			if err := r.raft.LeadershipTransfer().Error(); err != nil {
				r.cfg.Logger.Warn("leadership not handed over before stopping", "node", r.cfg.NodeID, "err", err)
			}
		}
		close(r.closed)
		r.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = r.rpcSrv.Shutdown(ctx)
		cancel()
		r.raft.DeregisterObserver(r.observer)
		errs = append(errs, r.raft.Shutdown().Error())
		errs = append(errs, r.mux.Close())
		r.wg.Wait()
		r.rpc.CloseIdleConnections()
		errs = append(errs, r.logStore.Close(), r.fsm.close())
	})
	return errors.Join(errs...)
}

// ID returns this node's id.
func (r *Replica) ID() string { return r.cfg.NodeID }

// Addr returns the cluster address peers use for this node.
func (r *Replica) Addr() string { return string(r.transport.LocalAddr()) }

// IsLeader reports whether this node currently believes it leads.
func (r *Replica) IsLeader() bool { return r.raft.State() == raft.Leader }

// View runs fn in a read transaction of this node's state. It may be stale
// on a follower; call ReadIndex first when a decision depends on it.
func (r *Replica) View(fn func(*bolt.Tx) error) error { return r.fsm.view(fn) }

// AppliedIndex returns the log index this node's state reflects.
func (r *Replica) AppliedIndex() uint64 { i, _ := r.fsm.appliedIndex(); return i }

// ReadIndex makes the next View linearizable: it learns the leader's last
// index after the leader confirmed it still leads (a heartbeat round to a
// quorum), then waits until this node has applied up to it. While a leader
// is being elected it waits (until ctx ends); without a quorum it fails with
// an error wrapping ErrNoLeader — a decision must not be made on stale state.
func (r *Replica) ReadIndex(ctx context.Context) error {
	backoff := 2 * time.Millisecond
	for {
		changed := r.leaderChanged()
		idx, err := r.readIndexOnce(ctx)
		if err == nil {
			return r.WaitApplied(ctx, idx)
		}
		if !retryable(err) {
			return err
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-changed:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("replica %s: read index: %w (%w)", r.cfg.NodeID, err, ctx.Err())
		case <-r.closed:
			t.Stop()
			return ErrClosed
		}
		backoff = min(backoff*2, 20*time.Millisecond)
	}
}

func (r *Replica) readIndexOnce(ctx context.Context) (uint64, error) {
	if r.raft.State() == raft.Leader {
		return r.leaderReadIndex()
	}
	addr, id := r.raft.LeaderWithID()
	if addr == "" || string(id) == r.cfg.NodeID {
		return 0, ErrNoLeader
	}
	var out struct{ Index uint64 }
	fctx, cancel := context.WithTimeout(ctx, forwardTimeout)
	defer cancel()
	if err := r.call(fctx, string(addr), "/readindex", nil, &out); err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: leader %s did not answer within %s", errForward, addr, forwardTimeout)
		}
		return 0, err
	}
	return out.Index, nil
}

func (r *Replica) leaderReadIndex() (uint64, error) {
	// LastIndex, not CommitIndex: a new leader's commit index stays at what
	// it learned as a follower until its own no-op commits, and could miss
	// entries the old leader committed and acknowledged. The leader's log
	// holds every committed entry (leader completeness), so waiting for its
	// last index is safe.
	idx := r.raft.LastIndex()
	if err := r.raft.VerifyLeader().Error(); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrNotLeader, err)
	}
	return idx, nil
}

// WaitApplied blocks until this node's state reflects index.
func (r *Replica) WaitApplied(ctx context.Context, index uint64) error {
	var poll *time.Timer
	defer func() {
		if poll != nil {
			poll.Stop()
		}
	}()
	for {
		cur, ch := r.fsm.appliedIndex()
		if cur >= index || r.onlyNonFSMAfter(cur, index) {
			return nil
		}
		// Entries the state machine never sees (a new leader's no-op) give
		// no notification: look again shortly.
		if poll == nil {
			poll = time.NewTimer(2 * time.Millisecond)
		} else {
			poll.Reset(2 * time.Millisecond)
		}
		select {
		case <-ch:
		case <-poll.C:
		case <-ctx.Done():
			return fmt.Errorf("replica %s: waiting for index %d (at %d): %w", r.cfg.NodeID, index, cur, ctx.Err())
		case <-r.closed:
			return ErrClosed
		}
	}
}

// onlyNonFSMAfter reports whether raft has processed up to index and every
// entry in (applied, index] is one the state machine never receives (no-op,
// barrier): then the state already reflects index.
func (r *Replica) onlyNonFSMAfter(applied, index uint64) bool {
	if r.raft.AppliedIndex() < index || index-applied > 64 {
		return false
	}
	var l raft.Log
	first, _ := r.logStore.FirstIndex()
	for i := applied + 1; i <= index; i++ {
		if i < first {
			continue // compacted into the snapshot the state was restored from
		}
		if err := r.logStore.GetLog(i, &l); err != nil {
			return false
		}
		if l.Type == raft.LogCommand || l.Type == raft.LogConfiguration {
			return false
		}
	}
	return true
}

// Join adds node id at addr as a voter. On a follower it asks the leader.
func (r *Replica) Join(ctx context.Context, id, addr string) error {
	return r.membership(ctx, "/join", map[string]string{"id": id, "addr": addr})
}

// Remove removes node id from the cluster. On a follower it asks the leader.
func (r *Replica) Remove(ctx context.Context, id string) error {
	return r.membership(ctx, "/remove", map[string]string{"id": id})
}

func (r *Replica) membership(ctx context.Context, path string, body map[string]string) error {
	for {
		var err error
		if r.raft.State() == raft.Leader {
			if path == "/join" {
				err = r.raft.AddVoter(raft.ServerID(body["id"]), raft.ServerAddress(body["addr"]), 0, 10*time.Second).Error()
			} else {
				err = r.raft.RemoveServer(raft.ServerID(body["id"]), 0, 10*time.Second).Error()
			}
		} else if addr, _ := r.raft.LeaderWithID(); addr == "" {
			err = ErrNoLeader
		} else {
			b, _ := json.Marshal(body)
			err = r.call(ctx, string(addr), path, b, nil)
		}
		if err == nil || !retryable(err) {
			return err
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("replica %s: %s: %w (%v)", r.cfg.NodeID, path[1:], err, ctx.Err())
		}
	}
}

// Snapshot takes a snapshot now (raft also takes them by itself).
func (r *Replica) Snapshot() error { return r.raft.Snapshot().Error() }

// Status is what the console shows of the cluster.
type Status struct {
	Node         string       `json:"node"`
	Addr         string       `json:"addr"`
	State        string       `json:"state"` // Leader, Follower, Candidate, Shutdown
	Leader       string       `json:"leader"`
	LeaderAddr   string       `json:"leader_addr"`
	Term         uint64       `json:"term"`
	CommitIndex  uint64       `json:"commit_index"`
	AppliedIndex uint64       `json:"applied_index"`
	LastContact  time.Time    `json:"last_contact,omitzero"`
	Quorum       bool         `json:"quorum"` // a leader is known
	Members      []MemberInfo `json:"members"`
}

// MemberInfo is one member of the configuration.
type MemberInfo struct {
	ID    string `json:"id"`
	Addr  string `json:"addr"`
	Voter bool   `json:"voter"`
}

// Status returns a snapshot of this node's view of the cluster.
func (r *Replica) Status() Status {
	addr, id := r.raft.LeaderWithID()
	st := Status{
		Node: r.cfg.NodeID, Addr: r.Addr(), State: r.raft.State().String(),
		Leader: string(id), LeaderAddr: string(addr), Term: r.raft.CurrentTerm(),
		CommitIndex: r.raft.CommitIndex(), AppliedIndex: r.AppliedIndex(),
		Quorum: addr != "",
	}
	if r.raft.State() != raft.Leader {
		st.LastContact = r.raft.LastContact()
	}
	if f := r.raft.GetConfiguration(); f.Error() == nil {
		for _, s := range f.Configuration().Servers {
			st.Members = append(st.Members, MemberInfo{ID: string(s.ID), Addr: string(s.Address), Voter: s.Suffrage == raft.Voter})
		}
	}
	return st
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// runLeaderWatch wakes proposals waiting to retry as soon as a leader is
// known again, instead of letting them sleep out their backoff.
func (r *Replica) runLeaderWatch(ctx context.Context, ch <-chan raft.Observation) {
	defer r.wg.Done()
	for {
		select {
		case <-ch:
			r.leaderMu.Lock()
			close(r.leaderCh)
			r.leaderCh = make(chan struct{})
			r.leaderMu.Unlock()
		case <-ctx.Done():
			return
		}
	}
}

// leaderChanged returns a channel closed at the next leader change.
func (r *Replica) leaderChanged() <-chan struct{} {
	r.leaderMu.Lock()
	defer r.leaderMu.Unlock()
	return r.leaderCh
}

// noPipeline is the transport without pipelined replication. hashicorp/raft
// 1.7's pipeline can deadlock when a follower answers Success=false: the
// decoder stops reading, the sender parks on a full in-flight channel, and
// the leader never sends that follower another entry (nor shuts down) —
// while heartbeats keep it from noticing. We saw it as a node whose Close
// never returned (tls_test, under CPU contention); grafana/pyroscope met the
// same in production and turned pipelining off too. Raft falls back to one
// AppendEntries at a time per follower, still batching entries.
type noPipeline struct{ *raft.NetworkTransport }

func (noPipeline) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}
