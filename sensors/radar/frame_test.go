package radar

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func u32(v uint32) *uint32 { return &v }

func sampleTrack(id uint32) Track {
	t := Track{ID: id, Pos: [3]float32{0.4, 1.2, 0.9}, Vel: [3]float32{0, -0.01, 0}, Acc: [3]float32{0, 0, 0.001},
		Gain: 0.5, Confidence: 0.97}
	for i := range t.ErrCov {
		t.ErrCov[i] = float32(i) * 0.01
	}
	return t
}

func sampleVitals(id uint16) VitalSigns {
	v := VitalSigns{ID: id, RangeBin: 23 + id, BreathDeviation: 0.012, HeartRate: 71.5, BreathRate: 14.25}
	for i := range 15 {
		v.HeartWaveform[i] = float32(math.Sin(float64(i) / 2))
		v.BreathWaveform[i] = float32(math.Cos(float64(i) / 5))
	}
	return v
}

var hdr = Header{Version: 0x03060000, Platform: 0xA6843, FrameNumber: 4711, TimeCPUCycles: 0xDEADBEEF}

// frameCases are valid frames with the number of TLVs they encode to;
// they also seed the fuzzers.
var frameCases = []struct {
	name string
	tlvs uint32
	f    Frame
}{
	{"header only", 0, Frame{Header: hdr}},
	{"points", 1, Frame{Header: Header{NumDetectedObj: 3, SubFrameNumber: 1},
		Points: []Point{{1, 2, 0.5, -0.25}, {-1.5, 3.25, 0, 0}, {0, 0.3, -0.1, 1e-3}}}},
	{"stats", 1, Frame{Header: hdr, Stats: []byte{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0}}},
	{"tracks", 1, Frame{Header: hdr, Tracks: []Track{sampleTrack(1), sampleTrack(9)}}},
	{"presence none", 1, Frame{Header: hdr, Presence: u32(0)}},
	{"presence", 1, Frame{Header: hdr, Presence: u32(1)}},
	{"vital signs", 1, Frame{Header: hdr, Vitals: []VitalSigns{sampleVitals(0), sampleVitals(1)}}},
	{"unknown", 2, Frame{Header: hdr, Unknown: []TLV{{Type: 1020, Payload: []byte{9, 8, 7, 6, 5}}, {Type: 7, Payload: []byte{}}}}},
	{"everything", 7, Frame{Header: Header{Version: 0x03060000, Platform: 0xA6843, FrameNumber: 1, NumDetectedObj: 2},
		Points: []Point{{1, 2, 3, 4}, {5, 6, 7, 8}}, Stats: []byte{0xAA, 0xBB}, Tracks: []Track{sampleTrack(3)},
		Presence: u32(1), Vitals: []VitalSigns{sampleVitals(2)}, Unknown: []TLV{{Type: 1011, Payload: []byte{1, 2, 3, 4}}, {Type: 1012, Payload: []byte{3}}}}},
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range frameCases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Marshal(tc.f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Unmarshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if got.Header.TotalPacketLen != uint32(len(b)) || got.Header.NumTLVs != tc.tlvs {
				t.Fatalf("totalPacketLen %d numTLVs %d; want %d and %d", got.Header.TotalPacketLen, got.Header.NumTLVs, len(b), tc.tlvs)
			}
			want := tc.f
			want.Header.TotalPacketLen, want.Header.NumTLVs = uint32(len(b)), tc.tlvs
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("decoded\n%+v\nwant\n%+v", got, want)
			}
			again, err := Marshal(got)
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("re-marshal differs (%v)", err)
			}
			padded, err := MarshalPadded(tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(padded)%SegmentLen != 0 || len(padded)-len(b) >= SegmentLen || !bytes.Equal(padded[HeaderLen:len(b)], b[HeaderLen:]) {
				t.Fatalf("padded to %d bytes from %d", len(padded), len(b))
			}
			gotPadded, err := Unmarshal(padded)
			if err != nil {
				t.Fatal(err)
			}
			want.Header.TotalPacketLen = uint32(len(padded))
			if !reflect.DeepEqual(gotPadded, want) {
				t.Fatalf("padded decoded\n%+v\nwant\n%+v", gotPadded, want)
			}
		})
	}
}

