package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/palisade/palisade/sync/replica"
)

// fleet is a cluster of child processes, each one replica node started from
// this binary (see MaybeRunChild), with fixed data directories and
// addresses so a killed node restarts as itself.
type fleet struct {
	ctx    context.Context // ends every child (exec.CommandContext)
	exe    string
	specs  []childSpec
	procs  []*childProc // nil while a node is down
	logs   []*os.File   // each child's stderr, appended across restarts
	client *http.Client
}

type childProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser // closing it asks the child to exit
}

func newFleet(ctx context.Context, dir, exe, timing string, n int) (_ *fleet, err error) {
	addrs, err := freeAddrs(2 * n)
	if err != nil {
		return nil, err
	}
	f := &fleet{
		ctx: ctx, exe: exe, procs: make([]*childProc, n),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, IdleConnTimeout: 30 * time.Second}},
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	var peers []replica.Peer
	for i := range n {
		peers = append(peers, replica.Peer{ID: fmt.Sprintf("n%d", i+1), Addr: addrs[i]})
	}
	for i := range n {
		spec := childSpec{
			Node: peers[i].ID, Dir: filepath.Join(dir, peers[i].ID), Addr: addrs[i], Ctrl: addrs[n+i],
			Peers: peers, Timing: timing,
		}
		if err := os.MkdirAll(spec.Dir, 0o700); err != nil {
			return nil, err
		}
		lf, err := os.OpenFile(filepath.Join(dir, spec.Node+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, err
		}
		f.specs = append(f.specs, spec)
		f.logs = append(f.logs, lf)
	}
	for i := range n {
		if err := f.start(i); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// freeAddrs returns n loopback addresses that were free a moment ago.
func freeAddrs(n int) ([]string, error) {
	var addrs []string
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}

// start starts node i's process.
func (f *fleet) start(i int) error {
	js, err := json.Marshal(f.specs[i])
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(f.ctx, f.exe)
	cmd.Env = append(os.Environ(), childEnv+"="+string(js))
	cmd.Stdout, cmd.Stderr = f.logs[i], f.logs[i]
	cmd.WaitDelay = 3 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", f.specs[i].Node, err)
	}
	f.procs[i] = &childProc{cmd: cmd, stdin: stdin}
	return nil
}

// kill sends SIGKILL to node i and reaps it.
func (f *fleet) kill(i int) error {
	p := f.procs[i]
	if p == nil {
		return nil
	}
	f.procs[i] = nil
	err := p.cmd.Process.Kill()
	_ = p.cmd.Wait() // "signal: killed"
	return err
}

// stop asks node i to exit (its stdin closes), and kills it if it has not
// within 3 s.
func (f *fleet) stop(i int) {
	p := f.procs[i]
	if p == nil {
		return
	}
	f.procs[i] = nil
	p.stdin.Close()
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// Close stops every node and closes the log files.
func (f *fleet) Close() {
	for i := range f.procs {
		f.stop(i)
	}
	for _, lf := range f.logs {
		lf.Close()
	}
	f.client.CloseIdleConnections()
}

// status asks node i for its view of the cluster.
func (f *fleet) status(ctx context.Context, i int) (childStatus, error) {
	var st childStatus
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+f.specs[i].Ctrl+"/status", nil)
	if err != nil {
		return st, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// propose asks node i to replicate one event; the child gives Propose
// timeout. It returns the log index once committed and applied.
func (f *fleet) propose(ctx context.Context, i int, timeout time.Duration) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout+time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+f.specs[i].Ctrl+"/propose?timeout="+timeout.String(), nil)
	if err != nil {
		return 0, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: propose: %s: %s", f.specs[i].Node, resp.Status, strings.TrimSpace(string(b)))
	}
	var out struct{ Index uint64 }
	return out.Index, json.Unmarshal(b, &out)
}

// waitStable waits until every running node follows one leader, that leader
// commits a write, and every running node has applied it. It returns the
// leader's index.
func (f *fleet) waitStable(ctx context.Context, limit time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var lastErr error
	for {
		leader, err := f.tryStable(ctx)
		if err == nil {
			return leader, nil
		}
		lastErr = err
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return -1, fmt.Errorf("cluster not stable within %v: %w", limit, lastErr)
		}
	}
}

func (f *fleet) tryStable(ctx context.Context) (int, error) {
	sts := make([]childStatus, len(f.procs))
	leader := -1
	for i, p := range f.procs {
		if p == nil {
			continue
		}
		st, err := f.status(ctx, i)
		if err != nil {
			return -1, err
		}
		sts[i] = st
		if st.State == "Leader" {
			leader = i
		}
	}
	if leader < 0 {
		return -1, errors.New("no leader")
	}
	for i, p := range f.procs {
		if p != nil && sts[i].Leader != f.specs[leader].Node {
			return -1, fmt.Errorf("%s follows %q, not %s", f.specs[i].Node, sts[i].Leader, f.specs[leader].Node)
		}
	}
	idx, err := f.propose(ctx, leader, time.Second)
	if err != nil {
		return -1, err
	}
	for i, p := range f.procs {
		if p == nil {
			continue
		}
		for {
			st, err := f.status(ctx, i)
			if err != nil {
				return -1, err
			}
			if st.Applied >= idx {
				break
			}
			select {
			case <-time.After(5 * time.Millisecond):
			case <-ctx.Done():
				return -1, fmt.Errorf("%s stuck at applied %d < %d", f.specs[i].Node, st.Applied, idx)
			}
		}
	}
	return leader, nil
}
