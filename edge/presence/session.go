package presence

import (
	"time"

	"github.com/palisade/palisade/sensors/rfid"
)

// session is one passage: the reads of one tag at one reader with no gap
// longer than Config.Gap between them. It keeps counts and times per
// side, not the reads, so a tag that stays in a doorway all day costs
// the same as one that walks through.
type session struct {
	r           *readerInfo
	p           *personState // nil: an unregistered tag
	epc         rfid.EPC
	first, last time.Time
	n           int
	sides       [2]sideReads
	firstAnt    int
	firstSide   int
	rssi        int  // strongest read, dBm
	reported    bool // UnknownTag (or an area reader's Transition) done
}

type sideReads struct {
	first, last time.Time
	n           int
}

func (s *session) add(side int, at time.Time, rssi int) {
	if s.n == 0 {
		s.firstSide = side
	}
	s.n++
	s.last = at
	if rssi > s.rssi {
		s.rssi = rssi
	}
	sr := &s.sides[side]
	if sr.n == 0 {
		sr.first = at
	}
	sr.n++
	sr.last = at
}

// finish decides what an ended passage of a registered person through a
// doorway was. Sides read fewer than MinSideReads times are ignored (a
// stray read on the far side makes no crossing). The tag came from the
// side that read it first and went to the side that read it last; the
// same side, or one side only, is someone who came up to the doorway or
// lingered in it and went back. The crossing happened between the last
// read on the side left and the first on the side entered (the antennas'
// fields overlap at the threshold, so the two usually straddle it).
func (e *Engine) finish(s *session, out []Output) []Output {
	e.stats.Passages++
	if s.p == nil || !s.r.doorway {
		return out
	}
	if s.n < e.cfg.MinReads {
		e.stats.Noise++
		return out
	}
	a, b := &s.sides[0], &s.sides[1]
	if a.n < e.cfg.MinSideReads || b.n < e.cfg.MinSideReads {
		e.stats.NoCrossing++
		return out
	}
	entry, exit := -1, -1
	switch {
	case a.first.Before(b.first):
		entry = 0
	case b.first.Before(a.first):
		entry = 1
	}
	switch {
	case a.last.After(b.last):
		exit = 0
	case b.last.After(a.last):
		exit = 1
	}
	switch {
	case entry < 0 || exit < 0:
		e.stats.Ambiguous++
		return out
	case entry == exit:
		e.stats.NoCrossing++
		return out
	}
	left, entered := s.sides[entry], s.sides[exit]
	at := left.last.Add(entered.first.Sub(left.last) / 2)
	return e.transition(s, s.r.zones[entry], s.r.zones[exit], at, out)
}

// apart reports whether two times are more than Gap apart, either way: a
// clock set back by hours must not hold a passage open until it catches
// up.
func (e *Engine) apart(t, last time.Time) bool {
	d := t.Sub(last)
	return d > e.cfg.Gap || d < -e.cfg.Gap
}

func (e *Engine) found(p *personState, at time.Time) Found {
	p.missing = false
	e.stats.Found++
	return Found{Person: p.id, Reader: p.lastReader, Zone: p.lastZone, At: at, Since: p.missingSeen}
}

func (e *Engine) unknownTag(s *session, out []Output) []Output {
	if t, seen := e.unknown[s.epc]; seen && s.first.Sub(t) < e.cfg.UnknownEvery {
		return out
	}
	e.unknown[s.epc] = s.first
	e.stats.Unknown++
	return append(out, UnknownTag{EPC: s.epc, Reader: s.r.id, Antenna: s.firstAnt, Zone: s.r.zones[s.firstSide],
		RSSI: s.rssi, At: s.first, Reads: s.n})
}

// place handles an area reader's passage: the person is in its zone.
func (e *Engine) place(s *session, out []Output) []Output {
	p, zone := s.p, s.r.zones[0]
	if p.zone == zone {
		return out
	}
	return e.transition(s, "", zone, s.first, out)
}

func (e *Engine) transition(s *session, from, to string, at time.Time, out []Output) []Output {
	p := s.p
	t := Transition{Person: p.id, EPC: s.epc, Reader: s.r.id, From: from, To: to, At: at, Reads: s.n, Prev: p.zone}
	t.Anomaly, t.Reason = Classify(p.zone, s.r.id, s.r.zones, from, to)
	if !at.Before(p.since) {
		p.zone, p.since = to, at
	}
	e.stats.Transitions++
	if t.Anomaly != NoAnomaly {
		e.stats.Flagged++
		e.log.Info("flagged transition", "person", p.id, "reader", s.r.id, "anomaly", string(t.Anomaly), "reason", t.Reason)
	}
	return append(out, t)
}
