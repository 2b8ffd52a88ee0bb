package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sensors/gpio"
	"github.com/palisade/palisade/sync/audit"
	"github.com/palisade/palisade/sync/replica"
)

// FacilityOptions configures StartFacility.
type FacilityOptions struct {
	DataDir   string // each node stores under DataDir/<node id>
	FreePorts bool   // listen on free loopback ports instead of the file's addresses
	Simulate  bool
	Logger    func(nodeID string) *slog.Logger
	// CA, when set, issues each node a node certificate and the cluster
	// port speaks only mutual TLS (the demo makes its own CA at start).
	CA *pki.CA
	// With a CA the consoles and kiosk listeners are HTTPS too, with
	// console and kiosk certificates for 127.0.0.1 and localhost.
	CertValidity  time.Duration // of the node certificates it issues; default 90 days
	AuditInterval time.Duration // between signed audit checkpoints; default one minute
	NoAudit       bool          // benchmarks only: see Options.NoAudit
	RollupEvery   time.Duration // see Options.RollupEvery
	// Chips and GPIOClock are passed to every node (see Options).
	Chips     func(name string) (gpio.Chip, error)
	GPIOClock gpio.Clock
	// Now is every node's clock (see Options.Now); nil: time.Now.
	Now func() time.Time
	// Cameras is passed to every node (see Options.Cameras).
	Cameras CameraOptions
}

// StartFacility starts every node of f in this process, each with its own
// data directory, cluster port and console: the demo, the end-to-end tests
// and the alarm-path benchmark run a facility this way. On error the nodes
// already started are closed.
func StartFacility(f *facility.Facility, o FacilityOptions) (_ []*Node, err error) {
	cluster := make([]net.Listener, len(f.Nodes))
	consoles := make([]net.Listener, len(f.Nodes))
	kiosks := make([]net.Listener, len(f.Nodes))
	uplinks := make([]net.Listener, len(f.Nodes))
	var nodes []*Node
	defer func() {
		if err == nil {
			return
		}
		for _, n := range nodes {
			n.Close()
		}
		for i := range f.Nodes {
			if i >= len(nodes) { // not handed to a node: close here
				for _, l := range []net.Listener{cluster[i], consoles[i], kiosks[i], uplinks[i]} {
					if l != nil {
						l.Close()
					}
				}
			}
		}
	}()
	var peers []replica.Peer
	for i, nd := range f.Nodes {
		ca, ha, ka, ua := nd.RaftAddr, nd.HTTPAddr, nd.KioskAddr, nd.UplinkAddr
		if o.FreePorts {
			ca, ha = "127.0.0.1:0", "127.0.0.1:0"
			if ka != "" {
				ka = "127.0.0.1:0"
			}
			if ua != "" {
				ua = "127.0.0.1:0"
			}
		}
		if ua != "" && o.CA != nil { // HQ pulls over mutual TLS only
			if uplinks[i], err = net.Listen("tcp", ua); err != nil {
				return nil, fmt.Errorf("node %s uplink port %s: %w (is another facility running here? try free ports)", nd.ID, ua, err)
			}
		}
		if ka != "" {
			if kiosks[i], err = net.Listen("tcp", ka); err != nil {
				return nil, fmt.Errorf("node %s kiosk port %s: %w (is another facility running here? try free ports)", nd.ID, ka, err)
			}
		}
		if cluster[i], err = net.Listen("tcp", ca); err != nil {
			return nil, fmt.Errorf("node %s cluster port %s: %w (is another facility running here? try free ports)", nd.ID, ca, err)
		}
		if consoles[i], err = net.Listen("tcp", ha); err != nil {
			return nil, fmt.Errorf("node %s console port %s: %w (is another facility running here? try free ports)", nd.ID, ha, err)
		}
		peers = append(peers, replica.Peer{ID: nd.ID, Addr: cluster[i].Addr().String()})
	}
	for i, nd := range f.Nodes {
		log := slog.Default()
		if o.Logger != nil {
			log = o.Logger(nd.ID)
		}
		var tune func(*replica.Config)
		var certs func() []*x509.Certificate
		var nodeCert func() (*tls.Certificate, error)
		var consoleTLS, kioskTLS, uplinkTLS *tls.Config
		var roots *x509.CertPool
		if o.CA != nil {
			validity := o.CertValidity
			if validity <= 0 {
				validity = 90 * 24 * time.Hour
			}
			cert, err := o.CA.Issue(pki.RoleNode, nd.ID, []string{"127.0.0.1"}, time.Now(), validity)
			if err != nil {
				return nil, err
			}
			tune = func(c *replica.Config) {
				c.ServerTLS, c.ClientTLS = pki.NodeTLS(cert, o.CA.Pool())
			}
			nodeCert = func() (*tls.Certificate, error) { return &cert, nil }
			uplinkTLS = pki.ServerConfig(cert, o.CA.Pool(), nil, pki.RoleCentral)
			roots = o.CA.Pool()
			web := []string{"127.0.0.1", "localhost"}
			console, err := o.CA.Issue(pki.RoleConsole, nd.ID+"-console", web, time.Now(), validity)
			if err != nil {
				return nil, err
			}
			kiosk, err := o.CA.Issue(pki.RoleKiosk, nd.ID+"-kiosk", web, time.Now(), validity)
			if err != nil {
				return nil, err
			}
			consoleTLS = pki.WebServerConfig(func() (*tls.Certificate, error) { return &console, nil })
			kioskTLS = pki.WebServerConfig(func() (*tls.Certificate, error) { return &kiosk, nil })
			leaves := []*x509.Certificate{cert.Leaf, console.Leaf, kiosk.Leaf, o.CA.Cert}
			certs = func() []*x509.Certificate { return leaves }
		}
		n, err := Start(Options{
			Facility: f, NodeID: nd.ID, DataDir: filepath.Join(o.DataDir, nd.ID),
			ClusterListener: cluster[i], HTTPListener: consoles[i], KioskListener: kiosks[i], Peers: peers,
			UplinkListener: uplinks[i], UplinkTLS: uplinkTLS, RollupEvery: o.RollupEvery,
			ConsoleTLS: consoleTLS, KioskTLS: kioskTLS, NoAudit: o.NoAudit,
			Simulate: o.Simulate, Logger: log, Tune: tune, Certs: certs,
			NodeCert: nodeCert, AuditInterval: o.AuditInterval, Chips: o.Chips, GPIOClock: o.GPIOClock, Roots: roots,
			Now: o.Now, Cameras: o.Cameras,
		})
		if err != nil {
			return nil, errors.Join(fmt.Errorf("start node %s", nd.ID), err)
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// StopFacility stops the nodes of one facility that run in this process
// (the demo): the leader signs the audit tree as it stands, every node
// applies that checkpoint, and then each node closes. Closing them one
// after another without this would leave the last entries applied on some
// nodes only — the peers learn that an entry committed from the leader's
// next message, which a stopped leader never sends.
func StopFacility(nodes []*Node) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, n := range nodes {
		if !n.Replica.IsLeader() {
			continue
		}
		if n.signer != nil {
			if _, err := n.signer.SignNow(ctx); err != nil && !errors.Is(err, audit.ErrNothingNew) {
				n.log.Warn("final audit checkpoint not made", "err", err)
			}
		}
		if err := n.Replica.ReadIndex(ctx); err == nil {
			idx := n.Replica.AppliedIndex()
			for _, m := range nodes {
				if err := m.Replica.WaitApplied(ctx, idx); err != nil {
					m.log.Warn("stopping before the last entries were applied", "err", err)
				}
			}
		}
		break
	}
	for _, n := range nodes {
		n.Close()
	}
}
