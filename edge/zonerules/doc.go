// Package zonerules decides who is where they must not be. It reads the
// facility file's zone rules (who may be in a zone, by person, group, role
// or home cell, during which hours on which days), the zones' capacities,
// the keep-separates and the two-staff zones, and judges a snapshot of
// where presence puts everyone at a given time.
//
// [Rules.Evaluate] is pure: a [Snapshot] (person id → zone and since) and
// the time in, the [Violation]s out — unauthorised presence with the rule
// that forbids it, a zone over capacity, residents kept apart in one zone,
// a resident with fewer than two staff — each with the zone, the people
// and a stable key. [Tracker] turns the successive judgements into
// "raise this" once per ongoing violation and "clear that" when it ends;
// [Monitor] is both, safe for concurrent use, returning alarm values.
//
// Wiring on a node (the presence package's state adapted to a Snapshot):
//
//	mon := zonerules.NewMonitor(f)
//	// after every committed presence transition, and every few seconds
//	// (a schedule window closes while nobody moves):
//	raise, clear := mon.Check(snapshot, now)
//	// raise: alarm.Service.RaiseLocal; clear: the keys that ended.
//
// Schedules are read on the facility's clocks; see DESIGN.md for the
// choices (zones are trees, cells count beds, windows belong to the day
// they start on).
package zonerules
