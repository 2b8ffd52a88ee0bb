// Package node is the composition root of one facility node: it wires the
// replica (raft + bbolt), the alarm core, the rules, the simulated or real
// devices the node owns, and the HTTP API and console, and stops them in
// order.
package node
