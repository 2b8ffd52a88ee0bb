// Package evidence is the facility's record of the evidence files its nodes
// keep for alarms: an "evidence.clip" command says that node N holds clip
// F of camera C for alarm A, with its size, duration and SHA-256. The
// Applier stores it, deterministically, in every node's state, so any
// console can list an alarm's clips, see which node serves each, and check
// a downloaded file against the hash the log holds.
//
// A record is immutable: the same clip recorded again (a retried proposal)
// changes nothing; the same name with another hash is refused.
package evidence
