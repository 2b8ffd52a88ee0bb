// Package audit is the facility's tamper-evident record: an append-only
// Merkle tree in the style of RFC 6962 / RFC 9162 (Certificate
// Transparency) over every committed command, and signed checkpoints of it.
//
//   - merkle.go: the pure part — leaf and node hashes, roots, inclusion and
//     consistency proofs and their verification, over any source of
//     perfect-subtree hashes (in memory, or stored).
//   - record.go: a leaf is a Record — the command, its raft log index and
//     append time, and the applier's refusal if it refused.
//   - store.go, recorder.go: Recorder wraps the facility's replica.Applier
//     and appends each command it applies to the tree in the same bbolt
//     transaction, storing every completed perfect subtree so roots and
//     proofs take O(log n) reads.
//   - checkpoint.go, recorder.go: Signer, on the leader, signs (Ed25519,
//     the node certificate's key) "tree of size n has root r" and commits it
//     as an audit.checkpoint command, which every node checks against its
//     own tree before recording it.
//   - verify.go, prove.go: offline verification of a node's state file —
//     re-hash every record, recompute every checkpointed root — and the
//     proofs `palisade audit prove` prints.
//
// DESIGN.md beside this file says what each defence answers and what it
// does not.
package audit
