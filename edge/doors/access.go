package doors

import (
	"fmt"
	"slices"
	"time"

	"github.com/palisade/palisade/edge/facility"
)

// Decision is whether a card may pass a door now, and why.
type Decision struct {
	Granted bool
	Person  string // the card holder's id, if the card is known
	Name    string // and name
	Reason  string // why refused, in words; why granted, which rule
}

// Access decides who may pass which door, from the facility file: cards to
// people, people to groups and roles, each door's rules with their hours
// and days in the facility's timezone, and zones in lockdown.
type Access struct {
	f      *facility.Facility
	loc    *time.Location
	byCard map[uint64]facility.Person
}

// NewAccess builds the decisions of f.
func NewAccess(f *facility.Facility) (*Access, error) {
	loc, err := time.LoadLocation(f.Timezone)
	if err != nil {
		return nil, fmt.Errorf("doors: timezone: %w", err)
	}
	a := &Access{f: f, loc: loc, byCard: map[uint64]facility.Person{}}
	for _, p := range f.People {
		for _, c := range p.Cards {
			a.byCard[c] = p
		}
	}
	return a, nil
}

// Decide says whether card may pass door at the time, given the zones in
// lockdown (a door into or out of one refuses every card).
func (a *Access) Decide(door facility.Door, card uint64, at time.Time, lockdown func(zone string) bool) Decision {
	p, known := a.byCard[card]
	if !known {
		return Decision{Reason: "no one holds this card"}
	}
	dec := Decision{Person: p.ID, Name: p.Name}
	if lockdown != nil && (lockdown(door.Inside) || lockdown(door.Outside)) {
		dec.Reason = "the zone is locked down"
		return dec
	}
	local := at.In(a.loc)
	matched := false
	for i, r := range door.Access {
		if !names(r, p) {
			continue
		}
		matched = true
		if !onDay(r, local) {
			continue
		}
		if !inHours(r, local) {
			continue
		}
		dec.Granted, dec.Reason = true, fmt.Sprintf("rule %d", i+1)
		return dec
	}
	if matched {
		dec.Reason = "not at this hour or on this day"
	} else {
		dec.Reason = "not allowed through this door"
	}
	return dec
}

func names(r facility.AccessRule, p facility.Person) bool {
	if slices.Contains(r.People, p.ID) || slices.Contains(r.Roles, p.Role) {
		return true
	}
	for _, g := range p.Groups {
		if slices.Contains(r.Groups, g) {
			return true
		}
	}
	return false
}

func onDay(r facility.AccessRule, t time.Time) bool {
	if len(r.Days) == 0 {
		return true
	}
	for _, d := range r.Days {
		if wd, ok := facility.Weekday(d); ok && wd == t.Weekday() {
			return true
		}
	}
	return false
}

func inHours(r facility.AccessRule, t time.Time) bool {
	if r.Hours == "" {
		return true
	}
	from, to, err := facility.ParseHours(r.Hours)
	if err != nil {
		return false // validated at load; refuse rather than open
	}
	m := t.Hour()*60 + t.Minute()
	if from < to {
		return m >= from && m < to
	}
	return m >= from || m < to // wraps past midnight
}
