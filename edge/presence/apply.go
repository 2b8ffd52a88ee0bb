package presence

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// DefaultKeep is how many history records a person keeps by default:
// at some twenty-five a day, more than two years.
const DefaultKeep = 20000

var (
	bucketState   = []byte("presence")         // person → JSON State
	bucketZones   = []byte("presence_zones")   // zone 0x00 person → nil
	bucketHistory = []byte("presence_history") // person → bucket: at(8) index(8) → JSON Record
)

// Applier applies the presence.* commands to the state: the person's
// State, a zone index, and the person's history, in one transaction.
// It validates everything before writing anything; a refused command
// changes nothing and its error says why. The result of every applied
// command is the person's new State as JSON (see Committed).
type Applier struct {
	Dir Directory
	// Keep is how many history records each person keeps (the oldest
	// go); 0 means DefaultKeep.
	Keep int
}

// Apply implements replica.Applier. It uses the entry's time for
// Record.Committed and nothing else from any clock.
func (a Applier) Apply(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	switch c.Kind {
	case KindTransition:
		return a.transition(tx, e, c)
	case KindMissing:
		return a.missing(tx, e, c)
	case KindFound:
		return a.found(tx, e, c)
	}
	return nil, fmt.Errorf("%w: unknown kind %q", ErrInvalid, c.Kind)
}

func decode(c *command.Command, v any) error {
	if err := json.Unmarshal(c.Body, v); err != nil {
		return fmt.Errorf("%w: %s body: %v", ErrInvalid, c.Kind, err)
	}
	return nil
}

func (a Applier) person(id string) (Person, error) {
	p, ok := a.Dir.Person(id)
	if !ok {
		return Person{}, fmt.Errorf("%w: no person %q", ErrInvalid, id)
	}
	return p, nil
}

func (a Applier) transition(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	var b TransitionBody
	if err := decode(c, &b); err != nil {
		return nil, err
	}
	p, err := a.person(b.Person)
	if err != nil {
		return nil, err
	}
	r, ok := a.Dir.Reader(b.Reader)
	if !ok {
		return nil, fmt.Errorf("%w: no reader %q", ErrInvalid, b.Reader)
	}
	zones := r.Zones()
	switch {
	case b.At.IsZero():
		return nil, fmt.Errorf("%w: transition of %s without a time", ErrInvalid, b.Person)
	case !slices.Contains(p.Tags, b.EPC):
		return nil, fmt.Errorf("%w: tag %q is not %s's", ErrInvalid, b.EPC, b.Person)
	case len(zones) == 2 && (b.From == b.To || !slices.Contains(zones, b.From) || !slices.Contains(zones, b.To)):
		return nil, fmt.Errorf("%w: reader %s joins %s and %s, not %q → %q", ErrInvalid, r.ID, zones[0], zones[1], b.From, b.To)
	case len(zones) == 1 && (b.From != "" || b.To != zones[0]):
		return nil, fmt.Errorf("%w: reader %s watches %s, not %q → %q", ErrInvalid, r.ID, zones[0], b.From, b.To)
	}
	at := b.At.UTC()
	st := Load(tx, b.Person)
	if st.Zone == b.To && st.Since.Equal(at) && st.Reader == b.Reader {
		return nil, fmt.Errorf("%w: %s into %s at %s is recorded", ErrUnchanged, b.Person, b.To, stamp(at))
	}
	rec := Record{Kind: RecordTransition, Index: e.Index, At: at, Committed: e.Time.UTC(), Zone: b.To, From: b.From,
		Reader: b.Reader, EPC: b.EPC, Reads: b.Reads, Prev: st.Zone}
	if rec.Late = !st.Since.IsZero() && at.Before(st.Since); rec.Late {
		rec.Prev = ""
		if before, ok := ZoneAt(tx, b.Person, at); ok {
			rec.Prev = before.Zone
		}
	}
	rec.Anomaly, rec.Reason = Classify(rec.Prev, r.ID, zones, b.From, b.To)
	if st.Missing && at.After(st.LastSeen) {
		st.Missing, st.MissingSince, rec.Found = false, time.Time{}, true
	}
	if at.After(st.LastSeen) {
		st.LastSeen, st.SeenBy = at, b.Reader
	}
	if !rec.Late {
		if err := moveZone(tx, b.Person, st.Zone, b.To); err != nil {
			return nil, err
		}
		st.Zone, st.Since, st.Reader, st.From = b.To, at, b.Reader, b.From
	} else if err := a.rejudgeNext(tx, b.Person, rec); err != nil {
		return nil, err
	}
	return a.save(tx, e, &st, rec)
}

