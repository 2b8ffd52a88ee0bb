package headcount

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Sentinel errors. A refused command is in the log with its reason but
// changed nothing.
var (
	// ErrInvalid refuses a malformed command: a body that does not
	// decode, an unknown zone or person, a name listed twice, an actor
	// who may not do it.
	ErrInvalid = errors.New("headcount: invalid command")
	// ErrOpen refuses a start while another count is open.
	ErrOpen = errors.New("headcount: a count is already open")
	// ErrClosed refuses a zone entry, a cancel or a late record for a
	// count that is not open (cleared, cancelled, or never started).
	ErrClosed = errors.New("headcount: the count is not open")
	// ErrUnchanged refuses what would change nothing: a scheduled count
	// already started, a late record not yet due or already made.
	ErrUnchanged = errors.New("headcount: nothing to change")
)

// State is where a count is.
type State string

// Count states.
const (
	Open      State = "open"
	Cleared   State = "cleared"   // every zone reconciled, every resident accounted for once
	Cancelled State = "cancelled" // a supervisor called it off, with a note
)

// Zone statuses.
const (
	Pending    = "pending"    // no count entered yet
	Reconciled = "reconciled" // the count entered adds up
	Mismatch   = "mismatch"   // the count entered does not add up: recount
)

// Count is one formal count. Its expectations and the presence snapshot
// are frozen at its start; officers' entries are added to it. It is
// stored as JSON, so every field is a slice in a fixed order, never a map.
type Count struct {
	ID        uint64    `json:"id"` // the log index of its start
	State     State     `json:"state"`
	Scheduled bool      `json:"scheduled"`
	Slot      time.Time `json:"slot,omitzero"` // the scheduled time it answers
	StartedBy string    `json:"started_by"`
	StartedAt time.Time `json:"started_at"`
	Note      string    `json:"note,omitempty"`
	Zones     []Zone    `json:"zones"`
	// Outside are residents presence put outside every counted zone at
	// the start; Unplaced the expected residents it put nowhere.
	Outside  []Placement `json:"outside,omitempty"`
	Unplaced []string    `json:"unplaced,omitempty"`
	Late     bool        `json:"late,omitempty"` // open beyond the plan's late
	EndedAt  time.Time   `json:"ended_at,omitzero"`
	EndedBy  string      `json:"ended_by,omitempty"`
	EndNote  string      `json:"end_note,omitempty"`
	// Problems are the discrepancies as they stand; each is an alarm.
	Problems []Problem `json:"problems,omitempty"`
}

// Zone is one counted zone of a count.
type Zone struct {
	Zone     string   `json:"zone"`
	Expected []string `json:"expected"` // residents whose home is in the zone
	Located  []string `json:"located"`  // residents presence put in it at the start
	Status   string   `json:"status"`
	// Entries are the counts entered, oldest first: the last one stands,
	// the earlier ones are the recounts' history.
	Entries []Entry `json:"entries,omitempty"`
}

