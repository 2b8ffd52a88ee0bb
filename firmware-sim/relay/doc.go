// Package relay simulates a relay output (a lock, a strike, a siren) with
// read-back, and records every operation as ground truth for tests.
package relay
