package facility

import (
	"testing"
	"time"
)

func TestAt(t *testing.T) {
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	toronto, santiago, lordHowe := load("America/Toronto"), load("America/Santiago"), load("Australia/Lord_Howe")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name string
		loc  *time.Location
		y    int
		m    time.Month
		d    int
		min  int
		want time.Time
	}{
		{"summer morning", toronto, 2026, time.June, 1, 9 * 60, utc("2026-06-01T13:00:00Z")},
		{"winter evening", toronto, 2026, time.January, 15, 21*60 + 45, utc("2026-01-16T02:45:00Z")},
		{"midnight", toronto, 2026, time.June, 1, 0, utc("2026-06-01T04:00:00Z")},
		// 2026-03-08: the clocks go from 02:00 EST to 03:00 EDT.
		{"skipped time is when the clocks pass it", toronto, 2026, time.March, 8, 2*60 + 30, utc("2026-03-08T07:00:00Z")},
		{"just before the jump", toronto, 2026, time.March, 8, 1*60 + 59, utc("2026-03-08T06:59:00Z")},
		{"after the jump", toronto, 2026, time.March, 8, 3 * 60, utc("2026-03-08T07:00:00Z")},
		// 2026-11-01: the clocks go from 02:00 EDT back to 01:00 EST.
		{"repeated time is its first occurrence", toronto, 2026, time.November, 1, 1*60 + 30, utc("2026-11-01T05:30:00Z")},
		{"after the repeat", toronto, 2026, time.November, 1, 2*60 + 30, utc("2026-11-01T07:30:00Z")},
		// Chile moves its clocks at midnight: 2026-09-06 begins at 01:00.
		{"a day without midnight", santiago, 2026, time.September, 6, 0, utc("2026-09-06T04:00:00Z")},
		// Lord Howe Island moves by half an hour: 02:00 → 02:30.
		{"half-hour jump", lordHowe, 2026, time.October, 4, 2*60 + 15, utc("2026-10-03T15:30:00Z")},
	} {
		got := At(tc.loc, tc.y, tc.m, tc.d, tc.min)
		if !got.Equal(tc.want) {
			t.Errorf("%s: At = %v (%v), want %v", tc.name, got, got.UTC(), tc.want)
		}
		if got.Location() != tc.loc {
			t.Errorf("%s: At returned a time in %v, want %v", tc.name, got.Location(), tc.loc)
		}
	}
	if got := DayStart(toronto, 2026, time.November, 1); !got.Equal(utc("2026-11-01T04:00:00Z")) {
		t.Errorf("DayStart of the fall-back day = %v", got)
	}
}

func TestParseClock(t *testing.T) {
	for in, want := range map[string]int{"00:00": 0, "06:30": 390, "23:59": 1439} {
		if got, err := ParseClock(in); err != nil || got != want {
			t.Errorf("ParseClock(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"6:30", "24:00", "06:60", " 06:30", "0630", ""} {
		if _, err := ParseClock(in); err == nil {
			t.Errorf("ParseClock(%q) succeeded", in)
		}
	}
}

func TestLocation(t *testing.T) {
	f := Default()
	if f.Location() != time.UTC {
		t.Errorf("default Location = %v", f.Location())
	}
	f.Timezone = "America/Toronto"
	if f.Location().String() != "America/Toronto" {
		t.Errorf("Location = %v", f.Location())
	}
}
