package headcount

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// Command kinds of the headcount domain.
const (
	KindStart  = "headcount.start"  // a count begins: scheduled (by a node) or on demand (by an officer)
	KindZone   = "headcount.zone"   // an officer's confirmation or correction of one zone
	KindCancel = "headcount.cancel" // a supervisor calls the open count off, with a note
	KindLate   = "headcount.late"   // a node records that the open count passed its deadline
)

// keep is how many counts state.db keeps (four a day: over a year).
const keep = 2000

// maxLocated bounds a start's presence snapshot.
const maxLocated = 100000

var (
	bucketCounts = []byte("headcounts")     // id(8) → JSON Count
	bucketMeta   = []byte("headcount_meta") // "open" → id(8); "last_slot" → RFC 3339 UTC
	keyOpen      = []byte("open")
	keyLastSlot  = []byte("last_slot")
)

// StartBody is the payload of headcount.start.
type StartBody struct {
	// Slot is the scheduled time this count answers; zero for a count on
	// demand.
	Slot time.Time `json:"slot,omitzero"`
	// Located is the presence snapshot taken by the proposer: person id →
	// the zone presence puts them in.
	Located map[string]string `json:"located"`
	Note    string            `json:"note,omitempty"`
}

// ZoneBody is the payload of headcount.zone.
type ZoneBody struct {
	Count   uint64   `json:"count"`
	Zone    string   `json:"zone"`
	Confirm bool     `json:"confirm,omitempty"` // "I see what presence shows"
	Counted int      `json:"counted"`
	Missing []string `json:"missing,omitempty"`
	Extra   []string `json:"extra,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// CancelBody is the payload of headcount.cancel; LateBody of headcount.late.
type CancelBody struct {
	Count uint64 `json:"count"`
	Note  string `json:"note"`
}

// LateBody is the payload of headcount.late.
type LateBody struct {
	Count uint64 `json:"count"`
}

// Outcome is an applied command's result: the count it touched, and the
// alarms its change raises and clears. The node that proposed the command
// raises them ([Alarms]).
type Outcome struct {
	Count uint64        `json:"count"`
	State State         `json:"state"`
	Raise []alarm.Raise `json:"raise,omitempty"`
	Clear []string      `json:"clear,omitempty"`
}

// Applier applies the headcount.* commands. Who may do what comes from
// the facility (the Plan), never from a command's body: a start on demand
// and a zone's count by a console user, a scheduled start and a late
// record by a node, a cancel by a supervisor.
type Applier struct{ Plan *Plan }

// Apply implements replica.Applier. It validates, then writes.
func (a Applier) Apply(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	p := a.Plan
	var before, after Count
	switch c.Kind {
	case KindStart:
		var b StartBody
		if err := decode(c, &b); err != nil {
			return nil, err
		}
		if err := a.checkStart(tx, e, c, b); err != nil {
			return nil, err
		}
		after = Begin(p, e.Index, e.Time, c.Actor, b.Located)
		after.Scheduled, after.Slot, after.Note = !b.Slot.IsZero(), b.Slot.UTC(), b.Note
	case KindZone:
		var b ZoneBody
		if err := decode(c, &b); err != nil {
			return nil, err
		}
		if !p.user(c.Actor) {
			return nil, fmt.Errorf("%w: %q is not a console user", ErrInvalid, c.Actor)
		}
		var err error
		if before, err = loadOpen(tx, b.Count); err != nil {
			return nil, err
		}
		after, err = before.Enter(p, b.Zone, Entry{Index: e.Index, By: c.Actor, At: e.Time.UTC(), Confirmed: b.Confirm,
			Counted: b.Counted, Missing: b.Missing, Extra: b.Extra, Note: b.Note})
		if err != nil {
			return nil, err
		}
	case KindCancel:
		var b CancelBody
		if err := decode(c, &b); err != nil {
			return nil, err
		}
		if !p.supervisor(c.Actor) {
			return nil, fmt.Errorf("%w: only a supervisor cancels a count, not %q", ErrInvalid, c.Actor)
		}
		var err error
		if before, err = loadOpen(tx, b.Count); err != nil {
			return nil, err
		}
		if after, err = before.Cancel(c.Actor, b.Note, e.Time); err != nil {
			return nil, err
		}
	case KindLate:
		var b LateBody
		if err := decode(c, &b); err != nil {
			return nil, err
		}
		if !p.nodes[c.Actor] {
			return nil, fmt.Errorf("%w: a late count is recorded by a node, not %q", ErrInvalid, c.Actor)
		}
		var err error
		if before, err = loadOpen(tx, b.Count); err != nil {
			return nil, err
		}
		if after, err = before.MarkLate(p.late, e.Time); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: unknown kind %q", ErrInvalid, c.Kind)
	}
	if err := save(tx, after, c.Kind == KindStart); err != nil {
		return nil, err
	}
	return json.Marshal(outcome(before, after))
}

func (a Applier) checkStart(tx *bolt.Tx, e replica.Entry, c *command.Command, b StartBody) error {
	p := a.Plan
	if len(p.zones) == 0 {
		return fmt.Errorf("%w: the facility counts no zones (headcount.zones)", ErrInvalid)
	}
	if len(b.Located) > maxLocated {
		return fmt.Errorf("%w: a snapshot of %d people", ErrInvalid, len(b.Located))
	}
	if b.Slot.IsZero() {
		if !p.user(c.Actor) {
			return fmt.Errorf("%w: %q is not a console user", ErrInvalid, c.Actor)
		}
	} else {
		switch {
		case !p.nodes[c.Actor]:
			return fmt.Errorf("%w: a scheduled count is started by a node, not %q", ErrInvalid, c.Actor)
		case !p.slot(b.Slot):
			return fmt.Errorf("%w: %s is not a scheduled count time", ErrInvalid, b.Slot.In(p.loc).Format(time.DateTime))
		case e.Time.Before(b.Slot) || e.Time.Sub(b.Slot) >= CatchUp:
			return fmt.Errorf("%w: the %s count is not due at %s", ErrUnchanged, b.Slot.In(p.loc).Format("15:04"), e.Time.In(p.loc).Format(time.DateTime))
		case !b.Slot.After(lastSlot(tx)):
			return fmt.Errorf("%w: the %s count was started already", ErrUnchanged, b.Slot.In(p.loc).Format("15:04"))
		}
	}
	if id, ok := openID(tx); ok {
		return fmt.Errorf("%w: count %d", ErrOpen, id)
	}
	return nil
}

func decode(c *command.Command, v any) error {
	if err := json.Unmarshal(c.Body, v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalid, c.Kind, err)
	}
	return nil
}

// outcome diffs the problems before and after a change.
func outcome(before, after Count) Outcome {
	o := Outcome{Count: after.ID, State: after.State}
	was := map[string]bool{}
	for _, p := range before.Problems {
		was[p.Key] = true
	}
	is := map[string]bool{}
	for _, p := range after.Problems {
		is[p.Key] = true
		if !was[p.Key] {
			o.Raise = append(o.Raise, p.Alarm())
		}
	}
	for _, p := range before.Problems {
		if !is[p.Key] {
			o.Clear = append(o.Clear, p.Key)
		}
	}
	return o
}

func idKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// save writes the count, keeps the open pointer and the last slot, and
// prunes the oldest counts beyond keep.
func save(tx *bolt.Tx, c Count, started bool) error {
	b, err := tx.CreateBucketIfNotExists(bucketCounts)
	if err != nil {
		return err
	}
	m, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := b.Put(idKey(c.ID), raw); err != nil {
		return err
	}
	if c.State == Open {
		err = m.Put(keyOpen, idKey(c.ID))
	} else {
		err = m.Delete(keyOpen)
	}
	if err != nil {
		return err
	}
	if c.Scheduled && started {
		if err := m.Put(keyLastSlot, []byte(c.Slot.UTC().Format(time.RFC3339Nano))); err != nil {
			return err
		}
	}
	if !started {
		return nil
	}
	// A start is rare (a few a day): counting the keys costs a walk of at
	// most keep entries. (Bucket.Stats would not see this transaction's
	// writes.)
	n := 0
	cur := b.Cursor()
	for k, _ := cur.First(); k != nil; k, _ = cur.Next() {
		n++
	}
	for ; n > keep; n-- {
		first, _ := b.Cursor().First()
		if err := b.Delete(first); err != nil {
			return err
		}
	}
	return nil
}
