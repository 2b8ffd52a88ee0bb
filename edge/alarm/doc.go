// Package alarm is the alarm core of a facility node: alarms with a priority
// (1–4) and a lifecycle raised → acknowledged → resolved, coalescing of
// repeats into one alarm with a count, escalation of unacknowledged alarms on
// a timer, and a live stream of changes for the console.
//
// Every change is a command through the raft log (package replica); the
// state in bbolt is derived from it. An acknowledgement shows as
// acknowledged only once it is committed. A node cut off from its quorum
// keeps the alarms its own devices raise in a durable local outbox, shows
// them marked "not yet replicated", and proposes them again when the quorum
// returns; their command ids make that exactly-once.
package alarm
