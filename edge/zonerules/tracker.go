package zonerules

import (
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
)

// Tracker remembers the violations in progress, so that each is raised
// once when it begins and cleared once when it ends. It is not safe for
// concurrent use; [Monitor] is.
type Tracker struct {
	open map[string]Violation
}

// NewTracker returns a tracker with nothing in progress.
func NewTracker() *Tracker { return &Tracker{open: map[string]Violation{}} }

// Update takes the violations judged at now and returns those that began
// (Since set to now) and those that ended since the last update, each
// sorted by key. A violation that goes on — even with other people in it,
// a third resident joining two kept apart — is not raised again.
func (t *Tracker) Update(vs []Violation, now time.Time) (began, ended []Violation) {
	seen := make(map[string]bool, len(vs))
	for _, v := range vs {
		seen[v.Key] = true
		if old, ok := t.open[v.Key]; ok {
			v.Since = old.Since
			t.open[v.Key] = v
			continue
		}
		v.Since = now
		t.open[v.Key] = v
		began = append(began, v)
	}
	for k, v := range t.open {
		if !seen[k] {
			ended = append(ended, v)
			delete(t.open, k)
		}
	}
	byKey := func(a, b Violation) int { return strings.Compare(a.Key, b.Key) }
	slices.SortFunc(began, byKey)
	slices.SortFunc(ended, byKey)
	return began, ended
}

// Open returns the violations in progress, sorted by key: what the
// console shows.
func (t *Tracker) Open() []Violation {
	out := make([]Violation, 0, len(t.open))
	for _, v := range t.open {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Violation) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// Alarm is the alarm a violation raises: its key, kind, priority, zone
// and message (the people are in the message; an alarm has no list of
// people).
func (v Violation) Alarm() alarm.Raise {
	msg := v.Message
	if len(msg) > 1000 { // alarm.Raise's limit, in bytes
		cut := 997
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return alarm.Raise{Key: v.Key, Kind: string(v.Kind), Priority: alarm.Priority(v.Priority), Zone: v.Zone, Message: msg}
}

// Monitor is a facility's rules and a tracker behind a mutex: what a node
// runs. Check may be called from any goroutine.
type Monitor struct {
	rules *Rules
	mu    sync.Mutex
	tr    *Tracker
}

// NewMonitor compiles the facility's rules (see [New]).
func NewMonitor(f *facility.Facility) (*Monitor, error) {
	r, err := New(f)
	if err != nil {
		return nil, err
	}
	return &Monitor{rules: r, tr: NewTracker()}, nil
}

// Check judges the snapshot at now and returns the alarms to raise (the
// violations that began) and the keys of those that ended. A restarted
// node raises the violations in progress again; the alarm core folds a
// repeat of an open alarm's key into it.
func (m *Monitor) Check(s Snapshot, now time.Time) (raise []alarm.Raise, cleared []string) {
	vs := m.rules.Evaluate(s, now)
	m.mu.Lock()
	began, ended := m.tr.Update(vs, now)
	m.mu.Unlock()
	for _, v := range began {
		raise = append(raise, v.Alarm())
	}
	for _, v := range ended {
		cleared = append(cleared, v.Key)
	}
	return raise, cleared
}

// Open returns the violations in progress.
func (m *Monitor) Open() []Violation {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tr.Open()
}
