package central

import "errors"

// Sentinel errors of a pull. Each wraps the detail that names the node, the
// field and the value; errors.Is tells them apart.
var (
	// ErrTransport: the node could not be reached or the connection broke
	// (a WAN outage). Retried with backoff; no alarm until the facility
	// is dark.
	ErrTransport = errors.New("central: node unreachable")
	// ErrCertificate: the node's certificate is not a node certificate of
	// the facility's CA (another CA, another role, expired).
	ErrCertificate = errors.New("central: node certificate refused")
	// ErrRefused: the node refused HQ (401/403: HQ's certificate is not a
	// central one of its CA) or answered with an unexpected status.
	ErrRefused = errors.New("central: node refused the pull")
	// ErrOversized: the response is larger than HQ asked for.
	ErrOversized = errors.New("central: response too large")
	// ErrMalformed: the response is not a valid page of this facility.
	ErrMalformed = errors.New("central: malformed response")
	// ErrBackwards: the records' sequence numbers go backwards, or a node
	// holds fewer records than HQ already has.
	ErrBackwards = errors.New("central: sequence went backwards")
	// ErrBehind: the node holds fewer records than HQ already has — a
	// follower that has not applied the newest entries yet, or a facility
	// whose feed was reset. Another node is tried; no alarm until dark.
	ErrBehind = errors.New("central: node is behind HQ")
	// ErrHole: the records skip sequence numbers without a gap record.
	ErrHole = errors.New("central: records skip sequence numbers")
	// ErrConflict: a record differs from the one HQ stored under the same
	// sequence number.
	ErrConflict = errors.New("central: record differs from the one stored")
	// ErrWitness: a checkpoint does not verify, or is not consistent with
	// the one HQ witnessed before.
	ErrWitness = errors.New("central: audit checkpoint not consistent")
	// ErrUnknown: no such facility or alarm.
	ErrUnknown = errors.New("central: unknown")
)

// rejected reports whether err is bad input from a node: it is refused,
// nothing of it is stored, and an alarm is raised.
func rejected(err error) bool {
	for _, e := range []error{ErrCertificate, ErrRefused, ErrOversized, ErrMalformed, ErrBackwards, ErrHole, ErrConflict} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
