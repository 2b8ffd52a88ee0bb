package osdp

import "time"

// pd is the panel's view of one reader. Everything but queue (guarded by
// Panel.mu) is owned by the Run goroutine.
type pd struct {
	cfg  ReaderConfig
	addr byte
	scbk []byte // current key; nil: SCBK-D (not commissioned)

	seq   byte // last sequence number sent
	reset bool // next command goes out with sequence 0
	sess  *Session

	ready      bool // handshake, ID and CAP done; being polled
	lastReply  time.Time
	id         PDID
	caps       []Capability
	tamper     bool
	downgraded bool // Downgrade raised for the current episode
	failing    string

	queue []queued
}

// nextSeq returns the sequence number of the next new command: 0 after a
// reset, then 1, 2, 3, 1, …
func (d *pd) nextSeq() byte {
	if d.reset {
		d.reset = false
		d.seq = 0
		return 0
	}
	d.seq = d.seq%3 + 1
	return d.seq
}

// keyFor returns the key and key indicator of the next handshake.
func (d *pd) keyFor() ([]byte, byte) {
	if d.scbk == nil {
		return SCBKDefault, KeySCBKD
	}
	return d.scbk, KeySCBK
}
