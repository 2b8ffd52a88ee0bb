package uplink

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxOpen bounds the open alarms a Summary lists; more are counted in
// Dropped. A facility with two thousand open priority 1–2 alarms has a
// problem HQ sees from the count alone.
const MaxOpen = 2000

// Summary is what a facility's records say about it now: the fold of
// every record up to Seq. The edge keeps the fold of the records it has
// pruned (it goes out in a gap record); HQ keeps the fold of everything it
// received (its dashboard).
type Summary struct {
	Seq          uint64     `json:"seq"` // the last record folded in
	Index        uint64     `json:"index"`
	Time         time.Time  `json:"time"`
	Open         []Alarm    `json:"open"` // open priority 1–2 alarms, by id
	Dropped      int        `json:"dropped,omitempty"`
	Rollup       *Rollup    `json:"rollup,omitempty"`
	RollupAt     time.Time  `json:"rollup_at,omitzero"`
	Headcount    *Headcount `json:"headcount,omitempty"`
	HeadcountAt  time.Time  `json:"headcount_at,omitzero"`
	Overrides    int        `json:"overrides"` // granted overrides folded in
	LastOverride *Override  `json:"last_override,omitempty"`
}

// ErrOrder refuses a record that does not come after the summary.
var ErrOrder = errors.New("uplink: record out of order")

// Apply folds r into s. Records must come in order; a gap replaces s with
// the summary it carries.
func (s *Summary) Apply(r Record) error {
	if r.Seq <= s.Seq {
		return fmt.Errorf("%w: record %d after %d", ErrOrder, r.Seq, s.Seq)
	}
	switch r.Kind {
	case KindGap:
		var g Gap
		if err := json.Unmarshal(r.Body, &g); err != nil {
			return fmt.Errorf("%w: gap %d: %v", ErrMalformed, r.Seq, err)
		}
		*s = g.Summary
		return nil
	case KindAlarm:
		var a Alarm
		if err := json.Unmarshal(r.Body, &a); err != nil {
			return fmt.Errorf("%w: alarm record %d: %v", ErrMalformed, r.Seq, err)
		}
		s.alarm(a)
	case KindRollup:
		var ru Rollup
		if err := json.Unmarshal(r.Body, &ru); err != nil {
			return fmt.Errorf("%w: rollup record %d: %v", ErrMalformed, r.Seq, err)
		}
		s.Rollup, s.RollupAt = &ru, r.Time.UTC()
	case KindHeadcount:
		var h Headcount
		if err := json.Unmarshal(r.Body, &h); err != nil {
			return fmt.Errorf("%w: headcount record %d: %v", ErrMalformed, r.Seq, err)
		}
		s.Headcount, s.HeadcountAt = &h, r.Time.UTC()
	case KindOverride:
		var o Override
		if err := json.Unmarshal(r.Body, &o); err != nil {
			return fmt.Errorf("%w: override record %d: %v", ErrMalformed, r.Seq, err)
		}
		s.Overrides++
		s.LastOverride = &o
	}
	s.Seq, s.Index, s.Time = r.Seq, r.Index, r.Time.UTC()
	return nil
}

func (s *Summary) alarm(a Alarm) {
	i, found := slices.BinarySearchFunc(s.Open, a.ID, func(x Alarm, id string) int { return strings.Compare(x.ID, id) })
	switch {
	case a.State == "resolved" && found:
		s.Open = slices.Delete(s.Open, i, i+1)
	case a.State == "resolved":
		if s.Dropped > 0 {
			s.Dropped--
		}
	case found:
		s.Open[i] = a
	case len(s.Open) >= MaxOpen:
		s.Dropped++
	default:
		s.Open = slices.Insert(s.Open, i, a)
	}
}

// OpenAlarm returns the open alarm of that id, if the summary lists it.
func (s *Summary) OpenAlarm(id string) (Alarm, bool) {
	i, found := slices.BinarySearchFunc(s.Open, id, func(x Alarm, id string) int { return strings.Compare(x.ID, id) })
	if !found {
		return Alarm{}, false
	}
	return s.Open[i], true
}

func (s Summary) validate() error {
	if len(s.Open) > MaxOpen || s.Dropped < 0 || s.Overrides < 0 {
		return fmt.Errorf("summary lists %d open alarms (at most %d)", len(s.Open), MaxOpen)
	}
	for i, a := range s.Open {
		if err := a.validate(); err != nil {
			return fmt.Errorf("summary alarm %d: %v", i, err)
		}
		if i > 0 && s.Open[i-1].ID >= a.ID {
			return fmt.Errorf("summary alarms not sorted at %d", i)
		}
	}
	if s.Rollup != nil {
		if err := s.Rollup.validate(); err != nil {
			return err
		}
	}
	if s.Headcount != nil {
		if err := s.Headcount.validate(); err != nil {
			return err
		}
	}
	if s.LastOverride != nil {
		return s.LastOverride.validate()
	}
	return nil
}
