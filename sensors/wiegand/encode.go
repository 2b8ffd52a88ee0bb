package wiegand

import (
	"slices"
	"time"

	"github.com/palisade/palisade/sensors/contact"
)

// Wire is the timing the encoder sends with.
type Wire struct {
	Pulse  time.Duration // width of each low pulse
	Period time.Duration // start to start of consecutive bits
}

// DefaultWire is a typical reader: 50 µs pulses every 2 ms.
func DefaultWire() Wire { return Wire{Pulse: 50 * time.Microsecond, Period: 2 * time.Millisecond} }

// Pulse is one bit on the wire. Tests corrupt a frame by editing its
// pulses (a wider pulse, a pulse moved onto the other line's, pulses cut
// off) before turning them into edges.
type Pulse struct {
	One   bool // on D1; else on D0
	At    time.Time
	Width time.Duration
}

// Pulses returns the n bits of raw, first bit most significant, starting
// at start.
func Pulses(raw uint64, n int, start time.Time, w Wire) []Pulse {
	ps := make([]Pulse, n)
	for i := range ps {
		ps[i] = Pulse{One: raw>>(n-1-i)&1 == 1, At: start.Add(time.Duration(i) * w.Period), Width: w.Pulse}
	}
	return ps
}

// Encode returns the pulses of a card in format f starting at start.
func Encode(f Format, facility, card uint32, start time.Time, w Wire) ([]Pulse, error) {
	raw, err := f.Pack(facility, card)
	if err != nil {
		return nil, err
	}
	return Pulses(raw, f.Bits, start, w), nil
}

// LineEdges returns each line's edges for the pulses, in time order: what a
// GPIO input per line would deliver.
func LineEdges(ps []Pulse) (d0, d1 []contact.Edge) {
	for _, e := range Edges(ps) {
		if e.Line == D1 {
			d1 = append(d1, contact.Edge{High: e.High, At: e.At})
		} else {
			d0 = append(d0, contact.Edge{High: e.High, At: e.At})
		}
	}
	return d0, d1
}

// Edges returns the edges of both lines for the pulses, merged in time
// order (falling before rising at the same instant).
func Edges(ps []Pulse) []Edge {
	es := make([]Edge, 0, 2*len(ps))
	for _, p := range ps {
		l := D0
		if p.One {
			l = D1
		}
		es = append(es, Edge{Line: l, High: false, At: p.At}, Edge{Line: l, High: true, At: p.At.Add(p.Width)})
	}
	slices.SortStableFunc(es, func(a, b Edge) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		switch {
		case a.High == b.High:
			return 0
		case !a.High:
			return -1
		}
		return 1
	})
	return es
}
