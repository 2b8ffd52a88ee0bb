// Package apiclient is a Go client of the node's HTTP API, as an operator's
// console uses it: log in, list, raise, acknowledge and resolve alarms,
// follow the live event stream. End-to-end tests and benchmarks drive nodes
// through it.
package apiclient
