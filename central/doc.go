// Package central is the provincial headquarters service (`palisade
// central --config hq.yaml`): it pulls every facility's uplink feed (see
// sync/uplink) and shows the province on one dashboard.
//
//   - config.go: hq.yaml — facilities, their nodes' uplink URLs, the
//     facility CA and HQ's central certificate for it; strict decoding,
//     errors with file, line and key.
//   - puller.go, client.go: one puller per facility, over mutual TLS, from
//     the node that answered last and on to the next when one fails, with
//     exponential backoff; pages are bounded and validated before anything
//     is stored. Bad input (wrong certificate, malformed, oversized,
//     sequence going backwards or skipping) is refused with an alarm.
//   - store.go, alarms.go: an embedded bbolt file; a page, the cursor after
//     it and the checkpoint witnessed with it commit in one synced
//     transaction; (facility, sequence) makes a re-delivered record a no-op.
//     HQ alarms: facility dark, audit witness, bad response, records lost.
//   - witness.go: HQ remembers each facility's last audit checkpoint and
//     checks every newer one against it with a Merkle consistency proof.
//   - service.go, api.go, static/: the HTTP API, the embedded dashboard and
//     Prometheus metrics.
//
// DESIGN.md says why.
package central
