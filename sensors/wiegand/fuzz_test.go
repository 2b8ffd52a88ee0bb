package wiegand

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// edgesFromBytes reads 3 bytes an edge: flags (bit 0 the line, bit 1 the
// level, bit 2 a step backwards in time) and a 16-bit step in µs.
func edgesFromBytes(b []byte) []Edge {
	var es []Edge
	at := t0
	for ; len(b) >= 3; b = b[3:] {
		step := time.Duration(binary.BigEndian.Uint16(b[1:])) * time.Microsecond
		if b[0]&4 != 0 {
			step = -step
		}
		at = at.Add(step)
		es = append(es, Edge{Line: Line(b[0] & 1), High: b[0]&2 != 0, At: at})
	}
	return es
}

func edgesToBytes(es []Edge) []byte {
	var b []byte
	prev := t0
	for _, e := range es {
		step := e.At.Sub(prev)
		prev = e.At
		flags := byte(e.Line)
		if e.High {
			flags |= 2
		}
		if step < 0 {
			flags, step = flags|4, -step
		}
		// A longer step is clamped: 65 ms is still past any frame gap.
		us := min(step/time.Microsecond, 0xFFFF)
		b = append(b, flags, byte(us>>8), byte(us))
	}
	return b
}

// FuzzDecode feeds arbitrary edge sequences: the decoder never panics, every
// frame it accepts re-encodes to itself and decodes again identically, and
// every rejection is counted once under one reason.
func FuzzDecode(f *testing.F) {
	for _, tc := range decodeCases {
		f.Add(edgesToBytes(Edges(tc.pulses())))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var st Stats
		res := decodeAll(NewDecoder(DefaultTiming(), &st), edgesFromBytes(b))
		var good, bad uint64
		for _, r := range res {
			if r.Err != nil {
				bad++
				var fe *FrameError
				if !errors.As(r.Err, &fe) {
					t.Fatalf("rejection %v is not a *FrameError", r.Err)
				}
				continue
			}
			good++
			fmt, ok := formatFor(r.Frame.Bits)
			if !ok || fmt.Name != r.Frame.Format {
				t.Fatalf("frame %+v of no format", r.Frame)
			}
			raw, err := fmt.Pack(r.Frame.Facility, r.Frame.Card)
			if err != nil || raw != r.Frame.Raw {
				t.Fatalf("frame %+v re-packs to %#x %v", r.Frame, raw, err)
			}
			again := decodeAll(NewDecoder(DefaultTiming(), nil), Edges(Pulses(raw, fmt.Bits, r.Frame.At, DefaultWire())))
			if len(again) != 1 || again[0].Err != nil || again[0].Frame != r.Frame {
				t.Fatalf("frame %+v re-decodes to %+v", r.Frame, again)
			}
		}
		s := st.Snapshot()
		var counted uint64
		for k, v := range s {
			if k != "frames" {
				counted += v
			}
		}
		if s["frames"] != good || counted != bad {
			t.Fatalf("stats %v for %d good and %d bad", s, good, bad)
		}
	})
}

// The seeds mean what the table says: the byte form keeps the timing.
func TestFuzzSeedsKeepTheirMeaning(t *testing.T) {
	for _, tc := range decodeCases {
		direct := decodeAll(NewDecoder(DefaultTiming(), nil), Edges(tc.pulses()))
		viaBytes := decodeAll(NewDecoder(DefaultTiming(), nil), edgesFromBytes(edgesToBytes(Edges(tc.pulses()))))
		if len(direct) != len(viaBytes) {
			t.Fatalf("%s: %d results direct, %d via bytes", tc.name, len(direct), len(viaBytes))
		}
		for i := range direct {
			df, vf := direct[i].Frame, viaBytes[i].Frame
			df.At, vf.At = time.Time{}, time.Time{} // shifted where a step was clamped
			if df != vf || !errors.Is(viaBytes[i].Err, errors.Unwrap(direct[i].Err)) {
				t.Errorf("%s result %d: %+v direct, %+v via bytes", tc.name, i, direct[i], viaBytes[i])
			}
		}
	}
}
