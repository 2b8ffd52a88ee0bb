package headcount

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Get returns count id.
func Get(tx *bolt.Tx, id uint64) (Count, bool) {
	b := tx.Bucket(bucketCounts)
	if b == nil {
		return Count{}, false
	}
	raw := b.Get(idKey(id))
	var c Count
	if raw == nil || json.Unmarshal(raw, &c) != nil {
		return Count{}, false
	}
	return c, true
}

// Current returns the open count, if there is one: the console's count
// screen.
func Current(tx *bolt.Tx) (Count, bool) {
	id, ok := openID(tx)
	if !ok {
		return Count{}, false
	}
	return Get(tx, id)
}

// Past returns up to n counts, newest first, the open one included.
func Past(tx *bolt.Tx, n int) []Count {
	b := tx.Bucket(bucketCounts)
	if b == nil {
		return nil
	}
	var out []Count
	cur := b.Cursor()
	for k, v := cur.Last(); k != nil && len(out) < n; k, v = cur.Prev() {
		var c Count
		if json.Unmarshal(v, &c) == nil {
			out = append(out, c)
		}
	}
	return out
}

// Summary is a count in one line, for lists and for central.
type Summary struct {
	ID         uint64    `json:"id"`
	State      State     `json:"state"`
	Scheduled  bool      `json:"scheduled"`
	StartedAt  time.Time `json:"started_at"`
	StartedBy  string    `json:"started_by"`
	EndedAt    time.Time `json:"ended_at,omitzero"`
	Expected   int       `json:"expected"`   // residents expected in the counted zones
	Located    int       `json:"located"`    // residents presence put in them
	Counted    int       `json:"counted"`    // heads counted in the zones entered
	Zones      int       `json:"zones"`      // counted zones
	Reconciled int       `json:"reconciled"` // zones whose count adds up
	Problems   int       `json:"problems"`
}

// Summarize sums a count up.
func (c Count) Summarize() Summary {
	s := Summary{ID: c.ID, State: c.State, Scheduled: c.Scheduled, StartedAt: c.StartedAt, StartedBy: c.StartedBy,
		EndedAt: c.EndedAt, Zones: len(c.Zones), Problems: len(c.Problems)}
	for _, z := range c.Zones {
		s.Expected += len(z.Expected)
		s.Located += len(z.Located)
		if e, ok := z.Current(); ok {
			s.Counted += e.Counted
		}
		if z.Status == Reconciled {
			s.Reconciled++
		}
	}
	return s
}

func openID(tx *bolt.Tx) (uint64, bool) {
	m := tx.Bucket(bucketMeta)
	if m == nil {
		return 0, false
	}
	v := m.Get(keyOpen)
	if len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

func lastSlot(tx *bolt.Tx) time.Time {
	m := tx.Bucket(bucketMeta)
	if m == nil {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, string(m.Get(keyLastSlot)))
	return t
}

// loadOpen returns count id if it is the open count.
func loadOpen(tx *bolt.Tx, id uint64) (Count, error) {
	c, ok := Get(tx, id)
	if !ok {
		return Count{}, fmt.Errorf("%w: no count %d", ErrClosed, id)
	}
	if c.State != Open {
		return Count{}, fmt.Errorf("%w: count %d is %s", ErrClosed, id, c.State)
	}
	return c, nil
}
