package wiegand

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)

// want is one expected outcome: a card, or a rejection reason.
type want struct {
	format         string
	facility, card uint32
	reason         error
}

type decodeCase struct {
	name   string
	pulses func() []Pulse
	want   []want
}

func must(ps []Pulse, err error) []Pulse {
	if err != nil {
		panic(err)
	}
	return ps
}

func card26(fc, card uint32, at time.Time) []Pulse {
	return must(Encode(H10301, fc, card, at, DefaultWire()))
}

// decodeCases are the decoder's table, and the fuzzer's seeds.
var decodeCases = []decodeCase{
	{"26-bit", func() []Pulse { return card26(101, 4095, t0) }, []want{{format: "H10301", facility: 101, card: 4095}}},
	{"34-bit", func() []Pulse { return must(Encode(H10306, 0x89D4, 0x1B81, t0, DefaultWire())) },
		[]want{{format: "H10306", facility: 0x89D4, card: 0x1B81}}},
	{"slowest and fastest bits", func() []Pulse {
		a := must(Encode(H10301, 7, 1234, t0, Wire{Pulse: 20 * time.Microsecond, Period: 200 * time.Microsecond}))
		b := must(Encode(H10301, 8, 4321, t0.Add(time.Second), Wire{Pulse: 100 * time.Microsecond, Period: 20 * time.Millisecond}))
		return append(a, b...)
	}, []want{{format: "H10301", facility: 7, card: 1234}, {format: "H10301", facility: 8, card: 4321}}},
	{"two frames 26 ms apart", func() []Pulse {
		a := card26(1, 100, t0)
		last := a[len(a)-1]
		return append(a, card26(2, 200, last.At.Add(last.Width+26*time.Millisecond))...)
	}, []want{{format: "H10301", facility: 1, card: 100}, {format: "H10301", facility: 2, card: 200}}},
	{"parity error", func() []Pulse {
		ps := card26(101, 4095, t0)
		ps[5].One = !ps[5].One
		return ps
	}, []want{{reason: ErrParity}}},
	{"truncated then idle", func() []Pulse { return card26(101, 4095, t0)[:13] }, []want{{reason: ErrTruncated}}},
	{"truncated, then a good frame", func() []Pulse {
		return append(card26(101, 4095, t0)[:20], card26(3, 33, t0.Add(time.Second))...)
	}, []want{{reason: ErrTruncated}, {format: "H10301", facility: 3, card: 33}}},
	{"30 bits", func() []Pulse { return Pulses(0, 30, t0, DefaultWire()) }, []want{{reason: ErrLength}}},
	{"overlong pulse", func() []Pulse {
		ps := card26(101, 4095, t0)
		ps[9].Width = 300 * time.Microsecond
		return ps
	}, []want{{reason: ErrPulseLong}}},
	{"short pulse", func() []Pulse {
		ps := card26(101, 4095, t0)
		ps[2].Width = 5 * time.Microsecond
		return ps
	}, []want{{reason: ErrPulseShort}}},
	{"both lines at once", func() []Pulse {
		ps := card26(101, 4095, t0)
		extra := ps[4]
		extra.One = !extra.One
		extra.At = extra.At.Add(10 * time.Microsecond)
		return append(ps, extra)
	}, []want{{reason: ErrBothLines}}},
	{"bits too close", func() []Pulse {
		return must(Encode(H10301, 1, 1, t0, Wire{Pulse: 50 * time.Microsecond, Period: 120 * time.Microsecond}))
	}, []want{{reason: ErrInterval}}},
}

// decodeAll feeds the edges in time order and ends with a long idle.
func decodeAll(d *Decoder, es []Edge) []Result {
	var out []Result
	for _, e := range es {
		if r, ok := d.Edge(e); ok {
			out = append(out, r)
		}
	}
	if len(es) > 0 {
		if r, ok := d.Idle(es[len(es)-1].At.Add(time.Hour)); ok {
			out = append(out, r)
		}
	}
	return out
}

func TestDecode(t *testing.T) {
	for _, tc := range decodeCases {
		t.Run(tc.name, func(t *testing.T) {
			var st Stats
			got := decodeAll(NewDecoder(DefaultTiming(), &st), Edges(tc.pulses()))
			if len(got) != len(tc.want) {
				t.Fatalf("got %d results %+v, want %d", len(got), got, len(tc.want))
			}
			bad := uint64(0)
			for i, w := range tc.want {
				r := got[i]
				if w.reason != nil {
					bad++
					var fe *FrameError
					if !errors.Is(r.Err, w.reason) || !errors.As(r.Err, &fe) {
						t.Errorf("result %d: %+v, want %v", i, r, w.reason)
					}
					continue
				}
				if r.Err != nil || r.Frame.Format != w.format || r.Frame.Facility != w.facility || r.Frame.Card != w.card {
					t.Errorf("result %d: %+v, want %s %d/%d", i, r, w.format, w.facility, w.card)
				}
			}
			snap := st.Snapshot()
			var counted uint64
			for k, v := range snap {
				if k != "frames" {
					counted += v
				}
			}
			if counted != bad || snap["frames"] != uint64(len(tc.want))-bad {
				t.Errorf("stats %v, want %d bad and %d frames", snap, bad, uint64(len(tc.want))-bad)
			}
		})
	}
}

func TestFrameAtIsFirstBit(t *testing.T) {
	got := decodeAll(NewDecoder(DefaultTiming(), nil), Edges(card26(5, 5, t0)))
	if len(got) != 1 || !got[0].Frame.At.Equal(t0) {
		t.Errorf("got %+v, want one frame at %s", got, t0)
	}
}

func TestLineHeldLowIsRejected(t *testing.T) {
	d := NewDecoder(DefaultTiming(), nil)
	es := Edges(card26(5, 5, t0))
	es = es[:len(es)-1] // the last pulse never ends
	got := decodeAll(d, es)
	if len(got) != 1 || !errors.Is(got[0].Err, ErrPulseLong) {
		t.Errorf("got %+v, want one ErrPulseLong", got)
	}
}

func TestIdleWaitsForTheGap(t *testing.T) {
	d := NewDecoder(DefaultTiming(), nil)
	es := Edges(card26(5, 5, t0))
	for _, e := range es {
		d.Edge(e)
	}
	last := es[len(es)-1].At
	if dl, ok := d.Deadline(); !ok || !dl.Equal(last.Add(25*time.Millisecond)) {
		t.Errorf("deadline %s %v, want last edge + 25 ms", dl, ok)
	}
	if _, ok := d.Idle(last.Add(25*time.Millisecond - 1)); ok {
		t.Error("frame ended before the gap")
	}
	if r, ok := d.Idle(last.Add(25 * time.Millisecond)); !ok || r.Err != nil || r.Frame.Card != 5 {
		t.Errorf("at the gap: %+v %v", r, ok)
	}
	if _, ok := d.Deadline(); ok {
		t.Error("deadline after the frame ended")
	}
}
