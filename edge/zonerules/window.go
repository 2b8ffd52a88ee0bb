package zonerules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/palisade/palisade/edge/facility"
)

// who is a compiled facility.Who: the people it names and its weekly
// window on the facility's clocks.
type who struct {
	people, groups []string
	roles          []facility.PersonRole
	home           bool
	days           []time.Weekday // empty: every day
	from, to       int            // minutes after midnight; from == to: all day
	text           string         // for messages
}

func compileWho(w facility.Who) (who, error) {
	c := who{people: w.People, groups: w.Groups, roles: w.Roles, home: w.Home}
	for _, d := range w.Days {
		wd, ok := facility.Weekday(d)
		if !ok {
			return who{}, fmt.Errorf("%w: unknown day %q", ErrConfig, d)
		}
		c.days = append(c.days, wd)
	}
	if w.Hours != "" {
		var err error
		if c.from, c.to, err = facility.ParseHours(w.Hours); err != nil {
			return who{}, fmt.Errorf("%w: %v", ErrConfig, err)
		}
	}
	c.text = describeWho(w)
	return c, nil
}

// names reports whether the entry names p, checked in zone (for home).
func (w who) names(p facility.Person, zone string, zx *facility.ZoneIndex) bool {
	if slices.Contains(w.people, p.ID) || slices.Contains(w.roles, p.Role) {
		return true
	}
	for _, g := range p.Groups {
		if slices.Contains(w.groups, g) {
			return true
		}
	}
	return w.home && p.Role == facility.PersonResident && p.Home != "" && zx.Within(p.Home, zone)
}

// open reports whether t (on the facility's clocks) is inside the
// entry's window. The window is read on the wall clock: "09:00-11:00" is
// two hours of wall-clock time, whatever the daylight-saving offset. A
// window that wraps past midnight belongs to the day it starts on.
func (w who) open(t time.Time) bool {
	m, wd := t.Hour()*60+t.Minute(), t.Weekday()
	switch {
	case w.from == w.to: // all day
		return w.onDay(wd)
	case w.from < w.to:
		return w.onDay(wd) && m >= w.from && m < w.to
	default: // wraps: the evening of its day, the morning of the next
		return w.onDay(wd) && m >= w.from || w.onDay((wd+6)%7) && m < w.to
	}
}

func (w who) onDay(d time.Weekday) bool { return len(w.days) == 0 || slices.Contains(w.days, d) }

// matches reports whether the entry names p in zone at t.
func (w who) matches(p facility.Person, zone string, zx *facility.ZoneIndex, t time.Time) bool {
	return w.names(p, zone, zx) && w.open(t)
}

// describeWho says an entry in words: "hb-a-residents mon, tue 09:00-11:00".
func describeWho(w facility.Who) string {
	var parts []string
	parts = append(parts, w.People...)
	parts = append(parts, w.Groups...)
	for _, r := range w.Roles {
		parts = append(parts, string(r))
	}
	if w.Home {
		parts = append(parts, "its own residents")
	}
	s := strings.Join(parts, ", ")
	if len(w.Days) > 0 {
		s += " " + strings.Join(w.Days, "/")
	}
	if w.Hours != "" {
		s += " " + w.Hours
	}
	return s
}
