package actuator

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// Output is one piece of hardware a node can move: a relay for a lock, a
// strike, a siren. Set acts and reports what the hardware reads back.
//
// Concurrency: Set is called from the executor's goroutine only.
type Output interface {
	Set(ctx context.Context, a Action, d time.Duration) (readBack string, err error)
}

// Replica is what the executor needs of the replicated log.
type Replica interface {
	Propose(ctx context.Context, c *command.Command) (replica.Result, error)
	View(fn func(*bolt.Tx) error) error
	ReadIndex(ctx context.Context) error
}

// Executor executes the committed requests addressed to this node.
type Executor struct {
	Node    string
	Outputs map[string]Output // device id → output, the devices this node owns
	Replica Replica
	MaxAge  time.Duration // older requests are refused, not executed; default 10 s
	Now     func() time.Time
	Logger  *slog.Logger

	queue chan string
}

func (e *Executor) init() {
	if e.queue == nil {
		e.queue = make(chan string, 256)
	}
	if e.MaxAge <= 0 {
		e.MaxAge = 10 * time.Second
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.Logger == nil {
		e.Logger = slog.Default()
	}
}

// NewExecutor returns an executor; set Replica before Run.
func NewExecutor(node string, outputs map[string]Output, log *slog.Logger) *Executor {
	e := &Executor{Node: node, Outputs: outputs, Logger: log}
	e.init()
	return e
}

// Observe queues the applied requests addressed to this node. It runs on
// the replica's FSM goroutine and does not block: a request that does not
// fit in the queue is left for the log's next replay and will expire
// (nothing moves late).
func (e *Executor) Observe(as []replica.Applied) {
	for _, a := range as {
		if a.Err != nil || a.Command.Kind != KindRequest {
			continue
		}
		var r Request
		if json.Unmarshal(a.Command.Body, &r) != nil || r.Node != e.Node {
			continue
		}
		select {
		case e.queue <- a.Command.ID.String():
		default:
			e.Logger.Error("actuation queue full; request dropped", "id", a.Command.ID.String(), "device", r.Device)
		}
	}
}

// Run executes queued requests until ctx ends.
func (e *Executor) Run(ctx context.Context) {
	for {
		select {
		case id := <-e.queue:
			if err := e.execute(ctx, id); err != nil && ctx.Err() == nil {
				e.Logger.Error("actuation", "id", id, "err", err)
			}
		case <-ctx.Done():
			return
		}
	}
}

func (e *Executor) execute(ctx context.Context, id string) error {
	// A linearizable read: if a result was ever committed for this request
	// (by this node before a restart), we see it here and do nothing.
	if err := e.Replica.ReadIndex(ctx); err != nil {
		return fmt.Errorf("no quorum, not acting: %w", err)
	}
	var a Actuation
	var ok bool
	if err := e.Replica.View(func(tx *bolt.Tx) error { a, ok = Get(tx, id); return nil }); err != nil {
		return err
	}
	if !ok || a.State != Requested {
		return nil
	}
	res := Result{ID: id}
	out := e.Outputs[a.Request.Device]
	switch age := e.Now().Sub(a.RequestedAt); {
	case age > e.MaxAge:
		res.Error = fmt.Sprintf("expired: not executed %s after the request (limit %s)", age.Round(time.Second), e.MaxAge)
	case out == nil:
		res.Error = fmt.Sprintf("node %s has no output %q", e.Node, a.Request.Device)
	default:
		rb, err := out.Set(ctx, a.Request.Action, a.Request.Duration)
		res.OK, res.ReadBack = err == nil, rb
		if err != nil {
			res.Error = err.Error()
		}
		e.Logger.Info("actuated", "device", a.Request.Device, "action", a.Request.Action, "by", a.RequestedBy, "read_back", rb, "err", err)
	}
	body, _ := json.Marshal(res)
	sum := sha256.Sum256([]byte("actuate.result/" + id))
	c := &command.Command{Kind: KindResult, Node: e.Node, Actor: e.Node, Time: e.Now().UTC(), Body: body}
	copy(c.ID[:], sum[:])
	_, err := e.Replica.Propose(ctx, c)
	return err
}

// NewRequest returns the command that asks for r, on the record as actor
// at terminal.
func NewRequest(r Request, actor, terminal string) (*command.Command, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return &command.Command{ID: command.NewID(), Kind: KindRequest, Actor: actor, Terminal: terminal, Body: body}, nil
}
