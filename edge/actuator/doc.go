// Package actuator moves hardware only on a committed command.
//
// An operator or a rule proposes "actuate.request" (device, action, owning
// node, reason). Once it is committed and applied, the node that owns the
// device — and only that node — executes it through the device's Output,
// then proposes "actuate.result" with what the hardware read back. So a gate
// opens because the facility's log says so, on the record, never because a
// button was pressed on one node alone; and without a quorum the request
// cannot commit, so nothing moves (fail-secure).
//
// The executor checks, with a linearizable read, that the request is still
// only requested, then commits "actuate.start" (write-ahead, naming this
// executor process) and only then moves the hardware. A node that restarts
// between the start and the result finds the request executing under
// another process and records "outcome unknown" instead of moving anything
// again. Requests older than MaxAge — measured from the time the log
// committed them, not the proposer's clock — are refused: a gate never
// opens minutes after the button was pressed.
package actuator
