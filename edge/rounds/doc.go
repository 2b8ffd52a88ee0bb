// Package rounds is the security rounds as a replicated domain: every
// cell of a block checked within its interval (facility.yaml rounds:
// 30 minutes by default, 15 for a cell whose resident is on watch), each
// check on the record with who made it and what they saw.
//
// A check is an officer's tag read at a checkpoint reader ([Sightings]
// turns reads into "rounds.check" commands, one per officer and cell per
// minute) or entered at the console with an observation — asleep, calm,
// agitated, needs attention, other with a note ([ConsoleCheck]). A
// supervisor puts residents on and off watch ("rounds.watch"). Time passes
// through the log: [Plan.Tick] proposes "rounds.start" for cells whose
// rounds have not begun and "rounds.overdue" for cells past due, and the
// applier, judging at the log's time, records the lapse and returns the
// alarm (priority 1 for a cell on watch); the next check clears it.
//
// [Applier] applies the "rounds.*" commands into bbolt; [Plan.Status] is a
// block's round screen, [History] its records over a time range and
// [Plan.ExportCSV] the same as CSV.
//
// Wiring on a node:
//
//	plan, err := rounds.NewPlan(f)
//	router["rounds"] = rounds.Applier{Plan: plan}
//	sight := plan.NewSightings(me)
//	// each RFID read of this node's readers: cmds := sight.Seen(read.Reader, epc, read.Time) → Propose
//	// every few seconds, on any or every node:
//	rep.View(func(tx) { cmds = plan.Tick(tx, me, now) }) → Propose each
//	// observer: raise, clear := rounds.Alarms(as, me) → RaiseLocal / resolve
package rounds
