package presence

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/replica"
)

// Queries over the committed state, for the console and the reports.
// Each takes a read transaction (replica.View) and returns what it found;
// a record that does not decode is skipped.

// Load returns a person's state; a person never recorded has only
// Person set.
func Load(tx *bolt.Tx, person string) State {
	st := State{Person: person}
	if b := tx.Bucket(bucketState); b != nil {
		if raw := b.Get([]byte(person)); raw != nil && json.Unmarshal(raw, &st) != nil {
			return State{Person: person}
		}
	}
	return st
}

// Where returns the person's state and whether anything was recorded.
func Where(tx *bolt.Tx, person string) (State, bool) {
	st := Load(tx, person)
	return st, st.Index != 0
}

// All returns every recorded person's state, by person id: what an
// engine is given (Engine.Sync) when the node starts.
func All(tx *bolt.Tx) []State {
	b := tx.Bucket(bucketState)
	if b == nil {
		return nil
	}
	var out []State
	_ = b.ForEach(func(_, v []byte) error {
		var st State
		if json.Unmarshal(v, &st) == nil {
			out = append(out, st)
		}
		return nil
	})
	return out
}

// InZone returns the states of the people in zone, by person id.
func InZone(tx *bolt.Tx, zone string) []State {
	b := tx.Bucket(bucketZones)
	if b == nil {
		return nil
	}
	var out []State
	prefix := zoneKey(zone, "")
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		out = append(out, Load(tx, string(k[len(prefix):])))
	}
	return out
}

// Counts returns how many people each zone holds.
func Counts(tx *bolt.Tx) map[string]int {
	out := map[string]int{}
	b := tx.Bucket(bucketZones)
	if b == nil {
		return out
	}
	_ = b.ForEach(func(k, _ []byte) error {
		if i := bytes.IndexByte(k, 0); i >= 0 {
			out[string(k[:i])]++
		}
		return nil
	})
	return out
}

// historyKey orders records by At, then by log index. The time's sign
// bit is flipped so that times before 1970 sort first.
func historyKey(at time.Time, index uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, uint64(at.UnixNano())^(1<<63))
	binary.BigEndian.PutUint64(k[8:], index)
	return k
}

func historyBucket(tx *bolt.Tx, person string) *bolt.Bucket {
	root := tx.Bucket(bucketHistory)
	if root == nil {
		return nil
	}
	return root.Bucket([]byte(person))
}

// History returns the person's records with At in [from, to), oldest
// first. A zero to means no end.
func History(tx *bolt.Tx, person string, from, to time.Time) []Record {
	h := historyBucket(tx, person)
	if h == nil {
		return nil
	}
	var end []byte
	if !to.IsZero() {
		end = historyKey(to, 0)
	}
	var out []Record
	c := h.Cursor()
	for k, v := c.Seek(historyKey(from, 0)); k != nil && (end == nil || bytes.Compare(k, end) < 0); k, v = c.Next() {
		var r Record
		if json.Unmarshal(v, &r) == nil {
			out = append(out, r)
		}
	}
	return out
}

// ZoneAt returns the transition that put the person where they were at
// t: the latest with At ≤ t. False when the history starts after t.
func ZoneAt(tx *bolt.Tx, person string, t time.Time) (Record, bool) {
	h := historyBucket(tx, person)
	if h == nil {
		return Record{}, false
	}
	c := h.Cursor()
	k, v := c.Seek(historyKey(t.Add(1), 0))
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil; k, v = c.Prev() {
		var r Record
		if json.Unmarshal(v, &r) == nil && r.Kind == RecordTransition {
			return r, true
		}
	}
	return Record{}, false
}

// Stay is a stretch of time a person spent in one zone.
type Stay struct {
	Zone string    `json:"zone"`
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Flagged: the stay began with an anomalous transition (the person
	// got there unseen), so its start is uncertain.
	Flagged bool `json:"flagged,omitempty"`
}

// Stays cuts [from, to) into the stretches the person spent in each zone,
// from the transitions of the history (late ones in their place). Time
// before the first known transition is left out; to must not be zero. Missing declarations do
// not cut a stay: the person's zone is still the last one recorded.
func Stays(tx *bolt.Tx, person string, from, to time.Time) []Stay {
	var out []Stay
	var cur *Stay
	if r, ok := ZoneAt(tx, person, from); ok {
		cur = &Stay{Zone: r.Zone, From: from, Flagged: r.Anomaly != NoAnomaly}
	}
	for _, r := range History(tx, person, from, to) {
		if r.Kind != RecordTransition || (cur != nil && r.Zone == cur.Zone) {
			continue
		}
		if cur != nil {
			cur.To = r.At
			if cur.To.After(cur.From) {
				out = append(out, *cur)
			}
		}
		cur = &Stay{Zone: r.Zone, From: r.At, Flagged: r.Anomaly != NoAnomaly}
	}
	if cur != nil && to.After(cur.From) {
		cur.To = to
		out = append(out, *cur)
	}
	return out
}

// Committed returns the states that applied presence commands left, in
// log order: what the node's observer hands to Engine.Sync.
func Committed(as []replica.Applied) []State {
	var out []State
	for _, a := range as {
		if a.Err != nil || a.Dup || a.Command == nil || !strings.HasPrefix(a.Command.Kind, "presence.") {
			continue
		}
		var st State
		if json.Unmarshal(a.Result, &st) == nil && st.Person != "" {
			out = append(out, st)
		}
	}
	return out
}
