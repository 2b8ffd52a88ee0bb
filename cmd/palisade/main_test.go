package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/api/apiclient"
	"github.com/palisade/palisade/edge/pki"
)

// build compiles the palisade binary once for the end-to-end tests.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "palisade")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The demo as a newcomer runs it: one command, three consoles, log in,
// the cluster has a leader and all three members; Ctrl-C stops it cleanly.
func TestDemoEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := build(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	data := filepath.Join(t.TempDir(), "demo") // does not exist yet
	cmd := exec.CommandContext(ctx, bin, "demo", "--free-ports", "--data", data)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	urlRE := regexp.MustCompile(`console of (\S+)\s+(https://\S+)`)
	var urls []string
	sc := bufio.NewScanner(stdout)
	var printed strings.Builder
	for sc.Scan() {
		printed.WriteString(sc.Text() + "\n")
		if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
			urls = append(urls, m[2])
		}
		if strings.Contains(sc.Text(), "press Ctrl-C") {
			break
		}
	}
	if len(urls) != 3 || !strings.Contains(printed.String(), "officer / demo-officer") {
		t.Fatalf("demo printed:\n%s\nwant three console URLs and the demo credentials", printed.String())
	}
	roots, err := pki.LoadPool(data)
	if err != nil {
		t.Fatalf("the demo's CA certificate: %v", err)
	}
	for _, u := range urls {
		c, err := apiclient.Login(ctx, u, "officer", "demo-officer", apiclient.WithRoots(roots))
		if err != nil {
			t.Fatalf("login on %s: %v", u, err)
		}
		for {
			st, err := c.Cluster(ctx)
			if err == nil && st.Quorum && len(st.Members) == 3 {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("%s: no quorum: %+v, %v", u, st, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// An officer's action, to be on the record.
	officer, err := apiclient.Login(ctx, urls[0], "officer", "demo-officer", apiclient.WithRoots(roots))
	if err != nil {
		t.Fatal(err)
	}
	// The simulated sally port's gates report their limit switches through
	// the log: the port is ready for a vehicle.
	for {
		ps, err := officer.SallyPorts(ctx)
		if err == nil && len(ps) == 1 && ps[0].Stage == "waiting for a vehicle" {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the demo's sally port never ready: %+v, %v", ps, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := officer.Raise(ctx, "officer.assistance", 2, "", "assistance needed at the gatehouse"); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo exited with %v after Ctrl-C", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("demo did not stop within 15 s of Ctrl-C")
	}
	// What the demo suggests after Ctrl-C works, on every node, and the
	// node that led signed everything before it stopped.
	for _, id := range []string{"node-1", "node-2", "node-3"} {
		out, err := exec.Command(bin, "audit", "verify", "--data", filepath.Join(data, id), "--ca", data).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "— OK") || strings.Contains(string(out), "not signed yet") {
			t.Errorf("audit verify %s after the demo: %v\n%s", id, err, out)
		}
	}
}

func TestCheckReportsFileLineAndKey(t *testing.T) {
	var out, errb strings.Builder
	if code := run(context.Background(), []string{"check", "--config", "../../examples/facility.yaml"}, &out, &errb); code != 0 {
		t.Fatalf("check of the example: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "valid") || !strings.Contains(out.String(), "3 nodes") {
		t.Errorf("check printed %q", out.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("id: x\nname: X\nkind: prison\nnodes:\n  - id: n1\n    raft_adr: 127.0.0.1:7001\n"), 0o600)
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"check", "--config", bad}, &out, &errb); code != 1 {
		t.Fatalf("bad config: exit %d", code)
	}
	if !strings.Contains(errb.String(), "bad.yaml:6: nodes[0].raft_adr: unknown key") {
		t.Errorf("bad config error %q, want file:line: key path", errb.String())
	}
	if code := run(context.Background(), []string{"frobnicate"}, &out, &errb); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}

func TestCAInitAndIssue(t *testing.T) {
	dir := t.TempDir()
	var out, errb strings.Builder
	ctx := context.Background()
	if code := run(ctx, []string{"ca", "init", "--dir", dir, "--facility", "northfield"}, &out, &errb); code != 0 {
		t.Fatalf("ca init: %d %s", code, errb.String())
	}
	if code := run(ctx, []string{"ca", "init", "--dir", dir, "--facility", "northfield"}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "refusing to overwrite") {
		t.Errorf("a second ca init did not refuse: %d %s", code, errb.String())
	}
	if code := run(ctx, []string{"ca", "issue", "--dir", dir, "--role", "node", "--name", "node-2", "--hosts", "10.20.0.12"}, &out, &errb); code != 0 {
		t.Fatalf("ca issue: %d %s", code, errb.String())
	}
	cert, err := pki.LoadCert(dir, "node-2")
	if err != nil {
		t.Fatal(err)
	}
	role, name, err := pki.Identity(cert.Leaf)
	if err != nil || role != pki.RoleNode || name != "node-2" || len(cert.Leaf.IPAddresses) != 1 {
		t.Errorf("issued %q %q %v %v", role, name, cert.Leaf.IPAddresses, err)
	}
	errb.Reset()
	if code := run(ctx, []string{"ca", "issue", "--dir", dir, "--role", "warden", "--name", "x"}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "want node, central, console or kiosk") {
		t.Errorf("unknown role: %d %s", code, errb.String())
	}
}
