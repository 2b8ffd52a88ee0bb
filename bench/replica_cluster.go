package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/audit"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// eventKind is the command kind of benchmark events.
const eventKind = "bench.event"

// counter is the benchmark's applier: it counts the events it applies and
// writes nothing of its own. The replica still writes each command's
// exactly-once record and the applied index into bbolt in the same
// transaction, which is the part of the apply path being measured.
//
// Concurrency: Apply runs on raft's FSM goroutine; Count may be called from
// any goroutine.
type counter struct{ n atomic.Uint64 }

func (c *counter) Apply(_ *bolt.Tx, _ replica.Entry, cmd *command.Command) ([]byte, error) {
	if cmd.Kind != eventKind {
		return nil, fmt.Errorf("unknown kind %q", cmd.Kind)
	}
	c.n.Add(1)
	return nil, nil
}

func (c *counter) Count() uint64 { return c.n.Load() }

// replicaCluster is three (or n) replica nodes in this process, on loopback.
type replicaCluster struct {
	nodes  []*replica.Replica
	cancel context.CancelFunc // stops the audit signers
	wg     sync.WaitGroup
}

// trust is what a cluster runs with beyond plain raft.
type trust struct {
	mtls    bool // the cluster port speaks mutual TLS
	audited bool // every command is a leaf of the audit tree; with mtls, checkpoints are signed every second
}

// startReplicaCluster starts n nodes under dir that bootstrap one cluster
// with replica.DefaultConfig, and waits for a leader.
func startReplicaCluster(ctx context.Context, dir string, n int, tr trust, log *slog.Logger) (_ *replicaCluster, err error) {
	mtls := tr.mtls
	sctx, cancel := context.WithCancel(context.Background())
	c := &replicaCluster{cancel: cancel}
	var ca *pki.CA
	if mtls {
		if ca, err = pki.NewCA("bench", time.Now()); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	lns := make([]net.Listener, n)
	peers := make([]replica.Peer, n)
	for i := range n {
		if lns[i], err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			for _, ln := range lns[:i] {
				ln.Close()
			}
			return nil, err
		}
		peers[i] = replica.Peer{ID: fmt.Sprintf("n%d", i+1), Addr: lns[i].Addr().String()}
	}
	for i := range n {
		cfg := replica.DefaultConfig(peers[i].ID, filepath.Join(dir, peers[i].ID))
		cfg.Listener = lns[i]
		cfg.Bootstrap = true
		cfg.Peers = peers
		cfg.Logger = log.With("node", peers[i].ID)
		var cert tls.Certificate
		if ca != nil {
			if cert, err = ca.Issue(pki.RoleNode, peers[i].ID, nil, time.Now(), time.Hour); err != nil {
				return nil, err
			}
			cfg.ServerTLS, cfg.ClientTLS = pki.NodeTLS(cert, ca.Pool())
		}
		var app replica.Applier = &counter{}
		if tr.audited {
			app = &audit.Recorder{Next: app, Origin: "bench"}
		}
		r, err := replica.Open(cfg, app, nil)
		if err != nil {
			for _, ln := range lns[i+1:] {
				ln.Close()
			}
			return nil, err
		}
		c.nodes = append(c.nodes, r)
		if tr.audited && ca != nil {
			s := &audit.Signer{Replica: r, Origin: "bench", Node: peers[i].ID, Interval: time.Second,
				Cert: func() (*tls.Certificate, error) { return &cert, nil }, Logger: log}
			c.wg.Add(1)
			go func() { defer c.wg.Done(); s.Run(sctx) }()
		}
	}
	if _, err := c.waitLeader(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// waitLeader waits up to 10 s for a node that leads and has committed an
// entry of its term (so proposals do not wait for the first one).
func (c *replicaCluster) waitLeader(ctx context.Context) (*replica.Replica, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		for _, r := range c.nodes {
			if r.IsLeader() {
				if _, err := r.Propose(ctx, newEvent(make([]byte, 1))); err != nil {
					return nil, err
				}
				return r, nil
			}
		}
		select {
		case <-time.After(5 * time.Millisecond):
		case <-ctx.Done():
			return nil, fmt.Errorf("no leader: %w", ctx.Err())
		}
	}
}

// Close stops every node and waits for it.
func (c *replicaCluster) Close() error {
	c.cancel()
	c.wg.Wait()
	var errs []error
	for _, r := range c.nodes {
		errs = append(errs, r.Close())
	}
	c.nodes = nil
	return errors.Join(errs...)
}

// newEvent returns an event command carrying body (shared, never written).
func newEvent(body []byte) *command.Command {
	return &command.Command{ID: command.NewID(), Kind: eventKind, Body: body}
}
