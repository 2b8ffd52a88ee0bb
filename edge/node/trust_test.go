package node_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/api/apiclient"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/examples"
	"github.com/palisade/palisade/sync/replica/replicatest"
)

// An officer changes their password on node-1: the sessions they had on
// node-2 and node-3 end at once, the old password no longer logs in
// anywhere, the new one does everywhere.
func TestPasswordChangeEndsSessionsOnEveryConsole(t *testing.T) {
	nodes := startFacility(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	roots := apiclient.WithRoots(testCA().Pool())
	on2 := login(t, ctx, nodes[1], "officer")
	on3 := login(t, ctx, nodes[2], "officer")
	super := login(t, ctx, nodes[2], "super")
	on1 := login(t, ctx, nodes[0], "officer")
	const fresh = "correct horse battery"
	for {
		err := on1.ChangePassword(ctx, "demo-officer", fresh)
		if err == nil {
			break
		}
		var e *apiclient.Error
		if ctx.Err() != nil || (errors.As(err, &e) && e.Status < 500) {
			t.Fatalf("change password: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // no leader yet
	}
	for i, c := range []*apiclient.Client{on1, on2, on3} {
		for {
			_, err := c.Session(ctx)
			var e *apiclient.Error
			if errors.As(err, &e) && e.Status == http.StatusUnauthorized {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("officer's session on node-%d still live after the password change: %v", i+1, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if _, err := super.Session(ctx); err != nil {
		t.Errorf("another user's session ended too: %v", err)
	}
	for _, n := range nodes {
		if _, err := apiclient.Login(ctx, n.URL(), "officer", "demo-officer", roots); err == nil {
			t.Errorf("old password still logs in on %s", n.URL())
		}
		if _, err := apiclient.Login(ctx, n.URL(), "officer", fresh, roots); err != nil {
			t.Errorf("new password refused on %s: %v", n.URL(), err)
		}
	}
}

// The kiosk listener of a real node, over HTTPS with its own certificate,
// serves the kiosk page and nothing of the security system.
func TestKioskListenerOfARealNode(t *testing.T) {
	nodes := startFacility(t, false)
	k := nodes[0].KioskURL()
	if !strings.HasPrefix(k, "https://") || k == nodes[0].URL() {
		t.Fatalf("kiosk URL %q (console %q)", k, nodes[0].URL())
	}
	hc := httpsClient()
	resp, err := hc.Get(k)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || resp.TLS.PeerCertificates[0].Subject.CommonName != "node-1-kiosk" {
		t.Fatalf("kiosk page: %d, certificate %v", resp.StatusCode, resp.TLS.PeerCertificates[0].Subject)
	}
	for _, path := range []string{"v1/alarms", "v1/cluster", "metrics", "healthz", "v1/devices/gate-1/actuate", "console.js"} {
		resp, err := hc.Get(k + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("kiosk listener %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// Bad input at the console's HTTPS port: plain HTTP, a TLS handshake with
// garbage, a client certificate from another CA, a header of a megabyte,
// a client that connects and says nothing. Each is refused, logged, and
// leaves no goroutine; the console keeps serving.
func TestConsoleRefusesBadInputWithoutLeaks(t *testing.T) {
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	logs := &replicatest.Buffer{}
	nodes, err := node.StartFacility(f, node.FacilityOptions{
		DataDir: t.TempDir(), FreePorts: true, CA: testCA(),
		Logger: func(id string) *slog.Logger {
			return slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})).With("node", id)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		t.Cleanup(func() { n.Close() })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n := nodes[0]
	addr := strings.TrimSuffix(strings.TrimPrefix(n.URL(), "https://"), "/")
	login(t, ctx, n, "officer") // warm: the server's goroutines exist
	baseline := runtime.NumGoroutine()

	// Plain HTTP to the HTTPS port.
	resp, err := http.Get("http://" + addr + "/healthz")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP: %d, want 400", resp.StatusCode)
		}
	}
	// Garbage where a ClientHello should be.
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Write([]byte(strings.Repeat("\x16\x03\x01\xff\xff", 200)))
		io.Copy(io.Discard, c)
		c.Close()
	}
	// A client that does not trust the server gives up; one that presents
	// no certificate is fine (people log in, not certificates).
	if c, err := tls.Dial("tcp", addr, &tls.Config{}); err == nil {
		c.Close()
		t.Error("a client without the facility CA trusted the console")
	}
	// A megabyte of headers.
	tc, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: testCA().Pool()})
	if err != nil {
		t.Fatal(err)
	}
	tc.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 1<<20) + "\r\n\r\n"))
	if resp, err := http.ReadResponse(bufio.NewReader(tc), nil); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("a megabyte of headers: %d, want 431", resp.StatusCode)
		}
	}
	tc.Close()
	// The console still serves.
	login(t, ctx, n, "officer")
	if got := logs.String(); !strings.Contains(got, "TLS handshake error") {
		t.Errorf("refused handshakes not logged:\n%s", got)
	}
	replicatest.NoGoroutinesAbove(t, baseline+3, 5*time.Second)
}
