// Package pki is the facility's own certificate authority: it needs no
// outside service. Every certificate carries its holder's role (node,
// central, console, kiosk) and name in a URI subject alternative name,
// "palisade:<role>/<name>", and every peer checks that role, not a host
// name: a kiosk certificate cannot join raft even though the same CA signed
// it.
package pki
