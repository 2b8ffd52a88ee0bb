package zonerules

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/palisade/palisade/edge/facility"
)

// ErrConfig refuses a facility whose rules cannot be compiled: a bad day
// or hours, a rule naming an unknown zone. A facility that passed
// facility.Validate never gets it.
var ErrConfig = errors.New("zonerules: bad rule")

// Place is where presence puts a person: in Zone since Since.
type Place struct {
	Zone  string
	Since time.Time
}

// Snapshot is where presence puts everyone it has placed: person id →
// place. The node builds it from the presence state (the person's current
// zone and when they entered it).
type Snapshot map[string]Place

// Kind is what a violation is; it is also its alarm's kind.
type Kind string

// Violation kinds.
const (
	Unauthorised Kind = "zonerules.unauthorised" // someone a zone rule does not admit, or denies
	OverCapacity Kind = "zonerules.capacity"     // more people in a zone than its capacity
	Together     Kind = "zonerules.keep_separate"
	TwoStaff     Kind = "zonerules.two_staff" // a resident with fewer than two staff
)

// Violation is one rule broken at one moment.
type Violation struct {
	// Key is the same for as long as the same violation goes on: the
	// same person breaking the same rule in the same zone; the same zone
	// over capacity; the same keep-separate in the same zone.
	Key      string
	Kind     Kind
	Zone     string
	People   []string // sorted
	Rule     string   // the zone rule's or keep-separate's id; "" for capacity and two-staff
	Priority int
	Message  string
	// Since is when the Tracker first saw the violation; zero from
	// Evaluate.
	Since time.Time
}

type rule struct {
	id       string
	zone     string
	kind     facility.ZoneKind
	allow    []who
	deny     []who
	priority int
	note     string
}

// Rules are a facility's zone rules, compiled. They are read-only and safe
// for concurrent use.
type Rules struct {
	zx       *facility.ZoneIndex
	loc      *time.Location
	people   map[string]facility.Person
	names    map[string]string // zone id → name
	rules    []rule
	separate []facility.KeepSeparate
	twoStaff []facility.TwoStaff
}

// New compiles the facility's rules. It fails only for a facility that
// did not pass validation.
func New(f *facility.Facility) (*Rules, error) {
	r := &Rules{zx: f.ZoneIndex(), loc: f.Location(), people: map[string]facility.Person{}, names: map[string]string{},
		separate: f.KeepSeparate, twoStaff: f.TwoStaff}
	for _, p := range f.People {
		r.people[p.ID] = p
	}
	f.WalkZones(func(_ string, z *facility.Zone) { r.names[z.ID] = z.Name })
	for i, fr := range f.ZoneRules {
		c := rule{id: fr.ID, zone: fr.Zone, kind: fr.Kind, priority: fr.Priority, note: fr.Note}
		if c.priority == 0 {
			c.priority = facility.DefaultRulePriority
		}
		if c.zone != "" && !r.zx.Known(c.zone) {
			return nil, fmt.Errorf("%w: zone_rules[%d]: unknown zone %q", ErrConfig, i, c.zone)
		}
		for _, list := range []struct {
			from []facility.Who
			to   *[]who
		}{{fr.Allow, &c.allow}, {fr.Deny, &c.deny}} {
			for _, w := range list.from {
				cw, err := compileWho(w)
				if err != nil {
					return nil, fmt.Errorf("zone_rules[%d] %s: %w", i, fr.ID, err)
				}
				*list.to = append(*list.to, cw)
			}
		}
		r.rules = append(r.rules, c)
	}
	return r, nil
}

