package replica

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/hashicorp/raft"

	"github.com/palisade/palisade/sync/command"
)

// errForward marks a failure to reach the leader (connection refused, reset,
// the leader stepped down meanwhile): the proposal may be retried.
var errForward = errors.New("replica: forward to leader failed")

// The internal RPC is plain HTTP over the cluster port (protocol byte 'P').
// Paths:
//
//	POST /propose   body: one encoded command → rpcResult
//	POST /readindex → {"index": n} after the leader verified its leadership
//	POST /join      {"id","addr"}        (leader only)
//	POST /remove    {"id"}               (leader only)
//
// A follower answers 421 Misdirected Request with the leader it knows.
type rpcResult struct {
	Index    uint64 `json:"index"`
	Value    []byte `json:"value,omitempty"`
	Error    string `json:"error,omitempty"`
	Rejected bool   `json:"rejected,omitempty"`
}

const maxRPCBody = command.MaxBody + 4096

func (r *Replica) rpcHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /propose", func(w http.ResponseWriter, req *http.Request) {
		if !r.requireLeader(w) {
			return
		}
		body, err := io.ReadAll(io.LimitReader(req.Body, maxRPCBody))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c, err := command.Decode(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		res, err := r.proposeLocal(req.Context(), c)
		out := rpcResult{Index: res.Index, Value: res.Value}
		if err != nil {
			out.Error = err.Error()
			out.Rejected = errors.Is(err, ErrRejected)
			if !out.Rejected {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("POST /readindex", func(w http.ResponseWriter, req *http.Request) {
		if !r.requireLeader(w) {
			return
		}
		idx, err := r.leaderReadIndex()
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]uint64{"index": idx})
	})
	mux.HandleFunc("POST /join", func(w http.ResponseWriter, req *http.Request) {
		var m struct{ ID, Addr string }
		if err := json.NewDecoder(io.LimitReader(req.Body, 4096)).Decode(&m); err != nil || m.ID == "" || m.Addr == "" {
			http.Error(w, "join: want {\"id\",\"addr\"}", http.StatusBadRequest)
			return
		}
		if !r.requireLeader(w) {
			return
		}
		if err := r.raft.AddVoter(raft.ServerID(m.ID), raft.ServerAddress(m.Addr), 0, 10*time.Second).Error(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("POST /remove", func(w http.ResponseWriter, req *http.Request) {
		var m struct{ ID string }
		if err := json.NewDecoder(io.LimitReader(req.Body, 4096)).Decode(&m); err != nil || m.ID == "" {
			http.Error(w, "remove: want {\"id\"}", http.StatusBadRequest)
			return
		}
		if !r.requireLeader(w) {
			return
		}
		if err := r.raft.RemoveServer(raft.ServerID(m.ID), 0, 10*time.Second).Error(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	})
	return mux
}

func (r *Replica) requireLeader(w http.ResponseWriter) bool {
	if r.raft.State() == raft.Leader {
		return true
	}
	addr, _ := r.raft.LeaderWithID()
	http.Error(w, fmt.Sprintf("not the leader; leader is %q", addr), http.StatusMisdirectedRequest)
	return false
}

func newRPCClient(d dialer) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return d.dial(ctx, addr, protoRPC)
		},
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}}
}

// call posts body to the leader at addr and decodes a JSON answer into out.
func (r *Replica) call(ctx context.Context, addr, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+path, bytesReader(body))
	if err != nil {
		return err
	}
	resp, err := r.rpc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %s%s: %v", errForward, addr, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxRPCBody))
	switch {
	case resp.StatusCode == http.StatusMisdirectedRequest:
		return fmt.Errorf("%w: %s", ErrNotLeader, b)
	case resp.StatusCode == http.StatusServiceUnavailable && out != nil:
		// propose answers 503 with a JSON body; decode it below.
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		// The leader refused the request itself (say, a codec version it
		// does not know): retrying the same bytes cannot help.
		return fmt.Errorf("replica: leader %s refused %s: %s: %s", addr, path, resp.Status, b)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("%w: %s%s: %s: %s", errForward, addr, path, resp.Status, b)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%w: %s%s: bad answer: %v", errForward, addr, path, err)
	}
	return nil
}

func (r *Replica) forwardPropose(ctx context.Context, addr string, c *command.Command) (Result, error) {
	data, err := command.Encode(c)
	if err != nil {
		return Result{}, err
	}
	var out rpcResult
	if err := r.call(ctx, addr, "/propose", data, &out); err != nil {
		return Result{}, err
	}
	res := Result{Index: out.Index, Value: out.Value}
	switch {
	case out.Error == "":
		return res, nil
	case out.Rejected:
		return res, fmt.Errorf("%w: %s", ErrRejected, trimRejected(out.Error))
	default:
		// The leader failed to commit (lost leadership, shut down): retry.
		return res, fmt.Errorf("%w: leader %s: %s", errForward, addr, out.Error)
	}
}

func trimRejected(s string) string {
	p := ErrRejected.Error() + ": "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}
