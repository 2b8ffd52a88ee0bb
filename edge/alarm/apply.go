package alarm

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// Command kinds of the alarm domain.
const (
	KindRaise    = "alarm.raise"
	KindAck      = "alarm.ack"
	KindResolve  = "alarm.resolve"
	KindEscalate = "alarm.escalate"
)

var (
	bucketAlarms = []byte("alarms")          // id → JSON Alarm
	bucketKeys   = []byte("alarm_open_keys") // coalescing key → id of the newest open alarm
	bucketOpen   = []byte("alarm_open")      // id → nil for every open alarm
)

// noteBody is the body of ack and resolve commands.
type noteBody struct {
	ID   string `json:"id"`
	Note string `json:"note"`
}

// escalateBody names the escalation step, so that two leaders (one deposed,
// one new) proposing the same step escalate once.
type escalateBody struct {
	ID    string `json:"id"`
	Level int    `json:"level"`
}

// Applier applies alarm commands to the state. It is the deterministic half
// of this package: the same log gives the same alarms on every node.
type Applier struct {
	CoalesceWindow time.Duration // a repeat within it joins the open alarm
}

// Apply implements replica.Applier. The result is the JSON Event.
func (a Applier) Apply(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	alarms, err := tx.CreateBucketIfNotExists(bucketAlarms)
	if err != nil {
		return nil, err
	}
	keys, err := tx.CreateBucketIfNotExists(bucketKeys)
	if err != nil {
		return nil, err
	}
	var ev Event
	switch c.Kind {
	case KindRaise:
		ev, err = a.raise(alarms, keys, c)
	case KindAck, KindResolve:
		ev, err = a.note(alarms, keys, c)
	case KindEscalate:
		ev, err = a.escalate(alarms, c)
	default:
		return nil, fmt.Errorf("%w: unknown command kind %q", ErrInvalid, c.Kind)
	}
	if err != nil {
		return nil, err
	}
	// The log index of the last change lets a console drop a stale copy
	// (a list fetched before an event that arrives after it).
	ev.Alarm.Index = e.Index
	v, err := json.Marshal(ev.Alarm)
	if err != nil {
		return nil, err
	}
	if err := alarms.Put([]byte(ev.Alarm.ID), v); err != nil {
		return nil, err
	}
	open, err := tx.CreateBucketIfNotExists(bucketOpen)
	if err != nil {
		return nil, err
	}
	if ev.Alarm.Open() {
		err = open.Put([]byte(ev.Alarm.ID), nil)
	} else {
		err = open.Delete([]byte(ev.Alarm.ID))
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(ev)
}

func (a Applier) raise(alarms, keys *bolt.Bucket, c *command.Command) (Event, error) {
	var r Raise
	if err := decodeBody(c, &r); err != nil {
		return Event{}, err
	}
	if err := r.Normalize(); err != nil {
		return Event{}, fmt.Errorf("%w: raise needs kind, priority 1–4 and a message under 1000 bytes", ErrInvalid)
	}
	if id := keys.Get([]byte(r.Key)); id != nil {
		if prev, ok := get(alarms, string(id)); ok && prev.Open() && c.Time.Sub(prev.LastAt) <= a.CoalesceWindow {
			prev.Count++
			prev.LastAt = c.Time
			prev.Evidence = appendNew(prev.Evidence, r.Evidence)
			return Event{Type: EventRepeated, Alarm: prev}, nil
		}
	}
	al := Alarm{
		ID: c.ID.String(), Key: r.Key, Kind: r.Kind, Priority: r.Priority, Raised: r.Priority,
		Zone: r.Zone, Device: r.Device, Node: c.Node, RaisedBy: c.Actor, Message: r.Message, Evidence: r.Evidence,
		State: Raised, Count: 1, RaisedAt: c.Time, LastAt: c.Time,
	}
	if err := keys.Put([]byte(r.Key), []byte(al.ID)); err != nil {
		return Event{}, err
	}
	return Event{Type: EventRaised, Alarm: al}, nil
}

func (a Applier) note(alarms, keys *bolt.Bucket, c *command.Command) (Event, error) {
	var b noteBody
	if err := decodeBody(c, &b); err != nil {
		return Event{}, err
	}
	al, ok := get(alarms, b.ID)
	if !ok {
		return Event{}, fmt.Errorf("%w: %s", ErrNotFound, b.ID)
	}
	if al.State == Resolved {
		return Event{}, fmt.Errorf("%w by %s at %s", ErrAlreadyClosed, al.ResolvedBy, al.ResolvedAt.Format(time.RFC3339))
	}
	if len(b.Note) > 2000 {
		return Event{}, fmt.Errorf("%w: note longer than 2000 bytes", ErrInvalid)
	}
	if c.Kind == KindAck {
		if al.State == Acknowledged {
			return Event{}, fmt.Errorf("%w by %s at %s", ErrAlreadyAcked, al.AckedBy, al.AckedAt.Format(time.RFC3339))
		}
		al.State, al.AckedBy, al.AckedAt, al.AckNote, al.AckTerminal = Acknowledged, c.Actor, c.Time, b.Note, c.Terminal
		return Event{Type: EventUpdated, Alarm: al}, nil
	}
	if b.Note == "" {
		return Event{}, ErrNoteRequired
	}
	al.State, al.ResolvedBy, al.ResolvedAt, al.ResolveNote = Resolved, c.Actor, c.Time, b.Note
	if id := keys.Get([]byte(al.Key)); string(id) == al.ID {
		if err := keys.Delete([]byte(al.Key)); err != nil {
			return Event{}, err
		}
	}
	return Event{Type: EventUpdated, Alarm: al}, nil
}

func (a Applier) escalate(alarms *bolt.Bucket, c *command.Command) (Event, error) {
	var b escalateBody
	if err := decodeBody(c, &b); err != nil {
		return Event{}, err
	}
	al, ok := get(alarms, b.ID)
	if !ok {
		return Event{}, fmt.Errorf("%w: %s", ErrNotFound, b.ID)
	}
	if al.State != Raised || b.Level != al.Escalations+1 {
		return Event{}, fmt.Errorf("%w: escalation step %d of an alarm %s at step %d", ErrInvalid, b.Level, al.State, al.Escalations)
	}
	al.Escalations++
	al.EscalatedAt = c.Time
	if al.Priority > 1 {
		al.Priority--
	}
	return Event{Type: EventUpdated, Alarm: al}, nil
}

func decodeBody(c *command.Command, v any) error {
	if err := json.Unmarshal(c.Body, v); err != nil {
		return fmt.Errorf("%w: %s body: %v", ErrInvalid, c.Kind, err)
	}
	return nil
}

func get(alarms *bolt.Bucket, id string) (Alarm, bool) {
	v := alarms.Get([]byte(id))
	if v == nil {
		return Alarm{}, false
	}
	var al Alarm
	if err := json.Unmarshal(v, &al); err != nil {
		return Alarm{}, false
	}
	return al, true
}

func appendNew(have, more []string) []string {
	for _, m := range more {
		found := false
		for _, h := range have {
			found = found || h == m
		}
		if !found && len(have) < 32 {
			have = append(have, m)
		}
	}
	return have
}
