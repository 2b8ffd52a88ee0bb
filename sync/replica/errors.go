package replica

import "errors"

// Sentinel errors. Callers test them with errors.Is; the wrapping message says
// which node and which step.
var (
	// ErrNoLeader means no leader is known: the cluster is electing or this
	// node is cut off from its quorum. Commands that move hardware must fail
	// on it (fail-secure); alarms go to the local outbox instead.
	ErrNoLeader = errors.New("replica: no leader (no quorum)")

	// ErrNotLeader is returned by leader-only operations called on a follower.
	ErrNotLeader = errors.New("replica: not the leader")

	// ErrRejected wraps the reason an applier refused a command (for
	// example: acknowledging an alarm that is already resolved). The command
	// is in the log; it changed nothing.
	ErrRejected = errors.New("replica: command rejected")

	// ErrClosed is returned after Close.
	ErrClosed = errors.New("replica: closed")
)
