package replica_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/replica/replicatest"
)

// A cluster whose port speaks only mutual TLS with node certificates of
// the facility CA.
func newTLSCluster(t *testing.T, ca *pki.CA) *replicatest.Cluster {
	now := time.Now()
	return replicatest.NewTuned(t, 3, func(cfg *replica.Config) {
		cert, err := ca.Issue(pki.RoleNode, cfg.NodeID, []string{"127.0.0.1"}, now, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		cfg.ServerTLS, cfg.ClientTLS = pki.NodeTLS(cert, ca.Pool())
	}, func(int) replica.Applier { return ledger{} }, nil)
}

// answers reports whether the cluster port at addr answers an internal RPC
// from a client presenting cert (nil: no TLS at all). The client trusts any
// server, so only the node's own decision is tested.
func answers(t *testing.T, addr string, cert *tls.Certificate) bool {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if cert != nil {
		tc := tls.Client(c, &tls.Config{Certificates: []tls.Certificate{*cert}, InsecureSkipVerify: true, MinVersion: tls.VersionTLS13})
		if err := tc.Handshake(); err != nil {
			return false
		}
		c = tc
	}
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

func TestMutualTLSAcceptsOnlyNodesOfTheFacilityCA(t *testing.T) {
	now := time.Now()
	ca, err := pki.NewCA("northfield", now)
	if err != nil {
		t.Fatal(err)
	}
	c := newTLSCluster(t, ca)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Forwarding and replication work over TLS.
	if _, err := c.Nodes[c.Follower()].Propose(ctx, add("over tls")); err != nil {
		t.Fatalf("propose through a follower over mutual TLS: %v", err)
	}
	addr := c.Addrs[c.WaitLeader()]

	node, _ := ca.Issue(pki.RoleNode, "n9", nil, now, time.Hour)
	if !answers(t, addr, &node) {
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
			t.Errorf("%s: the cluster port answered", name)
		}
	}
	// Garbage on the port does not hurt the cluster.
	g, _ := net.Dial("tcp", addr)
	g.Write([]byte(strings.Repeat("\x16\x03\x01garbage", 100)))
	g.Close()
	if _, err := c.Nodes[c.Follower()].Propose(ctx, add("still fine")); err != nil {
		t.Fatalf("cluster broken after garbage on its port: %v", err)
	}
}
