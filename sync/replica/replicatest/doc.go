// Package replicatest starts real raft clusters on 127.0.0.1 for tests:
// every node with its own data directory, its own TCP listener and the same
// code path as production.
package replicatest
