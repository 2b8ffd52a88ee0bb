package scenario

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/palisade/palisade/sensors/rfid"
)

// ErrScenario is wrapped by every error of this package: an unknown
// person or doorway, or a move that does not fit where the person is.
var ErrScenario = errors.New("scenario: bad move")

// Role is what a tag's wearer is to the facility.
type Role string

// Roles. Unknown is a tag the facility has not registered (a cloned,
// stolen or smuggled tag): the reader reports it like any other.
const (
	Resident Role = "resident"
	Staff    Role = "staff"
	Unknown  Role = "unknown"
)

// Person is someone wearing a tag.
type Person struct {
	ID   string   // facility person id, e.g. "r-1001"; empty for an unknown tag
	EPC  rfid.EPC // the tag
	Role Role
	Home string // zone the person is in when the scenario starts
}

// Doorway is a passage between two zones watched by one reader with two
// antennas: antenna 0 faces zone A, antenna 1 faces zone B.
type Doorway struct {
	ID   string // the reader's device id, e.g. "hb-a-rfid"
	A, B string
}

// Antenna returns the antenna that faces zone, or -1.
func (d Doorway) Antenna(zone string) int {
	switch zone {
	case d.A:
		return 0
	case d.B:
		return 1
	}
	return -1
}

// Other returns the zone across the doorway from zone.
func (d Doorway) Other(zone string) string {
	if zone == d.A {
		return d.B
	}
	return d.A
}

// Move is one person at one doorway: crossing from From to To, or, when
// To == From, walking up to it and turning back. At is the moment at the
// threshold (or the turning point).
type Move struct {
	EPC      rfid.EPC
	Doorway  string
	From, To string
	At       time.Time
}

// Crosses reports whether the move takes the person to the other zone.
func (m Move) Crosses() bool { return m.From != m.To }

// Crossing is one line of ground truth: EPC went from one zone to the
// other through the doorway watched by reader Doorway at At. It is what
// a presence engine fed with the reader's Read events should conclude.
type Crossing struct {
	EPC      rfid.EPC
	Doorway  string // = rfid.Read.Reader of that doorway's reader
	From, To string
	At       time.Time
}

// Scenario is who walks through which doorway when, and thus which tags
// each antenna sees at any moment. Moves may be added while simulated
// readers consult it: it is safe for concurrent use.
type Scenario struct {
	mu       sync.RWMutex
	doorways map[string]Doorway
	people   map[rfid.EPC]Person
	order    []rfid.EPC         // people in the order given
	moves    []Move             // all moves, by time
	byDoor   map[string][]Move  // per doorway, by time
	last     map[rfid.EPC]*Move // each person's latest move
}

// New returns a scenario with no moves yet.
func New(doorways []Doorway, people []Person) (*Scenario, error) {
	s := &Scenario{doorways: map[string]Doorway{}, people: map[rfid.EPC]Person{},
		byDoor: map[string][]Move{}, last: map[rfid.EPC]*Move{}}
	for i, d := range doorways {
		if d.ID == "" || d.A == "" || d.B == "" || d.A == d.B {
			return nil, fmt.Errorf("%w: doorways[%d] %+v needs an id and two different zones", ErrScenario, i, d)
		}
		if _, dup := s.doorways[d.ID]; dup {
			return nil, fmt.Errorf("%w: doorways[%d]: id %q used twice", ErrScenario, i, d.ID)
		}
		s.doorways[d.ID] = d
	}
	for i, p := range people {
		e, err := rfid.ParseEPC(string(p.EPC))
		if err != nil {
			return nil, fmt.Errorf("%w: people[%d]: %v", ErrScenario, i, err)
		}
		if _, dup := s.people[e]; dup {
			return nil, fmt.Errorf("%w: people[%d]: EPC %s used twice", ErrScenario, i, e)
		}
		p.EPC = e
		s.people[e] = p
		s.order = append(s.order, e)
	}
	return s, nil
}

// MinGap is the least time between two moves of one person: they must
// have left one doorway's field before reaching the next.
const MinGap = 2 * Approach

// Add appends a move. The person must be in m.From (their home, or where
// their last move left them), m.From must be a side of the doorway and
// m.To the other side or m.From, and m.At must be at least MinGap after
// their last move.
func (s *Scenario) Add(m Move) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.add(m)
}

