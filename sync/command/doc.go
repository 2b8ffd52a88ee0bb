// Package command defines the unit of replication in Palisade: a typed,
// uniquely identified state change, and its binary codec.
//
// Every state change of a facility — an alarm raised, an acknowledgement, a
// door command, a configuration change — is a Command. Commands travel
// through the raft log in batches (one log entry holds many commands, see
// EncodeBatch) and are applied by the finite state machine of package
// replica. The codec is pure: no I/O, no clock, no allocation beyond the
// result, and it never panics on bad input (see FuzzDecodeBatch).
//
// Wire format of one command (all integers are unsigned varints unless said):
//
//	version byte (1) | id [16]byte | kind str | node str | actor str |
//	terminal str | time (zigzag varint, Unix nanoseconds) | body bytes
//
// where str and bytes are a varint length followed by that many bytes.
// A batch is: 'B' | count | count × (length | command).
package command
