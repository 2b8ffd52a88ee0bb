// Package audit holds the facility's tamper-evident record: a Merkle tree in
// the style of RFC 6962 / RFC 9162 (Certificate Transparency) over every
// committed command, with inclusion proofs (this record is in the tree of
// size n) and consistency proofs (the tree of size m is a prefix of the tree
// of size n).
//
// This file set is the pure part — hashing, roots, proofs and their
// verification, no I/O. Signed checkpoints, the leaf bucket maintained at
// apply time and the `palisade audit` commands build on it (issue 3).
package audit