// Evaluate judges where everyone is at now. People or zones the facility
// does not know are ignored (presence alarms on unknown tags). The result
// is sorted by key.
func (r *Rules) Evaluate(s Snapshot, now time.Time) []Violation {
	local := now.In(r.loc)
	var out []Violation
	occ := r.occupancy(s)
	for _, id := range sortedKeys(s) {
		p, ok := r.people[id]
		if !ok || !r.zx.Known(s[id].Zone) {
			continue
		}
		out = append(out, r.access(p, s[id].Zone, local)...)
	}
	out = append(out, r.capacity(occ)...)
	out = append(out, r.together(s)...)
	out = append(out, r.twoStaffRule(occ)...)
	slices.SortFunc(out, func(a, b Violation) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// access checks every rule covering the person's zone.
func (r *Rules) access(p facility.Person, at string, t time.Time) []Violation {
	var out []Violation
	chain := r.zx.Chain(at)
	for _, ru := range r.rules {
		zone := ru.zone
		if ru.kind != "" {
			zone, _ = r.zx.OfKind(at, ru.kind)
		}
		if zone == "" || !slices.Contains(chain, zone) {
			continue
		}
		why := ""
		if i := slices.IndexFunc(ru.deny, func(w who) bool { return w.matches(p, zone, r.zx, t) }); i >= 0 {
			why = "denied: " + ru.deny[i].text
		} else if len(ru.allow) > 0 && !slices.ContainsFunc(ru.allow, func(w who) bool { return w.matches(p, zone, r.zx, t) }) {
			admits := make([]string, len(ru.allow))
			for i, w := range ru.allow {
				admits[i] = w.text
			}
			why = "admits only " + strings.Join(admits, "; ")
		}
		if why == "" {
			continue
		}
		msg := fmt.Sprintf("%s in %s at %s: rule %s %s", r.person(p.ID), r.zoneName(zone), t.Format("Mon 15:04"), ru.id, why)
		if ru.note != "" {
			msg += " (" + ru.note + ")"
		}
		out = append(out, Violation{Key: key(Unauthorised, ru.id, zone, p.ID), Kind: Unauthorised, Zone: zone,
			People: []string{p.ID}, Rule: ru.id, Priority: ru.priority, Message: msg})
	}
	return out
}

// occupants are the people in a zone or inside it.
type occupants struct{ residents, staff []string }

// occupancy counts, for every zone, the people in it or inside it.
func (r *Rules) occupancy(s Snapshot) map[string]*occupants {
	occ := map[string]*occupants{}
	for _, id := range sortedKeys(s) {
		p, ok := r.people[id]
		if !ok {
			continue
		}
		for _, z := range r.zx.Chain(s[id].Zone) {
			o := occ[z]
			if o == nil {
				o = &occupants{}
				occ[z] = o
			}
			if p.Role == facility.PersonResident {
				o.residents = append(o.residents, id)
			} else {
				o.staff = append(o.staff, id)
			}
		}
	}
	return occ
}

// capacity flags zones holding more than their capacity. A cell's
// capacity is its beds: only residents count in it, so an officer
// searching a full cell does not overfill it. Elsewhere everyone counts.
func (r *Rules) capacity(occ map[string]*occupants) []Violation {
	var out []Violation
	for _, z := range r.zx.Zones() {
		c, o := r.zx.Capacity(z), occ[z]
		if c <= 0 || o == nil {
			continue
		}
		people := o.residents
		if r.zx.Kind(z) != facility.ZoneCell {
			people = append(slices.Clone(o.residents), o.staff...)
		}
		if len(people) <= c {
			continue
		}
		slices.Sort(people)
		out = append(out, Violation{Key: key(OverCapacity, z), Kind: OverCapacity, Zone: z, People: people, Priority: 3,
			Message: fmt.Sprintf("%s holds %d, capacity %d: %s", r.zoneName(z), len(people), c, r.list(people))})
	}
	return out
}

// together flags two or more of a keep-separate in one zone — the zone
// presence puts each in, not a zone containing both (two cells of one
// landing are apart).
func (r *Rules) together(s Snapshot) []Violation {
	var out []Violation
	for _, ks := range r.separate {
		byZone := map[string][]string{}
		for _, id := range ks.People {
			if pl, ok := s[id]; ok && r.zx.Known(pl.Zone) {
				byZone[pl.Zone] = append(byZone[pl.Zone], id)
			}
		}
		for _, z := range sortedKeys(byZone) {
			ids := byZone[z]
			if len(ids) < 2 {
				continue
			}
			slices.Sort(ids)
			prio := ks.Priority
			if prio == 0 {
				prio = facility.DefaultSeparatePriority
			}
			msg := fmt.Sprintf("%s together in %s: keep-separate %s", r.list(ids), r.zoneName(z), ks.ID)
			if ks.Note != "" {
				msg += " (" + ks.Note + ")"
			}
			out = append(out, Violation{Key: key(Together, ks.ID, z), Kind: Together, Zone: z, People: ids, Rule: ks.ID, Priority: prio, Message: msg})
		}
	}
	return out
}

// twoStaffRule flags a two-staff zone holding a resident and fewer than
// two staff (with escorted, only while at least one is in).
func (r *Rules) twoStaffRule(occ map[string]*occupants) []Violation {
	var out []Violation
	for _, ts := range r.twoStaff {
		prio := ts.Priority
		if prio == 0 {
			prio = facility.DefaultTwoStaffPriority
		}
		for _, z := range ts.Zones {
			o := occ[z]
			if o == nil || len(o.residents) == 0 || len(o.staff) >= 2 || ts.Escorted && len(o.staff) == 0 {
				continue
			}
			people := append(slices.Clone(o.residents), o.staff...)
			slices.Sort(people)
			what := "no staff"
			if len(o.staff) == 1 {
				what = "one member of staff (" + r.person(o.staff[0]) + ")"
			}
			out = append(out, Violation{Key: key(TwoStaff, z), Kind: TwoStaff, Zone: z, People: people, Priority: prio,
				Message: fmt.Sprintf("%s in %s with %s: two staff required", r.list(o.residents), r.zoneName(z), what)})
		}
	}
	return out
}

func key(k Kind, parts ...string) string { return string(k) + "/" + strings.Join(parts, "/") }

func (r *Rules) person(id string) string {
	if p, ok := r.people[id]; ok && p.Name != "" {
		return id + " (" + p.Name + ")"
	}
	return id
}

func (r *Rules) zoneName(id string) string {
	if n := r.names[id]; n != "" && n != id {
		return id + " (" + n + ")"
	}
	return id
}

// list names up to eight people for a message (an alarm's message is
// limited), then says how many more.
func (r *Rules) list(ids []string) string {
	const show = 8
	var parts []string
	for i, id := range ids {
		if i == show {
			parts = append(parts, fmt.Sprintf("and %d more", len(ids)-show))
			break
		}
		parts = append(parts, r.person(id))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
