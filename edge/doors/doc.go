// Package doors supervises and controls the facility's doors. Each door is a
// state machine — secure, unlocked, open, held open, forced — fed by its
// contact, its request-to-exit button, its tamper switch and the cards
// presented at its reader, and told when its lock is released by the
// committed commands that release it. It decides who may pass (access rules
// with hours and days, timed anti-passback, zone lockdown) and turns what
// happens into alarms, lock releases and recorded state changes.
//
//   - door.go: the state machine, pure: every input carries its time, every
//     output is an Effect; no clock, no I/O. Tests replay exact sequences.
//   - access.go: who may pass a door now.
//   - service.go: one node's doors: maps devices to doors, applies effects
//     (alarms through the alarm core, unlocks as committed actuate
//     requests, states as committed door.state commands), ticks the clocks.
//   - apply.go: the replicated door states every console shows.
//
// Life-safety release (fire alarm drops the maglocks) and hard interlocks
// (sally-port gates) stay in the door hardware; this package supervises them
// and never holds a door locked against them.
package doors
