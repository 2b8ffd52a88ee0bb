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
// The executor checks, with a linearizable read, that no result exists yet
// before it acts, and refuses requests older than MaxAge: a restarted node
// replaying its log does not re-open a gate, and a gate never opens minutes
// after the button was pressed.
package actuator
