package h264dec

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

var splitCases = []struct {
	name string
	in   []byte
	want [][]byte
	err  error
}{
	{"three-byte codes", []byte{0, 0, 1, 0x67, 1, 0, 0, 1, 0x68, 2}, [][]byte{{0x67, 1}, {0x68, 2}}, nil},
	{"four-byte codes", []byte{0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x65, 3}, [][]byte{{0x67, 1}, {0x65, 3}}, nil},
	{"trailing zeros dropped", []byte{0, 0, 1, 0x09, 0xf0, 0, 0, 0, 0, 0, 1, 0x65, 4}, [][]byte{{0x09, 0xf0}, {0x65, 4}}, nil},
	{"emulation prevention kept", []byte{0, 0, 1, 0x65, 0, 0, 3, 1, 7}, [][]byte{{0x65, 0, 0, 3, 1, 7}}, nil},
	{"no start code", []byte{0x67, 0, 0, 1, 0x68}, nil, ErrNotAnnexB},
	{"empty", nil, nil, ErrEmpty},
	{"start codes only", []byte{0, 0, 1, 0, 0, 1}, nil, ErrEmpty},
}

func TestSplitAnnexB(t *testing.T) {
	for _, c := range splitCases {
		got, err := SplitAnnexB(c.in)
		if !errors.Is(err, c.err) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: %d units, want %d", c.name, len(got), len(c.want))
			continue
		}
		for i := range got {
			if !bytes.Equal(got[i], c.want[i]) {
				t.Errorf("%s: unit %d = % x, want % x", c.name, i, got[i], c.want[i])
			}
		}
	}
}

func TestAccessUnits(t *testing.T) {
	sps, pps, sei := []byte{0x67, 0x42}, []byte{0x68, 0xce}, []byte{0x06, 0x05}
	idr := []byte{0x65, 0x88, 0x84}  // first_mb_in_slice = 0
	idr2 := []byte{0x65, 0x48, 0x84} // first_mb_in_slice ≠ 0: second slice
	p1, p2 := []byte{0x41, 0x9a, 0x01}, []byte{0x41, 0x9a, 0x02}
	var stream []byte
	for _, n := range [][]byte{sps, pps, sei, idr, idr2, p1, {0x09, 0xf0}, p2} {
		stream = append(stream, 0, 0, 0, 1)
		stream = append(stream, n...)
	}
	aus, err := AccessUnits(stream)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{5, 1, 2} // [sps pps sei idr idr2] [p1] [aud p2]
	if len(aus) != len(want) {
		t.Fatalf("%d access units, want %d", len(aus), len(want))
	}
	for i, au := range aus {
		if len(au) != want[i] {
			t.Errorf("access unit %d has %d units, want %d", i, len(au), want[i])
		}
	}
	if !IsKey(aus[0]) || IsKey(aus[1]) {
		t.Error("IsKey wrong")
	}
	clip, err := os.ReadFile(clipBFrames)
	if err != nil {
		t.Fatal(err)
	}
	if aus, _ := AccessUnits(clip); len(aus) != 60 {
		t.Errorf("clip: %d access units, want 60", len(aus))
	}
}

// FuzzSplitAnnexB: no panic; units are non-empty, hold no start code, and
// come back out of a re-marshalled stream unchanged.
func FuzzSplitAnnexB(f *testing.F) {
	for _, c := range splitCases {
		f.Add(c.in)
	}
	if clip, err := os.ReadFile(clipColour); err == nil {
		f.Add(clip)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		units, err := SplitAnnexB(b)
		if err != nil {
			return
		}
		for _, u := range units {
			if len(u) == 0 || u[len(u)-1] == 0 {
				t.Fatalf("unit % x is empty or ends in zero", u)
			}
			if bytes.Contains(u, []byte{0, 0, 1}) {
				t.Fatalf("unit % x holds a start code", u)
			}
		}
		again, err := SplitAnnexB(appendAnnexB(nil, units))
		if err != nil || len(again) != len(units) {
			t.Fatalf("re-split: %d units, %v; want %d", len(again), err, len(units))
		}
	})
}

// FuzzDecode feeds arbitrary access units after a valid stream start:
// libavcodec must return errors or damaged pictures, never crash.
func FuzzDecode(f *testing.F) {
	aus := readClip(f, clipColour)
	f.Add(aus[1][0])
	f.Add(aus[0][len(aus[0])-1])
	f.Add([]byte{0x65, 0xff, 0xff, 0xff})
	f.Add([]byte{0x67, 0x64, 0x00, 0x1f, 0xff})
	f.Fuzz(func(t *testing.T, nalu []byte) {
		d, err := New(Config{Width: 32, Height: 24})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var fr Frame
		if _, err := d.DecodeFrame(aus[0], 0, &fr); err != nil {
			t.Fatal(err)
		}
		d.DecodeFrame([][]byte{nalu}, pts(1), &fr)
		d.DecodeFrame(aus[1], pts(2), &fr)
	})
}
