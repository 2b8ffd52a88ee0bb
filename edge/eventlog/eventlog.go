package eventlog

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// KindRecord is the command kind of one journal entry.
const KindRecord = "event.record"

// ErrInvalid is returned for an event without a kind or with oversized fields.
var ErrInvalid = errors.New("eventlog: invalid event")

var bucketEvents = []byte("events") // time(8) + command id(16) → JSON Event

// Event is one journal entry.
type Event struct {
	Kind   string    `json:"kind"` // e.g. "door.opened"
	Device string    `json:"device,omitempty"`
	Zone   string    `json:"zone,omitempty"`
	Detail string    `json:"detail,omitempty"`
	At     time.Time `json:"at"` // set from the command time when applied
}

// Applier applies event.record commands. Entries older than Retention,
// measured against the time the leader appended the new entry (the same on
// every node, and not movable by one proposer's wrong clock), are pruned as
// new ones arrive.
type Applier struct {
	Retention time.Duration // default 30 days
}

// Apply implements replica.Applier.
func (a Applier) Apply(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	if c.Kind != KindRecord {
		return nil, fmt.Errorf("%w: unknown command kind %q", ErrInvalid, c.Kind)
	}
	var ev Event
	if err := json.Unmarshal(c.Body, &ev); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if ev.Kind == "" || len(ev.Kind) > 64 || len(ev.Detail) > 1000 {
		return nil, fmt.Errorf("%w: needs a kind (≤ 64 bytes) and a detail ≤ 1000 bytes", ErrInvalid)
	}
	b, err := tx.CreateBucketIfNotExists(bucketEvents)
	if err != nil {
		return nil, err
	}
	// The body is stored as proposed; the time is in the key (see Recent).
	key := binary.BigEndian.AppendUint64(nil, uint64(c.Time.UnixNano()))
	if err := b.Put(append(key, c.ID[:]...), c.Body); err != nil {
		return nil, err
	}
	ret := a.Retention
	if ret <= 0 {
		ret = 30 * 24 * time.Hour
	}
	cutoff := uint64(e.Time.Add(-ret).UnixNano())
	cur := b.Cursor()
	for k, _ := cur.First(); k != nil && binary.BigEndian.Uint64(k) < cutoff; k, _ = cur.First() {
		if err := cur.Delete(); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// Recent returns up to n newest events, newest first.
func Recent(tx *bolt.Tx, n int) []Event {
	b := tx.Bucket(bucketEvents)
	if b == nil {
		return nil
	}
	var out []Event
	cur := b.Cursor()
	for k, v := cur.Last(); k != nil && len(out) < n; k, v = cur.Prev() {
		var ev Event
		if json.Unmarshal(v, &ev) == nil && len(k) >= 8 {
			ev.At = time.Unix(0, int64(binary.BigEndian.Uint64(k))).UTC()
			out = append(out, ev)
		}
	}
	return out
}

// Command returns the command recording ev.
func Command(ev Event, actor string) (*command.Command, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	return &command.Command{ID: command.NewID(), Kind: KindRecord, Actor: actor, Body: body}, nil
}
