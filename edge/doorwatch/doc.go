// Package doorwatch is the first rule of the facility: it watches door
// contacts and raises a "door held open" alarm when a door stays open longer
// than allowed. Observations come from the contact driver; alarms go through
// the alarm core as local alarms of the node that owns the door.
//
// The full door state machine (forced, request-to-exit, schedules, locks)
// comes with the access-control issue; this rule is its seed.
package doorwatch