// Entry is an officer's count of one zone: a confirmation of what
// presence shows, or a correction naming who is missing and who is there
// unexpectedly.
type Entry struct {
	Index     uint64    `json:"index"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	Confirmed bool      `json:"confirmed,omitempty"`
	Counted   int       `json:"counted"` // heads the officer counted
	Missing   []string  `json:"missing,omitempty"`
	Extra     []string  `json:"extra,omitempty"`
	Note      string    `json:"note,omitempty"`
}

// Placement is a resident and the zone presence put them in.
type Placement struct {
	Person string `json:"person"`
	Zone   string `json:"zone"`
}

// Begin starts a count at the log's time: the counted zones, each with
// the residents it expects and those presence (located: person → zone, a
// snapshot the proposer took) puts in it.
func Begin(p *Plan, id uint64, at time.Time, by string, located map[string]string) Count {
	c := Count{ID: id, State: Open, StartedBy: by, StartedAt: at.UTC()}
	in := map[string][]string{}
	placed := map[string]bool{}
	for _, person := range sortedKeys(located) {
		if !p.resident(person) {
			continue
		}
		zone := located[person]
		placed[person] = true
		if z, ok := p.countedZone(zone); ok {
			in[z] = append(in[z], person)
		} else {
			c.Outside = append(c.Outside, Placement{Person: person, Zone: zone})
		}
	}
	for _, z := range p.zones {
		c.Zones = append(c.Zones, Zone{Zone: z, Expected: slices.Clone(p.expected[z]), Located: append([]string{}, in[z]...)})
		for _, r := range p.expected[z] {
			if !placed[r] {
				c.Unplaced = append(c.Unplaced, r)
			}
		}
	}
	slices.Sort(c.Unplaced)
	c.evaluate()
	return c
}

// zone returns the count's zone z.
func (c *Count) zone(z string) (*Zone, bool) {
	for i := range c.Zones {
		if c.Zones[i].Zone == z {
			return &c.Zones[i], true
		}
	}
	return nil, false
}

// Enter records an officer's count of zone z. A confirmation takes who is
// missing and who is extra from the presence snapshot; a correction names
// them. Either way the count entered must add up for the zone to
// reconcile; a count that does not is recorded, and flagged.
func (c Count) Enter(p *Plan, z string, e Entry) (Count, error) {
	if c.State != Open {
		return c, fmt.Errorf("%w: count %d is %s", ErrClosed, c.ID, c.State)
	}
	zc, ok := c.zone(z)
	if !ok {
		return c, fmt.Errorf("%w: zone %q is not counted in count %d", ErrInvalid, z, c.ID)
	}
	if e.Counted < 0 || e.Counted > 10000 {
		return c, fmt.Errorf("%w: a count of %d", ErrInvalid, e.Counted)
	}
	if e.Confirmed {
		if len(e.Missing)+len(e.Extra) > 0 {
			return c, fmt.Errorf("%w: a confirmation names nobody; send a correction to name the missing and the extra", ErrInvalid)
		}
		e.Missing, e.Extra = minus(zc.Expected, zc.Located), minus(zc.Located, zc.Expected)
	}
	if err := checkNames(p, zc, e); err != nil {
		return c, err
	}
	e.Missing, e.Extra = sorted(e.Missing), sorted(e.Extra)
	c.Zones = slices.Clone(c.Zones)
	zc, _ = c.zone(z)
	zc.Entries = append(slices.Clone(zc.Entries), e)
	c.evaluate()
	if c.State == Cleared {
		c.EndedAt, c.EndedBy = e.At.UTC(), e.By
	}
	return c, nil
}

func checkNames(p *Plan, zc *Zone, e Entry) error {
	seen := map[string]bool{}
	for _, id := range e.Missing {
		if seen[id] {
			return fmt.Errorf("%w: %s named twice", ErrInvalid, id)
		}
		seen[id] = true
		if !slices.Contains(zc.Expected, id) {
			return fmt.Errorf("%w: %s is not expected in %s: only an expected resident can be missing", ErrInvalid, id, zc.Zone)
		}
	}
	for _, id := range e.Extra {
		if seen[id] {
			return fmt.Errorf("%w: %s named twice", ErrInvalid, id)
		}
		seen[id] = true
		if !p.resident(id) {
			return fmt.Errorf("%w: %s is not a resident", ErrInvalid, id)
		}
		if slices.Contains(zc.Expected, id) {
			return fmt.Errorf("%w: %s lives in %s: not extra there", ErrInvalid, id, zc.Zone)
		}
	}
	return nil
}

// Cancel calls the count off (a supervisor, with a note).
func (c Count) Cancel(by, note string, at time.Time) (Count, error) {
	if c.State != Open {
		return c, fmt.Errorf("%w: count %d is %s", ErrClosed, c.ID, c.State)
	}
	if strings.TrimSpace(note) == "" {
		return c, fmt.Errorf("%w: cancelling a count needs a note", ErrInvalid)
	}
	c.State, c.EndedAt, c.EndedBy, c.EndNote = Cancelled, at.UTC(), by, note
	c.evaluate()
	return c, nil
}

// MarkLate records that the count is still open at its deadline.
func (c Count) MarkLate(deadline time.Duration, at time.Time) (Count, error) {
	switch {
	case c.State != Open:
		return c, fmt.Errorf("%w: count %d is %s", ErrClosed, c.ID, c.State)
	case c.Late:
		return c, fmt.Errorf("%w: count %d is already late", ErrUnchanged, c.ID)
	case at.Sub(c.StartedAt) < deadline:
		return c, fmt.Errorf("%w: count %d is not late until %s", ErrUnchanged, c.ID, c.StartedAt.Add(deadline).Format(time.RFC3339))
	}
	c.Late = true
	c.evaluate()
	return c, nil
}

// Current returns the standing entry of zone z, if one was entered.
func (z Zone) Current() (Entry, bool) {
	if len(z.Entries) == 0 {
		return Entry{}, false
	}
	return z.Entries[len(z.Entries)-1], true
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
