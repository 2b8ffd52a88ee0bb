package presence

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sensors/rfid"
)

// State is where a person is, as committed.
type State struct {
	Person string    `json:"person"`
	Zone   string    `json:"zone,omitempty"` // "" never placed
	Since  time.Time `json:"since,omitzero"` // the crossing into Zone
	Reader string    `json:"reader,omitempty"`
	From   string    `json:"from,omitempty"`
	// LastSeen is the latest committed sighting (a transition, a found,
	// or the sighting a missing declaration rested on); SeenBy its reader.
	LastSeen     time.Time `json:"last_seen,omitzero"`
	SeenBy       string    `json:"seen_by,omitempty"`
	Missing      bool      `json:"missing,omitempty"`
	MissingSince time.Time `json:"missing_since,omitzero"` // when it was declared
	Index        uint64    `json:"index"`                  // log index of the last change
	History      int       `json:"history"`                // records kept
}

// Record kinds.
const (
	RecordTransition = "transition"
	RecordMissing    = "missing"
	RecordFound      = "found"
)

// Record is one line of a person's history, kept in the order of At
// (when it happened), not of commitment: a transition committed late
// (from a node that was cut off) still lands in its place, so time spent
// in each zone can be computed from the history (see Stays).
type Record struct {
	Kind      string    `json:"kind"`
	Index     uint64    `json:"index"`
	At        time.Time `json:"at"`        // crossing, declaration, or read
	Committed time.Time `json:"committed"` // the log entry's time
	// Zone: the zone entered (transition); where the person was placed
	// (missing); the zone the reading antenna faces (found).
	Zone     string    `json:"zone,omitempty"`
	Prev     string    `json:"prev,omitempty"` // zone before, per this history
	From     string    `json:"from,omitempty"`
	Reader   string    `json:"reader,omitempty"`
	EPC      rfid.EPC  `json:"epc,omitempty"`
	Reads    int       `json:"reads,omitempty"`
	LastSeen time.Time `json:"last_seen,omitzero"` // missing: the sighting it rests on
	Anomaly  Anomaly   `json:"anomaly,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	// Late: older than the person's current zone; it is history only and
	// did not move the person.
	Late bool `json:"late,omitempty"`
	// Found: the transition ended a missing declaration.
	Found bool `json:"found,omitempty"`
}

func zoneKey(zone, person string) []byte {
	k := make([]byte, 0, len(zone)+1+len(person))
	k = append(k, zone...)
	k = append(k, 0)
	return append(k, person...)
}

func moveZone(tx *bolt.Tx, person, from, to string) error {
	if from == to {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists(bucketZones)
	if err != nil {
		return err
	}
	if from != "" {
		if err := b.Delete(zoneKey(from, person)); err != nil {
			return err
		}
	}
	return b.Put(zoneKey(to, person), nil)
}

// appendHistory puts rec and drops the oldest records beyond keep; n is
// how many the person had, the result how many remain. Counting in the
// State keeps pruning O(1) and identical on every node.
func appendHistory(tx *bolt.Tx, person string, rec Record, n, keep int) (int, error) {
	root, err := tx.CreateBucketIfNotExists(bucketHistory)
	if err != nil {
		return 0, err
	}
	h, err := root.CreateBucketIfNotExists([]byte(person))
	if err != nil {
		return 0, err
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return 0, err
	}
	if err := h.Put(historyKey(rec.At, rec.Index), raw); err != nil {
		return 0, err
	}
	n++
	for ; n > keep; n-- {
		c := h.Cursor()
		k, _ := c.First()
		if k == nil {
			break
		}
		if err := c.Delete(); err != nil {
			return 0, err
		}
	}
	return n, nil
}
