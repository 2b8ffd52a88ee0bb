package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/hashicorp/raft"

	"github.com/palisade/palisade/sync/replica"
)

// childEnv carries a child node's spec (JSON) from the failover harness to
// the re-executed binary.
const childEnv = "PALISADE_BENCH_CHILD"

// Raft timings a child can run with.
const (
	timingPalisade    = "palisade"     // replica.DefaultConfig
	timingRaftDefault = "raft-default" // raft.DefaultConfig: 1s/1s/500ms
)

// childSpec is one child node: everything fixed across its restarts.
type childSpec struct {
	Node   string         `json:"node"`
	Dir    string         `json:"dir"`
	Addr   string         `json:"addr"` // cluster (raft + RPC) address
	Ctrl   string         `json:"ctrl"` // HTTP control address for the harness
	Peers  []replica.Peer `json:"peers"`
	Timing string         `json:"timing"`
}

// childStatus is what a child's GET /status answers.
type childStatus struct {
	Node    string `json:"node"`
	State   string `json:"state"`
	Leader  string `json:"leader"`
	Term    uint64 `json:"term"`
	Commit  uint64 `json:"commit"`
	Applied uint64 `json:"applied"`
}

// MaybeRunChild runs a failover benchmark node and exits if this process
// was started as one (the environment holds PALISADE_BENCH_CHILD); otherwise
// it returns at once. Call it first thing in main, or in TestMain, of any
// program that calls Run.
func MaybeRunChild() {
	v := os.Getenv(childEnv)
	if v == "" {
		return
	}
	var spec childSpec
	if err := json.Unmarshal([]byte(v), &spec); err != nil {
		fmt.Fprintf(os.Stderr, "bench child: %s: %v\n", childEnv, err)
		os.Exit(2)
	}
	if err := runChild(spec); err != nil {
		fmt.Fprintf(os.Stderr, "bench child %s: %v\n", spec.Node, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runChild runs one replica node with a counting applier and its control
// endpoint until SIGTERM/SIGINT or until stdin reaches EOF — the harness
// holds the other end of stdin, so a child never outlives it.
func runChild(spec childSpec) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Owned by the process: it ends when stdin closes, and the process ends
	// right after that.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	cfg := replica.DefaultConfig(spec.Node, spec.Dir)
	if spec.Timing == timingRaftDefault {
		rc := raft.DefaultConfig()
		cfg.HeartbeatTimeout = rc.HeartbeatTimeout
		cfg.ElectionTimeout = rc.ElectionTimeout
		cfg.LeaderLeaseTimeout = rc.LeaderLeaseTimeout
		cfg.CommitTimeout = rc.CommitTimeout
	}
	cfg.Bootstrap = true
	cfg.Peers = spec.Peers
	cfg.Logger = log
	ln, err := listenRetry(ctx, spec.Addr)
	if err != nil {
		return err
	}
	cfg.Listener = ln
	r, err := replica.Open(cfg, &counter{}, nil)
	if err != nil {
		ln.Close()
		return err
	}
	defer r.Close()

	cln, err := listenRetry(ctx, spec.Ctrl)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: childHandler(r), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(cln) }()
	select {
	case <-ctx.Done():
	case err := <-done:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	<-done
	return nil
}

// listenRetry listens on addr, retrying for a while: the address was just
// released by the node's previous process.
func listenRetry(ctx context.Context, addr string) (net.Listener, error) {
	var lastErr error
	for range 100 {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln, nil
		}
		lastErr = err
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, lastErr
}

// childHandler serves the harness:
//
//	GET  /status                 → childStatus
//	POST /propose?timeout=500ms  → 200 {"index":n} once committed and applied, else 503
func childHandler(r *replica.Replica) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		st := r.Status()
		_ = json.NewEncoder(w).Encode(childStatus{
			Node: st.Node, State: st.State, Leader: st.Leader, Term: st.Term, Commit: st.CommitIndex, Applied: st.AppliedIndex,
		})
	})
	mux.HandleFunc("POST /propose", func(w http.ResponseWriter, req *http.Request) {
		timeout, err := time.ParseDuration(req.URL.Query().Get("timeout"))
		if err != nil || timeout <= 0 {
			timeout = 2 * time.Second
		}
		ctx, cancel := context.WithTimeout(req.Context(), timeout)
		defer cancel()
		res, err := r.Propose(ctx, newEvent([]byte("failover")))
		if err != nil {
			code := http.StatusServiceUnavailable
			if errors.Is(err, replica.ErrRejected) {
				code = http.StatusConflict
			}
			http.Error(w, err.Error(), code)
			return
		}
		_, _ = io.WriteString(w, `{"index":`+strconv.FormatUint(res.Index, 10)+"}\n")
	})
	return mux
}
