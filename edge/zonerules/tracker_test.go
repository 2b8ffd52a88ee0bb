package zonerules

import (
	"slices"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
)

// TestMonitorRaisesOnceAndClears walks a morning on the yard with an
// injected clock: each violation is raised when it begins, not again
// while it lasts, and cleared when it ends.
func TestMonitorRaisesOnceAndClears(t *testing.T) {
	f, err := facility.Parse("t.yaml", []byte(testFacility))
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMonitor(f)
	if err != nil {
		t.Fatal(err)
	}
	t0 := at(t, "2026-06-01T10:00:00-04:00")
	keys := func(rs []alarm.Raise) []string {
		var ks []string
		for _, r := range rs {
			ks = append(ks, r.Key)
		}
		return ks
	}
	steps := []struct {
		min    int
		snap   Snapshot
		raise  []string
		clear  []string
		opened int
	}{
		{0, place("r1", "yard"), nil, nil, 0},
		{59, place("r1", "yard"), nil, nil, 0},
		// 11:00: the yard closes with r1 still in it; nobody moved.
		{60, place("r1", "yard"), []string{"zonerules.unauthorised/yard-hours/yard/r1"}, nil, 1},
		{61, place("r1", "yard"), nil, nil, 1},
		// r3 walks in: not admitted either, and kept apart from r1.
		{65, place("r1", "yard", "r3", "yard"),
			[]string{"zonerules.keep_separate/feud/yard", "zonerules.unauthorised/yard-hours/yard/r3"}, nil, 3},
		// r5 joins the two: the keep-separate goes on; r5 is new.
		{66, place("r1", "yard", "r3", "yard", "r5", "yard"), []string{"zonerules.unauthorised/yard-hours/yard/r5"}, nil, 4},
		// r1 goes home.
		{70, place("r1", "c1", "r3", "yard", "r5", "yard"), nil, []string{"zonerules.unauthorised/yard-hours/yard/r1"}, 3},
		{75, place("r1", "c1", "r3", "c2", "r5", "d1"), nil,
			[]string{"zonerules.keep_separate/feud/yard", "zonerules.unauthorised/yard-hours/yard/r3", "zonerules.unauthorised/yard-hours/yard/r5"}, 0},
		// The same breach again later is a new violation.
		{90, place("r1", "yard"), []string{"zonerules.unauthorised/yard-hours/yard/r1"}, nil, 1},
	}
	for _, st := range steps {
		now := t0.Add(time.Duration(st.min) * time.Minute)
		raise, clear := m.Check(st.snap, now)
		if got := keys(raise); !slices.Equal(got, st.raise) {
			t.Errorf("+%dm: raised %v, want %v", st.min, got, st.raise)
		}
		if !slices.Equal(clear, st.clear) {
			t.Errorf("+%dm: cleared %v, want %v", st.min, clear, st.clear)
		}
		for _, r := range raise {
			if err := r.Normalize(); err != nil {
				t.Errorf("+%dm: %s: the alarm core refuses it: %v", st.min, r.Key, err)
			}
		}
		if open := m.Open(); len(open) != st.opened {
			t.Errorf("+%dm: %d open, want %d", st.min, len(open), st.opened)
		}
	}
	// Since is when the violation was first seen, kept while it goes on.
	m2, _ := NewMonitor(f)
	m2.Check(place("r1", "yard", "r3", "yard"), t0.Add(65*time.Minute))
	m2.Check(place("r1", "yard", "r3", "yard", "r5", "yard"), t0.Add(80*time.Minute))
	v, ok := find(m2.Open(), "zonerules.keep_separate/feud/yard")
	if !ok || !v.Since.Equal(t0.Add(65*time.Minute)) || len(v.People) != 3 {
		t.Errorf("ongoing keep-separate: %+v, %v; want since +65m with three people", v, ok)
	}
}