// rejudgeNext judges again the transition that follows a late one: it
// was judged from a history that lacked the late crossing (a crossing
// "from nowhere" may now follow from it, or the reverse).
func (a Applier) rejudgeNext(tx *bolt.Tx, person string, late Record) error {
	h := historyBucket(tx, person)
	if h == nil {
		return nil
	}
	c := h.Cursor()
	for k, v := c.Seek(historyKey(late.At, late.Index)); k != nil; k, v = c.Next() {
		var r Record
		if json.Unmarshal(v, &r) != nil || r.Kind != RecordTransition {
			continue
		}
		r.Prev = late.Zone
		var zones []string
		if rd, ok := a.Dir.Reader(r.Reader); ok {
			zones = rd.Zones()
		}
		if len(zones) == 0 {
			return nil // a reader since removed from the facility: leave the judgement
		}
		r.Anomaly, r.Reason = Classify(r.Prev, r.Reader, zones, r.From, r.Zone)
		raw, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return h.Put(k, raw)
	}
	return nil
}

func (a Applier) missing(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	var b MissingBody
	if err := decode(c, &b); err != nil {
		return nil, err
	}
	p, err := a.person(b.Person)
	if err != nil {
		return nil, err
	}
	seen, at := b.LastSeen.UTC(), b.At.UTC()
	st := Load(tx, b.Person)
	switch {
	case p.Role != Resident:
		return nil, fmt.Errorf("%w: %s is %s; only residents are reported missing", ErrInvalid, p.ID, p.Role)
	case b.At.IsZero() || b.LastSeen.IsZero() || at.Before(seen):
		return nil, fmt.Errorf("%w: missing %s: last seen %s, declared %s", ErrInvalid, p.ID, stamp(seen), stamp(at))
	case st.Missing:
		return nil, fmt.Errorf("%w: %s is missing since %s", ErrUnchanged, p.ID, stamp(st.MissingSince))
	case st.LastSeen.After(seen):
		return nil, fmt.Errorf("%w: %s was seen at %s by %s, after %s", ErrStale, p.ID, stamp(st.LastSeen), st.SeenBy, stamp(seen))
	}
	st.Missing, st.MissingSince, st.LastSeen = true, at, seen
	return a.save(tx, e, &st, Record{Kind: RecordMissing, Index: e.Index, At: at, Committed: e.Time.UTC(), Zone: st.Zone, LastSeen: seen})
}

func (a Applier) found(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	var b FoundBody
	if err := decode(c, &b); err != nil {
		return nil, err
	}
	if _, err := a.person(b.Person); err != nil {
		return nil, err
	}
	if b.Reader != "" {
		if _, ok := a.Dir.Reader(b.Reader); !ok {
			return nil, fmt.Errorf("%w: no reader %q", ErrInvalid, b.Reader)
		}
	}
	at := b.At.UTC()
	st := Load(tx, b.Person)
	switch {
	case b.At.IsZero():
		return nil, fmt.Errorf("%w: found %s without a time", ErrInvalid, b.Person)
	case !st.Missing:
		return nil, fmt.Errorf("%w: %s is not missing", ErrUnchanged, b.Person)
	case !at.After(st.LastSeen):
		return nil, fmt.Errorf("%w: %s read at %s, not after the last sighting %s", ErrStale, b.Person, stamp(at), stamp(st.LastSeen))
	}
	st.Missing, st.MissingSince, st.LastSeen, st.SeenBy = false, time.Time{}, at, b.Reader
	return a.save(tx, e, &st, Record{Kind: RecordFound, Index: e.Index, At: at, Committed: e.Time.UTC(), Zone: b.Zone, Reader: b.Reader})
}

// save writes the state and appends the record; validation is over.
func (a Applier) save(tx *bolt.Tx, e replica.Entry, st *State, rec Record) ([]byte, error) {
	keep := a.Keep
	if keep <= 0 {
		keep = DefaultKeep
	}
	st.Index = e.Index
	n, err := appendHistory(tx, st.Person, rec, st.History, keep)
	if err != nil {
		return nil, err
	}
	st.History = n
	raw, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	b, err := tx.CreateBucketIfNotExists(bucketState)
	if err != nil {
		return nil, err
	}
	if err := b.Put([]byte(st.Person), raw); err != nil {
		return nil, err
	}
	return raw, nil
}
