package replica_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/replica/replicatest"
)

// A cluster whose port speaks only mutual TLS with node certificates of
// the facility CA. Its nodes log into logs.
func newTLSCluster(t *testing.T, ca *pki.CA, logs *replicatest.Buffer) *replicatest.Cluster {
	now := time.Now()
	return replicatest.NewTuned(t, 3, func(cfg *replica.Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})).With("node", cfg.NodeID)
		cert, err := ca.Issue(pki.RoleNode, cfg.NodeID, []string{"127.0.0.1"}, now, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		cfg.ServerTLS, cfg.ClientTLS = pki.NodeTLS(cert, ca.Pool())
	}, func(int) replica.Applier { return ledger{} }, nil)
}

// dialPort connects to the cluster port at addr presenting cert (nil: no
// TLS at all), trusting any server: only the node's own decision is tested.
// ok is false when the handshake fails.
func dialPort(t *testing.T, addr string, cert *tls.Certificate) (net.Conn, bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if cert == nil {
		return c, true
	}
	tc := tls.Client(c, &tls.Config{Certificates: []tls.Certificate{*cert}, InsecureSkipVerify: true, MinVersion: tls.VersionTLS13})
	if err := tc.Handshake(); err != nil {
		c.Close()
		return nil, false
	}
	return tc, true
}

// answers reports whether the cluster port at addr answers an internal RPC
// from a client presenting cert (nil: no TLS at all). The client trusts any
// server, so only the node's own decision is tested.
func answers(t *testing.T, addr string, cert *tls.Certificate) bool {
	t.Helper()
	c, ok := dialPort(t, addr, cert)
	if !ok {
		return false
	}
	defer c.Close()
	if _, err := c.Write([]byte("PPOST /readindex HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")); err != nil {
		return false
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// raftKeepsOpen reports whether the cluster port keeps a raft connection
// from a client presenting cert open: raft then waits for an RPC, so a read
// times out; a refused connection is closed at once.
func raftKeepsOpen(t *testing.T, addr string, cert *tls.Certificate) bool {
	t.Helper()
	c, ok := dialPort(t, addr, cert)
	if !ok {
		return false
	}
	defer c.Close()
	hello := []byte{'R'}
	if cert == nil {
		// A plain-TCP peer: what follows the protocol byte is enough
		// bytes for the server's TLS layer to judge (and refuse).
		hello = append(hello, make([]byte, 64)...)
	}
	if _, err := c.Write(hello); err != nil {
		return false
	}
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestMutualTLSAcceptsOnlyNodesOfTheFacilityCA(t *testing.T) {
	now := time.Now()
	ca, err := pki.NewCA("northfield", now)
	if err != nil {
		t.Fatal(err)
	}
	logs := &replicatest.Buffer{}
	c := newTLSCluster(t, ca, logs)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Forwarding and replication work over TLS.
	if _, err := c.Nodes[c.Follower()].Propose(ctx, add("over tls")); err != nil {
		t.Fatalf("propose through a follower over mutual TLS: %v", err)
	}
	addr := c.Addrs[c.WaitLeader()]
	baseline := runtime.NumGoroutine()

	node, _ := ca.Issue(pki.RoleNode, "n9", nil, now, time.Hour)
	if !answers(t, addr, &node) || !raftKeepsOpen(t, addr, &node) {
		t.Fatal("a node certificate of the facility CA was refused: the test cannot tell refusals apart")
	}
	kiosk, _ := ca.Issue(pki.RoleKiosk, "kiosk-3", nil, now, time.Hour)
	other, _ := pki.NewCA("somewhere-else", now)
	foreign, _ := other.Issue(pki.RoleNode, "n1", nil, now, time.Hour)
	expired, _ := ca.Issue(pki.RoleNode, "n1", nil, now.Add(-48*time.Hour), 24*time.Hour)
	for name, cert := range map[string]*tls.Certificate{
		"kiosk role":    &kiosk,
		"another CA":    &foreign,
		"expired":       &expired,
		"no TLS at all": nil,
	} {
		if answers(t, addr, cert) {
			t.Errorf("%s: the cluster port answered an internal RPC", name)
		}
		if raftKeepsOpen(t, addr, cert) {
			t.Errorf("%s: the cluster port took a raft connection", name)
		}
	}
	// Garbage on the port, and a peer that connects and says nothing, do
	// not hurt the cluster.
	for _, junk := range []string{strings.Repeat("\x16\x03\x01garbage", 100), "R" + strings.Repeat("\x00", 4096), "GET / HTTP/1.1\r\n\r\n"} {
		g, _ := net.Dial("tcp", addr)
		g.Write([]byte(junk))
		g.Close()
	}
	if _, err := c.Nodes[c.Follower()].Propose(ctx, add("still fine")); err != nil {
		t.Fatalf("cluster broken after garbage on its port: %v", err)
	}
	// Every refusal is a clear log line naming the remote end.
	if got := logs.String(); strings.Count(got, "cluster connection refused: TLS handshake") < 11 || !strings.Contains(got, "remote=127.0.0.1:") {
		t.Errorf("refusals not logged clearly:\n%s", got)
	}
	// And leaves no goroutine behind.
	replicatest.NoGoroutinesAbove(t, baseline+2, 5*time.Second)
}
