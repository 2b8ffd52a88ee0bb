// Package headcount is the formal count of residents as a replicated
// state machine.
//
// A count starts at a scheduled time (proposed by a node, [Plan.Tick]) or
// on demand (an officer at the console, [StartCommand]). Its start carries
// the presence snapshot the proposer took, so every node computes the same
// count from the log: for each counted zone (facility.yaml headcount.zones)
// the residents it expects — those whose home cell is in it — and those
// presence puts in it. Officers then confirm each zone ("what presence
// shows is what I see", with the heads counted) or correct it (the count,
// and who is missing and who is there unexpectedly) — [ZoneCommand]. A
// zone reconciles when its count adds up; the count clears when every zone
// has reconciled and every resident missing from their zone was counted in
// exactly one other. Until then its discrepancies ([Problem]) are alarms:
// a count that does not add up, a resident unaccounted for, a resident
// counted twice, presence and the officer disagreeing (a tag without its
// wearer), a count still open at its deadline. A supervisor may cancel a
// count, with a note.
//
// [Count] and its methods are the pure machine; [Applier] applies the
// commands "headcount.start", "headcount.zone", "headcount.cancel" and
// "headcount.late" into bbolt and returns an [Outcome] naming the alarms
// the change raises and clears; [Current], [Get] and [Past] serve the
// console.
//
// Wiring on a node:
//
//	plan, err := headcount.NewPlan(f)
//	router["headcount"] = headcount.Applier{Plan: plan}
//	// every few seconds (the leader is enough):
//	rep.View(func(tx) { cmds = plan.Tick(tx, me, now, presenceSnapshot) }) → Propose each
//	// observer: raise, clear := headcount.Alarms(as, me) → RaiseLocal / resolve
//	// console: StartCommand, ZoneCommand, CancelCommand; Current, Past
//
// See DESIGN.md for why a count reconciles as it does.
package headcount
