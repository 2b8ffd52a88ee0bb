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

	queue    chan string
	instance string // this process's executor, in actuate.start
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
	if e.instance == "" {
		e.instance = command.NewID().String()
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
			// Bounded: without a quorum the request is left alone (it
			// will be refused as too old if it is ever looked at again).
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := e.execute(rctx, id)
			cancel()
			if err != nil && ctx.Err() == nil {
				e.Logger.Error("actuation", "id", id, "err", err)
			}
		case <-ctx.Done():
			return
		}
	}
}

func (e *Executor) execute(ctx context.Context, id string) error {
	// A linearizable read: if this request was ever started or finished
	// (by this node before a restart), we see it here.
	if err := e.Replica.ReadIndex(ctx); err != nil {
		return fmt.Errorf("no quorum, not acting: %w", err)
	}
	var a Actuation
	var ok bool
	if err := e.Replica.View(func(tx *bolt.Tx) error { a, ok = Get(tx, id); return nil }); err != nil {
		return err
	}
	if !ok {
		return nil
	}
	switch a.State {
	case Requested:
	case Executing:
		if a.Executor == e.instance {
			return nil // ours, being handled
		}
		// A previous run of this node recorded the start and died before
		// the result: the hardware may or may not have moved. Say so;
		// never move it again on a replay.
		return e.finish(ctx, id, Result{ID: id, Error: "outcome unknown: the node restarted while acting; check the device"})
	default:
		return nil
	}
	out := e.Outputs[a.Request.Device]
	switch age := e.Now().Sub(a.CommittedAt); {
	case age > e.MaxAge:
		return e.finish(ctx, id, Result{ID: id, Error: fmt.Sprintf("expired: not executed %s after the request (limit %s)", age.Round(time.Second), e.MaxAge)})
	case out == nil:
		return e.finish(ctx, id, Result{ID: id, Error: fmt.Sprintf("node %s has no output %q", e.Node, a.Request.Device)})
	}
	// Write ahead: record that this executor is about to act. Only the
	// executor whose start committed moves the hardware.
	if err := e.propose(ctx, KindStart, "actuate.start/"+id+"/"+e.instance, Start{ID: id, Executor: e.instance}); err != nil {
		return fmt.Errorf("not acting, start not recorded: %w", err)
	}
	rb, err := out.Set(ctx, a.Request.Action, a.Request.Duration)
	res := Result{ID: id, OK: err == nil, ReadBack: rb}
	if err != nil {
		res.Error = err.Error()
	}
	e.Logger.Info("actuated", "device", a.Request.Device, "action", a.Request.Action, "by", a.RequestedBy, "read_back", rb, "err", err)
	return e.finish(ctx, id, res)
}

func (e *Executor) finish(ctx context.Context, id string, res Result) error {
	return e.propose(ctx, KindResult, "actuate.result/"+id, res)
}

// propose commits a command whose id is derived from key, so a retry of
// the same step applies once.
func (e *Executor) propose(ctx context.Context, kind, key string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(key))
	c := &command.Command{Kind: kind, Node: e.Node, Actor: e.Node, Time: e.Now().UTC(), Body: b}
	copy(c.ID[:], sum[:])
	_, err = e.Replica.Propose(ctx, c)
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
