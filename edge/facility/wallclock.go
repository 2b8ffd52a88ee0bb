package facility

import (
	"fmt"
	"strings"
	"time"
)

// Location returns the facility's time zone (Timezone), UTC when it is
// empty or unknown — which a validated facility never has.
func (f *Facility) Location() *time.Location {
	if loc, err := time.LoadLocation(f.Timezone); err == nil && f.Timezone != "" {
		return loc
	}
	return time.UTC
}

// ParseClock parses "HH:MM" into minutes after midnight.
func ParseClock(s string) (int, error) {
	m, err := clock(s)
	if err != nil || strings.TrimSpace(s) != s || len(s) != 5 {
		return 0, fmt.Errorf("time %q: want \"HH:MM\", e.g. \"06:30\"", s)
	}
	return m, nil
}

// At returns the first instant at which the clocks of loc read minute
// minutes past midnight, or later, on the given day: the moment a daily
// event scheduled for that time happens.
//
// On a day the clocks go back, a time that occurs twice is its first
// occurrence. On a day they go forward, a time that does not exist is the
// instant the clocks jump past it (02:30 on a spring-forward night in
// Toronto is 03:00 EDT). time.Date promises neither: for such readings
// "the choice of time zone, and therefore the time, is not guaranteed"
// (Go 1.26 gives 01:30 EST for that 02:30 — before the count was due).
func At(loc *time.Location, year int, month time.Month, day, minute int) time.Time {
	wall := time.Date(year, month, day, 0, minute, 0, 0, time.UTC) // the reading, as if on UTC
	// The offsets in force within a day of that reading: a zone changes
	// offset at most once in such a span in practice, twice at worst.
	offsets := map[int]bool{}
	for _, d := range []time.Duration{-36 * time.Hour, -12 * time.Hour, 0, 12 * time.Hour, 36 * time.Hour} {
		_, off := wall.Add(d).In(loc).Zone()
		offsets[off] = true
	}
	var best, latest time.Time
	for off := range offsets {
		s := wall.Add(-time.Duration(off) * time.Second)
		if latest.IsZero() || s.After(latest) {
			latest = s
		}
		if _, o := s.In(loc).Zone(); o == off && (best.IsZero() || s.Before(best)) {
			best = s
		}
	}
	if !best.IsZero() {
		return best.In(loc)
	}
	// The reading falls in a gap: the clocks jumped over it at the start
	// of the zone in force at the latest candidate.
	start, _ := latest.In(loc).ZoneBounds()
	return start.In(loc)
}

// DayStart returns the first instant of a day on the clocks of loc (its
// midnight, or the instant the day began if midnight was skipped).
func DayStart(loc *time.Location, year int, month time.Month, day int) time.Time {
	return At(loc, year, month, day, 0)
}
