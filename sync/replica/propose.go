package replica

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"

	"github.com/palisade/palisade/sync/command"
)

// proposal is one command waiting for its batch to commit.
type proposal struct {
	c     *command.Command
	start time.Time
	done  chan outcome // buffered: the waiter never blocks on a gone caller
}

type outcome struct {
	res Result
	err error
}

type inflight struct {
	f     raft.ApplyFuture
	batch []*proposal
}

// runBatcher turns queued proposals into log entries. It takes what is
// queued at the moment (up to MaxBatch) into one entry and hands the future
// to runWaiter without waiting for it, so entries are pipelined: while one
// commits, the next batch grows. Under light load a batch is one command and
// adds no latency; under heavy load batches grow by themselves.
func (r *Replica) runBatcher(ctx context.Context) {
	defer r.wg.Done()
	batch := make([]*proposal, 0, r.cfg.MaxBatch)
	cmds := make([]*command.Command, 0, r.cfg.MaxBatch)
	for {
		batch = batch[:0]
		select {
		case p := <-r.proposeCh:
			batch = append(batch, p)
		case <-ctx.Done():
			return
		}
	drain:
		for len(batch) < r.cfg.MaxBatch {
			select {
			case p := <-r.proposeCh:
				batch = append(batch, p)
			default:
				break drain
			}
		}
		cmds = cmds[:0]
		for _, p := range batch {
			cmds = append(cmds, p.c)
		}
		data, err := command.EncodeBatch(cmds)
		if err != nil { // commands are validated before queueing
			failAll(batch, err)
			continue
		}
		r.metrics.batchSize.Observe(float64(len(batch)))
		fl := inflight{f: r.raft.Apply(data, r.cfg.ApplyTimeout), batch: append([]*proposal(nil), batch...)}
		select {
		case r.inflightCh <- fl:
		case <-ctx.Done():
			failAll(fl.batch, ErrClosed)
			return
		}
	}
}

// runWaiter completes proposals in commit order.
func (r *Replica) runWaiter(ctx context.Context) {
	defer r.wg.Done()
	for {
		select {
		case fl := <-r.inflightCh:
			r.complete(fl)
		case <-ctx.Done():
			// Drain what was handed over; raft.Shutdown (after us) fails
			// any future still open.
			for {
				select {
				case fl := <-r.inflightCh:
					failAll(fl.batch, ErrClosed)
				default:
					return
				}
			}
		}
	}
}

func (r *Replica) complete(fl inflight) {
	if err := fl.f.Error(); err != nil {
		failAll(fl.batch, err)
		return
	}
	applied, _ := fl.f.Response().([]Applied)
	now := time.Now()
	for i, p := range fl.batch {
		if i >= len(applied) {
			p.done <- outcome{err: errors.New("replica: state machine returned no outcome")}
			continue
		}
		a := applied[i]
		o := outcome{res: Result{Index: a.Index, Value: a.Result}}
		if a.Err != nil {
			o.err = a.Err
			if !errors.Is(a.Err, ErrRejected) {
				o.err = fmt.Errorf("%w: %v", ErrRejected, a.Err)
			}
		}
		r.metrics.proposeSeconds.Observe(now.Sub(p.start).Seconds())
		p.done <- o
	}
}

func failAll(ps []*proposal, err error) {
	for _, p := range ps {
		p.done <- outcome{err: err}
	}
}

// retryable reports errors after which the same command may be proposed
// again: the leader changed, or no leader was known yet. The command id makes
// the retry safe: if the first attempt did commit, the retry returns its
// outcome instead of applying twice.
func retryable(err error) bool {
	return errors.Is(err, raft.ErrLeadershipLost) ||
		errors.Is(err, raft.ErrNotLeader) ||
		errors.Is(err, raft.ErrLeadershipTransferInProgress) ||
		errors.Is(err, raft.ErrEnqueueTimeout) ||
		errors.Is(err, ErrNoLeader) ||
		errors.Is(err, ErrNotLeader) ||
		errors.Is(err, errForward)
}

// Propose replicates c and returns once it is committed by a quorum and
// applied into this facility's state on the leader. It retries through
// leader changes until ctx ends, with the same command id, so the command is
// applied exactly once. c.ID and c.Time are set if zero; c.Node is set to
// this node if empty.
//
// Without a quorum Propose fails when ctx ends with an error wrapping
// ErrNoLeader (or the last raft error); a command that moves hardware must
// then not be acted on.
func (r *Replica) Propose(ctx context.Context, c *command.Command) (Result, error) {
	if c.ID.IsZero() {
		c.ID = command.NewID()
	}
	if c.Time.IsZero() {
		c.Time = time.Now().UTC()
	}
	if c.Node == "" {
		c.Node = r.cfg.NodeID
	}
	if err := c.Validate(); err != nil {
		return Result{}, err
	}
	backoff := 2 * time.Millisecond
	for {
		changed := r.leaderChanged()
		res, err := r.proposeOnce(ctx, c)
		if err == nil || !retryable(err) {
			return res, err
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-changed:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return Result{}, fmt.Errorf("replica %s: propose %s: %w (%w)", r.cfg.NodeID, c.Kind, err, ctx.Err())
		case <-r.closed:
			t.Stop()
			return Result{}, ErrClosed
		}
		backoff = min(backoff*2, 20*time.Millisecond)
	}
}

func (r *Replica) proposeOnce(ctx context.Context, c *command.Command) (Result, error) {
	if r.raft.State() == raft.Leader {
		return r.proposeLocal(ctx, c)
	}
	addr, id := r.raft.LeaderWithID()
	if addr == "" || string(id) == r.cfg.NodeID {
		return Result{}, ErrNoLeader
	}
	// Bound one forward: a leader that is powered off does not refuse the
	// connection, it just never answers.
	fctx, cancel := context.WithTimeout(ctx, forwardTimeout)
	defer cancel()
	res, err := r.forwardPropose(fctx, string(addr), c)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w: leader %s did not answer within %s", errForward, addr, forwardTimeout)
	}
	return res, err
}

const forwardTimeout = 2 * time.Second

// proposeLocal queues c for the batcher; the caller must be the leader.
func (r *Replica) proposeLocal(ctx context.Context, c *command.Command) (Result, error) {
	p := &proposal{c: c, start: time.Now(), done: make(chan outcome, 1)}
	select {
	case r.proposeCh <- p:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	case <-r.closed:
		return Result{}, ErrClosed
	}
	select {
	case o := <-p.done:
		return o.res, o.err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	case <-r.closed:
		return Result{}, ErrClosed
	}
}
