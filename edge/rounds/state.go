package rounds

import (
	"encoding/binary"
	"encoding/json"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Observation is what the officer saw at the cell.
type Observation string

// Observations. A check logged from a tag read at a checkpoint reader
// records none ("") unless the officer adds one at the console.
const (
	NotRecorded    Observation = ""
	Asleep         Observation = "asleep"
	Calm           Observation = "calm"
	Agitated       Observation = "agitated"
	NeedsAttention Observation = "needs_attention"
	Other          Observation = "other" // the note says what
)

// Observations lists the observations an officer may choose, in the
// console's order.
func Observations() []Observation {
	return []Observation{Asleep, Calm, Agitated, NeedsAttention, Other}
}

// Valid reports whether o is one of Observations.
func (o Observation) Valid() bool { return slices.Contains(Observations(), o) }

// Record kinds of a block's history.
const (
	RecordCheck   = "check"
	RecordOverdue = "overdue"
	RecordWatch   = "watch"
)

// Record is one entry of a block's round history: a check, a lapse
// recorded overdue, a resident put on or off watch.
type Record struct {
	Index uint64    `json:"index"`
	At    time.Time `json:"at"` // the log's time
	Kind  string    `json:"kind"`
	Block string    `json:"block"`
	Cell  string    `json:"cell,omitempty"`
	// By is who checked: the officer (a person id) whose tag was read, or
	// the console user; for an overdue record, the node that recorded it;
	// for a watch change, the supervisor.
	By          string      `json:"by,omitempty"`
	Source      string      `json:"source,omitempty"` // reader or console
	Reader      string      `json:"reader,omitempty"`
	Observation Observation `json:"observation,omitempty"`
	Note        string      `json:"note,omitempty"`
	// Interval is the interval that applied to the cell; Due when the
	// check was due (a check after it was late), or the due time that
	// lapsed (overdue).
	Interval time.Duration `json:"interval,omitempty"`
	Due      time.Time     `json:"due,omitzero"`
	// Person and On are a watch change's resident and new state.
	Person string `json:"person,omitempty"`
	On     bool   `json:"on,omitempty"`
}

// Sources of a check.
const (
	SourceReader  = "reader"
	SourceConsole = "console"
)

// Cell is a cell's round state.
type Cell struct {
	Cell  string    `json:"cell"`
	Block string    `json:"block"`
	Since time.Time `json:"since"` // when its rounds began
	Last  *Record   `json:"last,omitempty"`
	// Overdue is the due time whose lapse was recorded (and alarmed);
	// zero when the cell is not overdue.
	Overdue time.Time `json:"overdue,omitzero"`
}

// base is when the cell's current interval began: its last check, or
// the start of its rounds.
func (c Cell) base() time.Time {
	if c.Last != nil {
		return c.Last.At
	}
	return c.Since
}

// Watch is a resident put on or off watch at the console; it overrides
// the facility file's watch list.
type Watch struct {
	Person string    `json:"person"`
	On     bool      `json:"on"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Note   string    `json:"note"`
}

var (
	bucketCells   = []byte("rounds_cells")   // cell → JSON Cell
	bucketWatch   = []byte("rounds_watch")   // person → JSON Watch
	bucketHistory = []byte("rounds_history") // block → bucket: time(8) index(8) → JSON Record
)

// loadCell returns a cell's state; ok is false for a cell whose rounds
// have not begun.
func loadCell(tx *bolt.Tx, cell string) (Cell, bool) {
	b := tx.Bucket(bucketCells)
	if b == nil {
		return Cell{}, false
	}
	var c Cell
	raw := b.Get([]byte(cell))
	if raw == nil || json.Unmarshal(raw, &c) != nil {
		return Cell{}, false
	}
	return c, true
}

func putJSON(tx *bolt.Tx, bucket []byte, key string, v any) error {
	b, err := tx.CreateBucketIfNotExists(bucket)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), raw)
}

// onWatch reports whether a resident is on watch: the console's last word,
// or the facility file's list.
func (p *Plan) onWatch(tx *bolt.Tx, person string) bool {
	if b := tx.Bucket(bucketWatch); b != nil {
		var w Watch
		if raw := b.Get([]byte(person)); raw != nil && json.Unmarshal(raw, &w) == nil {
			return w.On
		}
	}
	return p.watched[person]
}

// cellWatch reports whether one of the cell's residents is on watch.
func (p *Plan) cellWatch(tx *bolt.Tx, cell string) bool {
	return slices.ContainsFunc(p.homes[cell], func(r string) bool { return p.onWatch(tx, r) })
}

// due returns when the cell's next check is due and the interval that
// applies.
func (p *Plan) due(tx *bolt.Tx, c Cell) (time.Time, time.Duration) {
	iv := p.Interval(p.cellWatch(tx, c.Cell))
	return c.base().Add(iv), iv
}

// historyKey orders a block's history by time, then log index, then the
// order of the records one entry made.
func historyKey(at time.Time, index uint64, seq uint16) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 18), uint64(at.UnixNano()))
	k = binary.BigEndian.AppendUint64(k, index)
	return binary.BigEndian.AppendUint16(k, seq)
}

// appendHistory adds r (the seq-th record of its log entry) to its
// block's history and forgets records older than retention before it
// (measured on the log's time: the same on every node).
func appendHistory(tx *bolt.Tx, r Record, seq int, retention time.Duration) error {
	root, err := tx.CreateBucketIfNotExists(bucketHistory)
	if err != nil {
		return err
	}
	h, err := root.CreateBucketIfNotExists([]byte(r.Block))
	if err != nil {
		return err
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := h.Put(historyKey(r.At, r.Index, uint16(seq)), raw); err != nil {
		return err
	}
	from := r.At.Add(-retention)
	if from.Before(time.Unix(0, 0)) {
		return nil
	}
	cutoff := uint64(from.UnixNano())
	cur := h.Cursor()
	for k, _ := cur.First(); k != nil && binary.BigEndian.Uint64(k) < cutoff; k, _ = cur.First() {
		if err := h.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