// TestWireLayout pins the byte layout against hand-written bytes, so that
// Marshal and Unmarshal cannot agree on a mistake.
func TestWireLayout(t *testing.T) {
	f := Frame{
		Header:   Header{Version: 0x03060000, Platform: 0xA6843, FrameNumber: 2, TimeCPUCycles: 0x01020304, NumDetectedObj: 1, SubFrameNumber: 0},
		Points:   []Point{{X: 1, Y: -2, Z: 0.5, Doppler: 0}},
		Presence: u32(1),
	}
	want := "0201040306050807" + // magic
		"00000603" + "4c000000" + "43680a00" + "02000000" + // version, totalPacketLen 76, platform, frame
		"04030201" + "01000000" + "02000000" + "00000000" + // cpu cycles, objects, numTLVs 2, subframe
		"01000000" + "10000000" + "0000803f" + "000000c0" + "0000003f" + "00000000" + // points TLV
		"fd030000" + "04000000" + "01000000" // presence TLV 1021
	b, err := Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("marshal\n%s\nwant\n%s", got, want)
	}

	// Vital signs: u16 id, u16 rangeBin, 3 f32, 15+15 f32 waveforms.
	v := VitalSigns{ID: 0x0102, RangeBin: 0x0304, BreathDeviation: 1, HeartRate: 2, BreathRate: 4}
	v.HeartWaveform[14], v.BreathWaveform[0], v.BreathWaveform[14] = 8, 16, 32
	b, _ = Marshal(Frame{Vitals: []VitalSigns{v}})
	p := b[HeaderLen+8:]
	if len(p) != 136 || le.Uint16(p) != 0x0102 || le.Uint16(p[2:]) != 0x0304 || f32(p[4:]) != 1 || f32(p[8:]) != 2 ||
		f32(p[12:]) != 4 || f32(p[16+14*4:]) != 8 || f32(p[76:]) != 16 || f32(p[132:]) != 32 {
		t.Fatalf("vital signs payload % X", p)
	}
	// Tracks: u32 tid, pos, vel, acc, errcov[16], gain, confidence.
	tr := Track{ID: 5, Pos: [3]float32{1, 0, 0}, Acc: [3]float32{0, 0, 2}, Gain: 3, Confidence: 4}
	tr.ErrCov[15] = 6
	b, _ = Marshal(Frame{Tracks: []Track{tr}})
	p = b[HeaderLen+8:]
	if len(p) != 112 || le.Uint32(p) != 5 || f32(p[4:]) != 1 || f32(p[36:]) != 2 || f32(p[100:]) != 6 ||
		f32(p[104:]) != 3 || f32(p[108:]) != 4 {
		t.Fatalf("track payload % X", p)
	}
}

// TestNonFinite: NaN (with its payload) and infinities pass through bit
// for bit, and Finite reports them.
func TestNonFinite(t *testing.T) {
	nan := math.Float32frombits(0x7FC0_0123)
	f := Frame{Points: []Point{{X: nan, Y: float32(math.Inf(1)), Z: float32(math.Inf(-1)), Doppler: float32(math.Copysign(0, -1))}},
		Vitals: []VitalSigns{{HeartRate: nan}}, Tracks: []Track{{Gain: float32(math.Inf(1))}}}
	b, err := Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	p := got.Points[0]
	if math.Float32bits(p.X) != 0x7FC0_0123 || !math.IsInf(float64(p.Y), 1) || !math.IsInf(float64(p.Z), -1) ||
		math.Float32bits(p.Doppler) != 0x8000_0000 {
		t.Fatalf("point %+v", p)
	}
	if p.Finite() || got.Vitals[0].Finite() || got.Tracks[0].Finite() {
		t.Fatal("non-finite values reported finite")
	}
	if !(Point{1, 2, 3, 4}).Finite() || !sampleTrack(1).Finite() || !sampleVitals(1).Finite() {
		t.Fatal("finite values reported non-finite")
	}
	if again, _ := Marshal(got); !bytes.Equal(again, b) {
		t.Fatal("NaN payload not preserved")
	}
}