func (s *Scenario) add(m Move) error {
	p, ok := s.people[m.EPC]
	if !ok {
		return fmt.Errorf("%w: unknown EPC %s", ErrScenario, m.EPC)
	}
	d, ok := s.doorways[m.Doorway]
	if !ok {
		return fmt.Errorf("%w: unknown doorway %q", ErrScenario, m.Doorway)
	}
	if d.Antenna(m.From) < 0 || (m.To != m.From && m.To != d.Other(m.From)) {
		return fmt.Errorf("%w: %s: doorway %s joins %s and %s, not %s → %s", ErrScenario, m.EPC, d.ID, d.A, d.B, m.From, m.To)
	}
	here := p.Home
	if last := s.last[m.EPC]; last != nil {
		here = last.To
		if m.At.Sub(last.At) < MinGap {
			return fmt.Errorf("%w: %s at %s %v is within %v of their move at %s %v", ErrScenario,
				m.EPC, m.Doorway, m.At.Format(time.TimeOnly), MinGap, last.Doorway, last.At.Format(time.TimeOnly))
		}
	}
	if m.From != here {
		return fmt.Errorf("%w: %s is in %s, not %s, at %v", ErrScenario, m.EPC, here, m.From, m.At.Format(time.TimeOnly))
	}
	s.moves = insert(s.moves, m)
	s.byDoor[m.Doorway] = insert(s.byDoor[m.Doorway], m)
	s.last[m.EPC] = &m
	return nil
}

// insert keeps moves sorted by time; equal times keep insertion order.
func insert(ms []Move, m Move) []Move {
	i := sort.Search(len(ms), func(i int) bool { return ms[i].At.After(m.At) })
	return slices.Insert(ms, i, m)
}

// Walk makes the person cross the doorway from where they are to the
// other side at at.
func (s *Scenario) Walk(epc rfid.EPC, doorway string, at time.Time) (Move, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := Move{EPC: epc, Doorway: doorway, From: s.here(epc), At: at}
	m.To = s.doorways[doorway].Other(m.From)
	return m, s.add(m)
}

// TurnBack makes the person walk up to the doorway at at and turn back.
func (s *Scenario) TurnBack(epc rfid.EPC, doorway string, at time.Time) (Move, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	here := s.here(epc)
	m := Move{EPC: epc, Doorway: doorway, From: here, To: here, At: at}
	return m, s.add(m)
}

// here is where the person is after their last move.
func (s *Scenario) here(epc rfid.EPC) string {
	if last := s.last[epc]; last != nil {
		return last.To
	}
	return s.people[epc].Home
}

// ZoneAt returns the zone the person is in at t ("" for an unknown EPC).
// At the moment of a crossing they are already on the far side.
func (s *Scenario) ZoneAt(epc rfid.EPC, t time.Time) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.people[epc]
	if !ok {
		return ""
	}
	zone := p.Home
	for _, m := range s.moves {
		if m.At.After(t) {
			break
		}
		if m.EPC == epc {
			zone = m.To
		}
	}
	return zone
}

// Moves returns every move, by time.
func (s *Scenario) Moves() []Move {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.moves)
}

// Crossings returns the ground truth: every crossing, by time.
func (s *Scenario) Crossings() []Crossing { return s.CrossingsUntil(time.Time{}) }

// CrossingsUntil returns the crossings at or before t, by time; a zero t
// means all of them.
func (s *Scenario) CrossingsUntil(t time.Time) []Crossing {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Crossing
	for _, m := range s.moves {
		if !t.IsZero() && m.At.After(t) {
			break
		}
		if m.Crosses() {
			out = append(out, Crossing{EPC: m.EPC, Doorway: m.Doorway, From: m.From, To: m.To, At: m.At})
		}
	}
	return out
}

// People returns everyone, in the order given to New.
func (s *Scenario) People() []Person {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Person, len(s.order))
	for i, e := range s.order {
		out[i] = s.people[e]
	}
	return out
}

// Person returns the person wearing epc.
func (s *Scenario) Person(epc rfid.EPC) (Person, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.people[epc]
	return p, ok
}

// Doorway returns the doorway watched by reader id.
func (s *Scenario) Doorway(id string) (Doorway, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.doorways[id]
	return d, ok
}
