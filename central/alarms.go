package central

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Kinds of HQ alarms.
const (
	// AlarmDark: no pull of the facility succeeded for dark_after. Cleared
	// by the next successful pull.
	AlarmDark = "facility_dark"
	// AlarmWitness: a checkpoint of the facility's audit log does not
	// verify or is not consistent with the one HQ witnessed before — the
	// log was rewritten, or a node equivocates. Resolved by a person.
	AlarmWitness = "audit_witness"
	// AlarmRejected: a node sent something HQ refused (wrong certificate,
	// malformed or oversized page, sequence going backwards or skipping,
	// a record that differs from the stored one). Resolved by a person.
	AlarmRejected = "bad_response"
	// AlarmRecordsLost: the facility pruned records before HQ pulled them
	// (an outage longer than its retention); HQ got a gap and a summary.
	// Resolved by a person.
	AlarmRecordsLost = "records_lost"
)

// Alarm is one HQ alarm about a facility. There is at most one per
// facility and kind: a repeat while it is open counts up.
type Alarm struct {
	ID         string    `json:"id"` // facility/kind
	Facility   string    `json:"facility"`
	Kind       string    `json:"kind"`
	Message    string    `json:"message"` // the last occurrence's
	Node       string    `json:"node,omitempty"`
	Open       bool      `json:"open"`
	Count      int       `json:"count"`
	RaisedAt   time.Time `json:"raised_at"`
	LastAt     time.Time `json:"last_at"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	ResolvedBy string    `json:"resolved_by,omitempty"`
}

// Raise opens the alarm of (facility, kind), or counts a repeat of the
// open one. It reports whether the alarm was newly opened.
func (s *Store) Raise(facility, kind, node, msg string, at time.Time) (Alarm, bool, error) {
	var a Alarm
	var opened bool
	id := facility + "/" + kind
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAlarms)
		if v := b.Get([]byte(id)); v != nil {
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
		}
		if !a.Open {
			a = Alarm{ID: id, Facility: facility, Kind: kind, Open: true, RaisedAt: at}
			opened = true
		}
		a.Count++
		a.Message, a.Node, a.LastAt = msg, node, at
		v, err := json.Marshal(a)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), v)
	})
	return a, opened, err
}

// Resolve closes an open alarm; by is who (or "hq" when automatic). It
// reports whether an open alarm was closed.
func (s *Store) Resolve(id, by string, at time.Time) (bool, error) {
	closed := false
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAlarms)
		v := b.Get([]byte(id))
		if v == nil {
			return fmt.Errorf("%w alarm %q", ErrUnknown, id)
		}
		var a Alarm
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		if !a.Open {
			return nil
		}
		a.Open, a.ResolvedAt, a.ResolvedBy, closed = false, at, by, true
		v, err := json.Marshal(a)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), v)
	})
	return closed, err
}

// Alarms returns the alarms (only the open ones if openOnly), open first,
// newest first; facility "" means every facility.
func (s *Store) Alarms(facility string, openOnly bool) ([]Alarm, error) {
	var out []Alarm
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAlarms).ForEach(func(_, v []byte) error {
			var a Alarm
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			if (facility == "" || a.Facility == facility) && (a.Open || !openOnly) {
				out = append(out, a)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Open != out[j].Open {
			return out[i].Open
		}
		return out[i].LastAt.After(out[j].LastAt)
	})
	return out, err
}
