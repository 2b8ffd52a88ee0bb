// Package replica replicates a facility's commands with raft and applies
// them into bbolt.
//
// One Replica per node: hashicorp/raft with raft-boltdb/v2 as log and stable
// store, file snapshots, and a finite state machine that applies batches of
// commands (package command) into a bbolt file through an Applier. Callers
// use Propose on any node: a follower forwards to the leader over the
// internal RPC on the same cluster port. Propose batches concurrent commands
// into one log entry, retries through leader changes with the same command
// id, and the state machine remembers ids, so every command applies exactly
// once. ReadIndex makes a following View linearizable.
//
// See DESIGN.md beside this file for the reasons behind these choices.
package replica