func TestUnmarshalRejects(t *testing.T) {
	good, _ := Marshal(frameCases[len(frameCases)-1].f) // points, stats, tracks, presence, vitals, 2 unknown
	mod := func(b []byte, f func([]byte)) []byte { c := bytes.Clone(b); f(c); return c }
	put := func(off int, v uint32) func([]byte) { return func(b []byte) { le.PutUint32(b[off:], v) } }
	// TLV offsets in good: points at 40 (8+32), stats at 80 (8+2), tracks at 90 (8+112),
	// presence at 210 (8+4), vitals at 222 (8+136), unknown at 366 (8+4) and 378 (8+1): 387.
	withVitals := func(n int) []byte {
		b, _ := Marshal(Frame{Points: []Point{{}}, Presence: u32(0), Vitals: []VitalSigns{{}}})
		b = b[:len(b)-(136-n)]
		le.PutUint32(b[12:], uint32(len(b)))
		le.PutUint32(b[HeaderLen+8+16+8+4+4:], uint32(n)) // tlv 2 length
		return b
	}
	cases := []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"short header", good[:39], ErrShort, "radar: 39 bytes, the header needs 40"},
		{"bad magic", mod(good, func(b []byte) { b[7] = 0 }), ErrBadMagic, "radar: magic word 02 01 04 03 06 05 08 00, want 02 01 04 03 06 05 08 07"},
		{"length below header", mod(good, put(12, 39)), ErrLength, "radar: totalPacketLen 39, want 40…65536"},
		{"length above max", mod(good, put(12, MaxFrameLen+1)), ErrLength, "totalPacketLen 65537"},
		{"length beyond input", mod(good, put(12, uint32(len(good)+1))), ErrShort, "have 387 bytes"},
		{"input beyond length", append(bytes.Clone(good), 0), ErrLength, "totalPacketLen 387, have 388 bytes"},
		{"too many tlvs", mod(good, put(32, 1000)), ErrTLV, "numTLVs 1000, totalPacketLen 387 leaves room for 43"},
		{"tlv overruns", mod(good, put(44, 4000)), ErrTLV, "radar: tlv 0 type 1: length 4000 at byte 48 overruns the frame (339 bytes left)"},
		{"tlv header overruns", mod(good, put(32, 8)), ErrTLV, "tlv 7: header at byte 387 overruns the frame (387 bytes)"},
		{"points not multiple", mod(good, put(44, 31)), ErrTLV, "radar: tlv 0 type 1: length 31, want a multiple of 16"},
		{"vitals 130", withVitals(130), ErrTLV, "radar: tlv 2 type 1040: length 130, want a multiple of 136"},
		{"presence 3 bytes", mod(good, put(214, 3)), ErrTLV, "tlv 3 type 1021: length 3, want 4"},
		{"presence 136 bytes", mod(good, put(222, TLVPresence)), ErrTLV, "tlv 4 type 1021: length 136, want 4"},
		{"trailing bytes", mod(good, put(32, 6)), ErrLength, "totalPacketLen 387, but the 6 tlvs end at byte 378: 9 bytes left over"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Unmarshal(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err %q, want it to say %q", err, tc.msg)
			}
		})
	}
	// Padding is accepted only as the SDK sends it: up to 31 bytes, total a
	// multiple of 32.
	b, _ := Marshal(Frame{Presence: u32(1)}) // 52 bytes
	b = append(b, make([]byte, 12)...)
	le.PutUint32(b[12:], 64)
	if _, err := Unmarshal(b); err != nil {
		t.Fatalf("SDK padding rejected: %v", err)
	}
	b = append(b, make([]byte, 32)...)
	le.PutUint32(b[12:], 96)
	if _, err := Unmarshal(b); !errors.Is(err, ErrLength) {
		t.Fatalf("44 bytes of padding: %v", err)
	}
	// Statistics and presence come once per frame.
	for _, f := range []Frame{{Stats: []byte{1}}, {Presence: u32(1)}} {
		b, _ = Marshal(f)
		dup := append(bytes.Clone(b), b[HeaderLen:]...)
		le.PutUint32(dup[12:], uint32(len(dup)))
		le.PutUint32(dup[32:], 2)
		if _, err := Unmarshal(dup); !errors.Is(err, ErrTLV) || !strings.Contains(err.Error(), "tlv 1 type") || !strings.Contains(err.Error(), ": second") {
			t.Fatalf("duplicate TLV: %v", err)
		}
	}
}

func TestMarshalRejects(t *testing.T) {
	if _, err := Marshal(Frame{Points: make([]Point, MaxFrameLen/16)}); !errors.Is(err, ErrLength) {
		t.Fatalf("oversized frame: %v", err)
	}
	if _, err := Marshal(Frame{Unknown: []TLV{{Type: TLVPoints}}}); !errors.Is(err, ErrTLV) {
		t.Fatalf("unknown TLV with a known type: %v", err)
	}
}
