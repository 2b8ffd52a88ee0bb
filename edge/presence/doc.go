// Package presence turns RFID tag reads into where people are: reads at
// a doorway reader become crossings, crossings become transitions
// "person P (EPC) is in zone Z since T, from Y", and only transitions are
// committed — a tag read 700 times a second in a doorway yields one log
// entry, not 700.
//
// It has two halves, like every replicated domain of the node:
//
//   - Engine (engine.go, session.go) is local and pure: no I/O, no clock.
//     Read takes a sensors/rfid Read (its time is the read's), Tick takes
//     the time; both return Outputs — Transition, UnknownTag (an
//     unregistered tag on the move, once per tag per window), Missing (a
//     resident no reader saw for a configured time) and Found. An
//     impossible crossing (the person's zone is neither side of the
//     doorway) is still a Transition, flagged with its reason. Sync feeds
//     committed states back, so an engine knows crossings other nodes'
//     readers saw.
//   - Applier (apply.go, state.go) is the deterministic half: the commands
//     presence.transition, presence.missing and presence.found (Command
//     builds them, with ids derived from what happened) applied into
//     bbolt: the person's State, a zone index, and a bounded history
//     kept in order of time; the queries (query.go) serve the console and
//     reports: Where, All, InZone, Counts, History, ZoneAt, Stays.
//
// Wiring on a node, for each rfid_reader of the facility file (zones
// [a, b] → DoorwayReader, [z] → AreaReader) and each person with tags:
//
//	eng, err := presence.New(cfg, log)
//	router["presence"] = presence.Applier{Dir: eng.Registry()}
//	// at start, after the replica caught up:
//	replica.View(func(tx) { for _, st := range presence.All(tx) { eng.Sync(st) } })
//	// each reader's publish:      outs := eng.Handle(ev)
//	// a ticker (≤ Gap/2):         outs := eng.Tick(time.Now())
//	// outs: presence.Command(o, node) → Propose (off the reader's goroutine);
//	//       presence.Alarm(o) → alarm RaiseLocal
//	// observer: for _, st := range presence.Committed(as) { eng.Sync(st) }
//
// See DESIGN.md for why it decides as it does and what was rejected.
package presence
