package replica

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Peer is one voting member of the cluster.
type Peer struct {
	ID   string // node id from the facility file
	Addr string // cluster address host:port (raft and internal RPC share it)
}

// Config configures one replica. Build it with DefaultConfig and override.
type Config struct {
	NodeID string
	Dir    string // data directory: raft log, stable store, snapshots, state

	// Listener is the cluster listener (raft and the internal RPC share it).
	// If nil, Open listens on BindAddr.
	Listener net.Listener
	BindAddr string
	// Advertise is the address peers dial; defaults to the listener's.
	Advertise string

	// ServerTLS and ClientTLS secure the cluster port (raft and the
	// internal RPC) with mutual TLS; both or neither. Build them with
	// package pki so that only peers holding a node certificate of the
	// facility CA are accepted and dialled.
	ServerTLS, ClientTLS *tls.Config

	// Bootstrap makes this node form a new cluster of Peers when its disk
	// holds no raft state. It is a no-op on a node that has state, so it is
	// safe to leave on in a static three-node facility file.
	Bootstrap bool
	Peers     []Peer

	// Raft timing. The defaults suit nodes on one facility LAN (sub-
	// millisecond RTT): a follower notices a dead leader after 150–300 ms of
	// silence (HeartbeatTimeout is randomised up to 2×), wins an election in
	// one round trip, so a new leader commits well inside the 500 ms failover
	// target. hashicorp/raft's own defaults (1 s / 1 s / 500 ms) are tuned for
	// WANs and would put failover at 1–2 s. Going lower than ~100 ms risks
	// spurious elections when a node stalls on disk (fsync) or GC.
	HeartbeatTimeout   time.Duration
	ElectionTimeout    time.Duration
	LeaderLeaseTimeout time.Duration
	CommitTimeout      time.Duration

	SnapshotThreshold uint64        // log entries between snapshots
	SnapshotInterval  time.Duration // how often to check the threshold
	SnapshotRetain    int

	MaxBatch       int           // commands per log entry at most
	MaxInflight    int           // log entries proposed and not yet applied, at most
	ApplyTimeout   time.Duration // how long raft may queue one entry
	DedupRetention time.Duration // how long a command id is remembered (exactly-once window)

	Logger   *slog.Logger
	Registry prometheus.Registerer // nil: metrics are not registered
}

// DefaultConfig returns the configuration for node id storing under dir.
func DefaultConfig(id, dir string) Config {
	return Config{
		NodeID:             id,
		Dir:                dir,
		BindAddr:           "127.0.0.1:0",
		HeartbeatTimeout:   150 * time.Millisecond,
		ElectionTimeout:    150 * time.Millisecond,
		LeaderLeaseTimeout: 100 * time.Millisecond,
		CommitTimeout:      5 * time.Millisecond,
		SnapshotThreshold:  8192,
		SnapshotInterval:   30 * time.Second,
		SnapshotRetain:     2,
		MaxBatch:           1024,
		MaxInflight:        4,
		ApplyTimeout:       5 * time.Second,
		DedupRetention:     72 * time.Hour,
		Logger:             slog.Default(),
	}
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	var errs []error
	if c.NodeID == "" {
		errs = append(errs, errors.New("node id is empty"))
	}
	if c.Dir == "" {
		errs = append(errs, errors.New("data dir is empty"))
	}
	if c.Listener == nil && c.BindAddr == "" {
		errs = append(errs, errors.New("neither listener nor bind address"))
	}
	if c.HeartbeatTimeout < 5*time.Millisecond || c.ElectionTimeout < 5*time.Millisecond {
		errs = append(errs, errors.New("heartbeat and election timeouts must be ≥ 5ms"))
	}
	if c.LeaderLeaseTimeout > c.HeartbeatTimeout {
		errs = append(errs, fmt.Errorf("leader lease %v exceeds heartbeat timeout %v", c.LeaderLeaseTimeout, c.HeartbeatTimeout))
	}
	if c.MaxInflight < 1 {
		errs = append(errs, errors.New("max inflight must be ≥ 1"))
	}
	if c.MaxBatch < 1 {
		errs = append(errs, errors.New("max batch must be ≥ 1"))
	}
	if c.Bootstrap {
		found := false
		for _, p := range c.Peers {
			found = found || p.ID == c.NodeID
		}
		if !found && len(c.Peers) > 0 {
			errs = append(errs, fmt.Errorf("bootstrap peers do not include this node %q", c.NodeID))
		}
	}
	if (c.ServerTLS == nil) != (c.ClientTLS == nil) {
		errs = append(errs, errors.New("ServerTLS and ClientTLS go together"))
	}
	if c.Logger == nil {
		errs = append(errs, errors.New("logger is nil"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("replica config: %w", errors.Join(errs...))
	}
	return nil
}
