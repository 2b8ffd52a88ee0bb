// Package bench measures Palisade's replication against the targets of the
// foundation issue and prints each figure beside a baseline measured in the
// same run, so that ratios stay meaningful on a shared, noisy machine where
// absolute times do not.
//
// Two benchmarks:
//
//   - Replication throughput: three sync/replica nodes on loopback, many
//     concurrent clients calling replica.Propose on the leader with 256-byte
//     events, each acknowledged after quorum commit and apply into bbolt.
//     Baseline: bare hashicorp/raft with raft-boltdb/v2 over
//     raft.NewTCPTransport, the same raft settings, the same number of events
//     per log entry as the replica achieved, and an FSM that only counts.
//   - Failover: three child processes, each one replica node; the leader is
//     killed with SIGKILL and the time until a write issued after the kill
//     commits on the new leader is recorded. Baseline: the same with
//     hashicorp/raft's default timeouts.
//
// The failover benchmark re-executes the running binary (os.Executable) as
// its child nodes. Every program that calls Run must therefore call
// MaybeRunChild first thing in main (or TestMain); in a child it runs the
// node and exits, elsewhere it returns at once.
//
// Results and how to reproduce them are in docs/performance.md.
package bench
