package headcount

import (
	"fmt"
	"slices"
	"time"

	"github.com/palisade/palisade/edge/facility"
)

// CatchUp is how long after its time a scheduled count may still start:
// a cluster that was down through 12:30 starts the 12:30 count at 12:40,
// not at 15:00.
const CatchUp = 15 * time.Minute

// Plan is what the facility file says about counts: the counted zones,
// who each expects, the schedule, and who may do what. It is read-only
// after NewPlan and safe for concurrent use.
type Plan struct {
	zones    []string            // counted zones, in file order
	expected map[string][]string // counted zone → residents whose home is in it, sorted
	zx       *facility.ZoneIndex
	people   map[string]facility.Person
	users    map[string]facility.Role
	nodes    map[string]bool
	times    []int // scheduled counts, minutes after midnight, sorted
	loc      *time.Location
	late     time.Duration
}

// NewPlan reads the facility's headcount section. It fails only for a
// facility that did not pass validation.
func NewPlan(f *facility.Facility) (*Plan, error) {
	p := &Plan{zones: slices.Clone(f.Headcount.Zones), expected: map[string][]string{}, zx: f.ZoneIndex(),
		people: map[string]facility.Person{}, users: map[string]facility.Role{}, nodes: map[string]bool{},
		loc: f.Location(), late: time.Duration(f.Headcount.Late)}
	if p.late <= 0 {
		p.late = facility.DefaultHeadcountLate
	}
	for _, z := range p.zones {
		if !p.zx.Known(z) {
			return nil, fmt.Errorf("%w: counted zone %q is not in the facility", ErrInvalid, z)
		}
		p.expected[z] = []string{}
	}
	for _, pr := range f.People {
		p.people[pr.ID] = pr
		if pr.Role != facility.PersonResident || pr.Home == "" {
			continue
		}
		if z, ok := p.countedZone(pr.Home); ok {
			p.expected[z] = append(p.expected[z], pr.ID)
		}
	}
	for _, ids := range p.expected {
		slices.Sort(ids)
	}
	for _, u := range f.Users {
		p.users[u.Name] = u.Role
	}
	for _, n := range f.Nodes {
		p.nodes[n.ID] = true
	}
	for _, t := range f.Headcount.Times {
		m, err := facility.ParseClock(t)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		p.times = append(p.times, m)
	}
	slices.Sort(p.times)
	return p, nil
}

// Zones returns the counted zones, in file order.
func (p *Plan) Zones() []string { return slices.Clone(p.zones) }

// countedZone returns the counted zone that contains zone.
func (p *Plan) countedZone(zone string) (string, bool) {
	for _, z := range p.zones {
		if p.zx.Within(zone, z) {
			return z, true
		}
	}
	return "", false
}

func (p *Plan) resident(id string) bool {
	pr, ok := p.people[id]
	return ok && pr.Role == facility.PersonResident
}

// user reports whether name is a console user; supervisor whether the
// user may cancel a count.
func (p *Plan) user(name string) bool { _, ok := p.users[name]; return ok }
func (p *Plan) supervisor(name string) bool {
	r := p.users[name]
	return r == facility.RoleSupervisor || r == facility.RoleAdmin
}

// Due returns the scheduled count due at now: the latest scheduled time
// at or before now, no older than CatchUp, and later than last (the slot
// of the last scheduled count started).
func (p *Plan) Due(last, now time.Time) (time.Time, bool) {
	var best time.Time
	local := now.In(p.loc)
	for _, back := range []int{-1, 0} {
		d := local.AddDate(0, 0, back)
		for _, m := range p.times {
			s := facility.At(p.loc, d.Year(), d.Month(), d.Day(), m)
			if !s.After(now) && now.Sub(s) < CatchUp && s.After(best) {
				best = s
			}
		}
	}
	if best.IsZero() || !best.After(last) {
		return time.Time{}, false
	}
	return best.UTC(), true
}

// slot reports whether s is one of the scheduled times.
func (p *Plan) slot(s time.Time) bool {
	local := s.In(p.loc)
	for _, back := range []int{-1, 0} {
		d := local.AddDate(0, 0, back)
		for _, m := range p.times {
			if facility.At(p.loc, d.Year(), d.Month(), d.Day(), m).Equal(s) {
				return true
			}
		}
	}
	return false
}
