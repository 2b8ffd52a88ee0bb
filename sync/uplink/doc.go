// Package uplink is the facility's side of the link to the provincial
// headquarters: a deterministic, ordered feed of summary records, and the
// pull protocol that serves it.
//
//   - record.go, summary.go: the records — notable ones (priority 1–2
//     alarms through their lifecycle, sally-port overrides, headcounts) and
//     periodic rollups (open alarms by priority and state, alarms raised,
//     devices offline, cluster size, the last headcount) — numbered 1, 2,
//     3… per facility; Summary is the fold of records HQ's dashboard shows.
//   - feed.go, derive.go, rollup.go: Feed wraps the facility's
//     replica.Applier and derives the records in the transaction that
//     applies each command, so every node holds the same feed, byte for
//     byte. Rollups are made when the committed command uplink.rollup is
//     applied (Ticker proposes it on the leader). Residents' names stay in
//     the facility unless Names is set. Retention by age and bytes; what is
//     pruned is folded into a summary that a puller further behind gets in
//     a gap record — never a silent hole. Deriver is the extension point for
//     domains that are not built in (headcount discrepancies).
//   - page.go, handler.go: GET /v1/uplink/records serves records after a
//     cursor, bounded in count and bytes, with the latest signed audit
//     checkpoint and a consistency proof from the size the puller names,
//     to a client holding a central certificate of the facility CA.
//   - uplinktest: a facility's state file fed through the real appliers,
//     served over mutual TLS; a WAN that can be cut; a fake clock; a busy
//     facility's day.
//
// DESIGN.md beside this file says why it is shaped so, and what was
// rejected.
package uplink
