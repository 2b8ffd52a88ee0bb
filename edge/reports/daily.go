package reports

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/palisade/palisade/edge/facility"
)

// ErrRange refuses a date range that ends before it starts, or one too
// long to report on in one go.
var ErrRange = errors.New("reports: bad date range")

// MaxDays is the longest range one report covers.
const MaxDays = 366 * 2

// DefaultMinAttendance is how long a stay in an education zone or a
// chapel must last to count as attending (a resident walking through the
// education corridor did not attend a class).
const DefaultMinAttendance = 10 * time.Minute

// Transition is a committed presence transition: from At on, Person is in
// zone To ("" when presence no longer knows where: reported missing). From
// is where they were before ("" unknown); the report reads only To.
type Transition struct {
	Person string
	From   string
	To     string
	At     time.Time
}

// Attendance is the attendance at one kind of programme on one day.
type Attendance struct {
	// Sessions are the stays of at least the minimum attendance that
	// began that day; consecutive zones of the kind (two classrooms of
	// the education centre) are one stay.
	Sessions int `json:"sessions"`
	// Time is all the time spent in zones of the kind that day.
	Time time.Duration `json:"time"`
}

// Row is one resident on one day.
type Row struct {
	Person string `json:"person"`
	Name   string `json:"name"`
	Home   string `json:"home_cell"` // "" when the resident has no home cell
	Date   Date   `json:"date"`
	// Day is the length of the day on the facility's clocks: 23 or 25
	// hours when they change.
	Day time.Duration `json:"day"`
	// Known is how much of the day presence knew where the resident was.
	// The figures below are within it.
	Known     time.Duration `json:"known"`
	OutOfCell time.Duration `json:"out_of_cell"` // known to be somewhere other than the home cell (0 without one)
	Yard      time.Duration `json:"yard"`
	Education Attendance    `json:"education"`
	Religious Attendance    `json:"religious"` // chapel zones
}

// Reporter computes the figures of a facility. It is read-only after New
// and safe for concurrent use.
type Reporter struct {
	zx        *facility.ZoneIndex
	loc       *time.Location
	residents []facility.Person // sorted by id
	// MinAttendance is how long a stay must last to count as a session
	// (New sets DefaultMinAttendance).
	MinAttendance time.Duration
}

// New returns the reporter of a facility.
func New(f *facility.Facility) *Reporter {
	r := &Reporter{zx: f.ZoneIndex(), loc: f.Location(), MinAttendance: DefaultMinAttendance}
	for _, p := range f.People {
		if p.Role == facility.PersonResident {
			r.residents = append(r.residents, p)
		}
	}
	slices.SortFunc(r.residents, func(a, b facility.Person) int { return strings.Compare(a.ID, b.ID) })
	return r
}

// Daily returns a row per resident and day from from to to (inclusive,
// on the facility's clocks), for the residents named in people (all when
// empty), sorted by person and date. ts must hold, for each resident,
// every transition in the range and the last one before it (where they
// were when the range begins); earlier ones are harmless. Time before a
// resident's first transition is unknown.
func (r *Reporter) Daily(ts []Transition, from, to Date, people ...string) ([]Row, error) {
	days := from.DaysUntil(to) + 1
	if days < 1 || days > MaxDays {
		return nil, fmt.Errorf("%w: %s to %s (1 to %d days)", ErrRange, from, to, MaxDays)
	}
	bounds := make([]time.Time, days+1) // bounds[i] is the start of day i
	for i := range bounds {
		d := from.AddDays(i)
		bounds[i] = facility.DayStart(r.loc, d.Year, d.Month, d.Day)
	}
	byPerson := map[string][]Transition{}
	for _, t := range ts {
		byPerson[t.Person] = append(byPerson[t.Person], t)
	}
	var rows []Row
	for _, p := range r.residents {
		if len(people) > 0 && !slices.Contains(people, p.ID) {
			continue
		}
		pts := byPerson[p.ID]
		slices.SortStableFunc(pts, func(a, b Transition) int { return a.At.Compare(b.At) })
		rows = append(rows, r.person(p, pts, from, bounds)...)
	}
	return rows, nil
}

// stay is a span in one zone ("" unknown).
type stay struct {
	zone       string
	start, end time.Time
}

func (r *Reporter) person(p facility.Person, ts []Transition, from Date, bounds []time.Time) []Row {
	rows := make([]Row, len(bounds)-1)
	for i := range rows {
		rows[i] = Row{Person: p.ID, Name: p.Name, Home: p.Home, Date: from.AddDays(i), Day: bounds[i+1].Sub(bounds[i])}
	}
	lo, hi := bounds[0], bounds[len(bounds)-1]
	var stays []stay
	for i, t := range ts {
		end := hi
		if i+1 < len(ts) {
			end = ts[i+1].At
		}
		s := stay{zone: t.To, start: maxTime(t.At, lo), end: minTime(end, hi)}
		if s.end.After(s.start) {
			stays = append(stays, s)
		}
	}
	for _, s := range stays {
		r.add(rows, bounds, s, p.Home)
	}
	r.sessions(rows, bounds, stays, facility.ZoneEducation, func(row *Row) *Attendance { return &row.Education })
	r.sessions(rows, bounds, stays, facility.ZoneChapel, func(row *Row) *Attendance { return &row.Religious })
	return rows
}

// add spreads a stay over the days it spans.
func (r *Reporter) add(rows []Row, bounds []time.Time, s stay, home string) {
	if s.zone == "" {
		return
	}
	_, yard := r.zx.OfKind(s.zone, facility.ZoneYard)
	_, edu := r.zx.OfKind(s.zone, facility.ZoneEducation)
	_, chapel := r.zx.OfKind(s.zone, facility.ZoneChapel)
	out := home != "" && !r.zx.Within(s.zone, home)
	for i := range rows {
		d := overlap(s.start, s.end, bounds[i], bounds[i+1])
		if d <= 0 {
			continue
		}
		row := &rows[i]
		row.Known += d
		if out {
			row.OutOfCell += d
		}
		if yard {
			row.Yard += d
		}
		if edu {
			row.Education.Time += d
		}
		if chapel {
			row.Religious.Time += d
		}
	}
}

// sessions counts the stays in zones of kind k — consecutive ones joined
// — that last at least MinAttendance, on the day each began.
func (r *Reporter) sessions(rows []Row, bounds []time.Time, stays []stay, k facility.ZoneKind, att func(*Row) *Attendance) {
	in := func(s stay) bool { _, ok := r.zx.OfKind(s.zone, k); return s.zone != "" && ok }
	for i := 0; i < len(stays); i++ {
		if !in(stays[i]) {
			continue
		}
		start, end := stays[i].start, stays[i].end
		for i+1 < len(stays) && in(stays[i+1]) && stays[i+1].start.Equal(end) {
			i++
			end = stays[i].end
		}
		if end.Sub(start) < r.MinAttendance {
			continue
		}
		for d := range rows {
			if !start.Before(bounds[d]) && start.Before(bounds[d+1]) {
				att(&rows[d]).Sessions++
				break
			}
		}
	}
}

func overlap(a0, a1, b0, b1 time.Time) time.Duration {
	return minTime(a1, b1).Sub(maxTime(a0, b0))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
