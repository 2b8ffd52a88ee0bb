package rounds

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/sync/replica"
)

// DueSoon is how long before its due time a cell shows as due.
const DueSoon = 5 * time.Minute

// Cell states on the console.
const (
	StateNotStarted = "not_started" // the block's rounds have not begun
	StateOK         = "ok"
	StateDue        = "due"     // due within DueSoon
	StateOverdue    = "overdue" // past its due time
)

// CellStatus is one cell of a block's round screen.
type CellStatus struct {
	Cell      string        `json:"cell"`
	Residents []string      `json:"residents"`
	Watch     bool          `json:"watch"` // a resident is on watch
	Interval  time.Duration `json:"interval"`
	Last      *Record       `json:"last,omitempty"`
	Due       time.Time     `json:"due,omitzero"`
	State     string        `json:"state"`
	Late      time.Duration `json:"late,omitempty"` // how long overdue
}

// Status returns the round screen of a block at now: every cell, in
// order, with its last check, when the next is due, and whether it is
// overdue.
func (p *Plan) Status(tx *bolt.Tx, block string, now time.Time) []CellStatus {
	blk, ok := p.block(block)
	if !ok {
		return nil
	}
	out := make([]CellStatus, 0, len(blk.Cells))
	for _, id := range blk.Cells {
		watch := p.cellWatch(tx, id)
		s := CellStatus{Cell: id, Residents: append([]string{}, p.homes[id]...), Watch: watch, Interval: p.Interval(watch), State: StateNotStarted}
		if c, ok := loadCell(tx, id); ok {
			s.Last = c.Last
			s.Due, _ = p.due(tx, c)
			switch {
			case now.After(s.Due):
				s.State, s.Late = StateOverdue, now.Sub(s.Due)
			case s.Due.Sub(now) <= DueSoon:
				s.State = StateDue
			default:
				s.State = StateOK
			}
		}
		out = append(out, s)
	}
	return out
}

// History returns a block's records from from (inclusive) to to
// (exclusive), oldest first.
func History(tx *bolt.Tx, block string, from, to time.Time) []Record {
	root := tx.Bucket(bucketHistory)
	if root == nil {
		return nil
	}
	h := root.Bucket([]byte(block))
	if h == nil {
		return nil
	}
	lo := historyKey(clampEpoch(from), 0, 0)
	hi := binary.BigEndian.AppendUint64(nil, uint64(clampEpoch(to).UnixNano()))
	var out []Record
	c := h.Cursor()
	for k, v := c.Seek(lo); k != nil && bytes.Compare(k, hi) < 0; k, v = c.Next() {
		var r Record
		if json.Unmarshal(v, &r) == nil {
			out = append(out, r)
		}
	}
	return out
}

func clampEpoch(t time.Time) time.Time {
	if t.Before(time.Unix(0, 0)) {
		return time.Unix(0, 0)
	}
	return t
}

// WatchState returns whether a resident is on watch now, and the
// console's last change, if any.
func (p *Plan) WatchState(tx *bolt.Tx, person string) (bool, *Watch) {
	var w *Watch
	if b := tx.Bucket(bucketWatch); b != nil {
		if raw := b.Get([]byte(person)); raw != nil {
			var v Watch
			if json.Unmarshal(raw, &v) == nil {
				w = &v
			}
		}
	}
	return p.onWatch(tx, person), w
}

// Alarms returns the alarms to raise and the keys to clear from applied
// rounds commands that node proposed: each change is raised by the one
// node that caused it. Call it from the replica's observer.
func Alarms(as []replica.Applied, node string) (raise []alarm.Raise, clear []string) {
	for _, a := range as {
		if a.Err != nil || a.Command == nil || a.Command.Node != node {
			continue
		}
		switch a.Command.Kind {
		case KindCheck, KindWatch, KindOverdue:
		default:
			continue
		}
		var o Outcome
		if json.Unmarshal(a.Result, &o) != nil {
			continue
		}
		raise = append(raise, o.Raise...)
		clear = append(clear, o.Clear...)
	}
	return raise, clear
}
