package scenario

import (
	"sort"
	"time"

	"github.com/palisade/palisade/sensors/rfid"
)

// Field geometry of a doorway reader. A person walking at about 1.4 m/s
// enters an antenna's field about 2 m out; both antennas see the
// threshold itself.
const (
	// Approach is how long before (after) the threshold a person is in
	// the field of the antenna facing the zone they come from (go to).
	Approach = 1500 * time.Millisecond
	// Overlap is how long both antennas see a person crossing, centred on
	// the threshold: the side-A antenna still sees them Overlap/2 after,
	// the side-B antenna already Overlap/2 before.
	Overlap = 400 * time.Millisecond
	// NearDBm is the signal at the threshold, FarDBm at the edge of the
	// field; in between it changes linearly with time.
	NearDBm = -45.0
	FarDBm  = -70.0
	// turnBackLoss: a person turning back stops short of the threshold.
	turnBackLoss = 4.0
)

// Sighting is a tag in an antenna's field and the signal it would give,
// before the reader's noise.
type Sighting struct {
	EPC  rfid.EPC
	RSSI float64 // dBm
}

// InView returns the tags the antenna of the doorway's reader can read at
// t. A person crossing from A to B is in view of antenna 0 first, then
// both, then antenna 1; one who turns back is seen by the antenna on
// their side only.
func (s *Scenario) InView(doorway string, antenna int, t time.Time) []Sighting {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.doorways[doorway]
	if !ok {
		return nil
	}
	ms := s.byDoor[doorway]
	i := sort.Search(len(ms), func(i int) bool { return !ms[i].At.Before(t.Add(-Approach)) })
	var out []Sighting
	for ; i < len(ms) && !ms[i].At.After(t.Add(Approach)); i++ {
		if rssi, ok := sight(d, ms[i], antenna, t); ok {
			out = append(out, Sighting{EPC: ms[i].EPC, RSSI: rssi})
		}
	}
	return out
}

// sight decides whether antenna of d sees the person of m at t.
func sight(d Doorway, m Move, antenna int, t time.Time) (float64, bool) {
	dt := t.Sub(m.At) // < 0: before the threshold
	from := d.Antenna(m.From)
	switch {
	case !m.Crosses():
		if antenna != from || dt < -Approach || dt > Approach {
			return 0, false
		}
		return signal(dt) - turnBackLoss, true
	case antenna == from:
		if dt < -Approach || dt > Overlap/2 {
			return 0, false
		}
	case antenna == 1-from:
		if dt < -Overlap/2 || dt > Approach {
			return 0, false
		}
	default:
		return 0, false
	}
	return signal(dt), true
}

// signal falls linearly from NearDBm at the threshold to FarDBm at the
// edge of the field.
func signal(dt time.Duration) float64 {
	if dt < 0 {
		dt = -dt
	}
	return NearDBm - (NearDBm-FarDBm)*float64(dt)/float64(Approach)
}

// Busy returns the stretches of time during which some tag is in view of
// the doorway's reader, merged and by time: a replay need only run
// inventory rounds inside them.
func (s *Scenario) Busy(doorway string) [][2]time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out [][2]time.Time
	for _, m := range s.byDoor[doorway] {
		from, to := m.At.Add(-Approach), m.At.Add(Approach)
		if n := len(out); n > 0 && !from.After(out[n-1][1]) {
			if to.After(out[n-1][1]) {
				out[n-1][1] = to
			}
			continue
		}
		out = append(out, [2]time.Time{from, to})
	}
	return out
}
