package clips

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/vision/ingest/ingesttest"
)

// badCase is an access unit Push must refuse, pushed after a valid key
// frame (so that refusals are about the access unit itself).
type badCase struct {
	name  string
	nalus [][]byte
	at    time.Duration // after the key frame; 0: one frame period
	want  error
	text  string // the message must contain it
}

// badCases are the table of TestPushRefuses; they also seed FuzzPush.
func badCases() []badCase {
	slice := []byte{0x41, 0x9a, 0x02, 0x03}
	return []badCase{
		{"no NAL units", nil, 0, ErrEmpty, "empty access unit"},
		{"empty NAL unit", [][]byte{slice, {}}, 0, ErrBadNALU, "NAL unit 2 of 2 is empty"},
		{"forbidden bit", [][]byte{{0xc1, 0x9a, 0x02}}, 0, ErrBadNALU, "forbidden_zero_bit set in header byte 0xc1 (first bytes c1 9a 02)"},
		{"type 0", [][]byte{{0x00, 0x00, 0x01, 0x65}}, 0, ErrBadNALU, "type 0 in header byte 0x00"},
		{"FU-A left in", [][]byte{{0x7c, 0x85, 0x88}}, 0, ErrBadNALU, "type 28 in header byte 0x7c"},
		{"STAP-A left in", [][]byte{{0x78, 0x00, 0x02}}, 0, ErrBadNALU, "type 24"},
		{"too many NAL units", slices.Repeat([][]byte{slice}, MaxNALUs+1), 0, ErrTooLarge, "257 NAL units"},
		{"too many bytes", [][]byte{append([]byte{0x41}, make([]byte, MaxAccessUnitBytes)...)}, 0, ErrTooLarge, "more than 8388608 bytes"},
		{"SPS garbage", [][]byte{{0x67, 0xff, 0xff, 0xff}, slice}, 0, ErrBadParams, "SPS (first bytes 67 ff ff ff)"},
		{"PPS truncated", [][]byte{{0x68}, slice}, 0, ErrBadParams, "PPS of 1 bytes"},
		{"same time", [][]byte{slice}, time.Nanosecond, ErrBadTime, "is not after the previous one"},
		{"time backwards", [][]byte{slice}, -time.Second, ErrBadTime, "09:26:52.066 is not after the previous one (decoded at 09:26:53.066)"},
	}
}

func TestPushRefuses(t *testing.T) {
	scene := loadScene(t, "perimeter", 320, 180)
	for _, tc := range badCases() {
		t.Run(tc.name, func(t *testing.T) {
			clk := ingesttest.NewClock(t0)
			r, _ := newRecorder(t, Config{}, clk)
			f := &feed{clip: scene}
			f.until(t, r, t0.Add(2*time.Second/15)) // key frame, P-frame
			last := frameTime(1)
			at := tc.at
			if at == 0 {
				at = time.Second / 15
			}
			err := r.Push(AccessUnit{NALUs: tc.nalus, Time: last.Add(at)})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("Push: %v\nwant %v containing %q", err, tc.want, tc.text)
			}
			// The next P-frame may refer to the refused picture: refused
			// until the next key frame, which is taken.
			f.n = 2
			if err := r.Push(f.next()); !errors.Is(err, ErrWaitingForKey) {
				t.Fatalf("P-frame after a refusal: %v, want ErrWaitingForKey", err)
			}
			f.n = 15
			if err := r.Push(f.next()); err != nil {
				t.Fatalf("key frame after a refusal: %v", err)
			}
			if s := r.Stats(); s.Refused != 2 || s.Stored != 3 {
				t.Errorf("stats %+v, want 2 refused, 3 stored", s)
			}
		})
	}
}

func TestPushBeforeKeyFrame(t *testing.T) {
	scene := loadScene(t, "perimeter", 320, 180)
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{}, clk)
	// A stream joined mid-GOP: P-frames first.
	for i := 5; i < 15; i++ {
		if err := r.Push(AccessUnit{NALUs: scene.AUs[i], Time: frameTime(i)}); !errors.Is(err, ErrWaitingForKey) {
			t.Fatalf("P-frame %d before any key frame: %v", i, err)
		}
	}
	// A key frame whose SPS and PPS never came.
	var idr [][]byte
	for _, n := range scene.AUs[15] {
		if t := n[0] & 0x1f; t != 7 && t != 8 {
			idr = append(idr, n)
		}
	}
	err := r.Push(AccessUnit{NALUs: idr, Time: frameTime(15)})
	if !errors.Is(err, ErrNoParams) {
		t.Fatalf("key frame without SPS/PPS: %v", err)
	}
	// The parameter sets alone (as some cameras send them), then the same
	// key frame: taken.
	if err := r.Push(AccessUnit{NALUs: [][]byte{scene.SPS, scene.PPS}, Time: frameTime(16)}); err != nil {
		t.Fatalf("parameter sets alone: %v", err)
	}
	if err := r.Push(AccessUnit{NALUs: idr, Time: frameTime(16)}); err != nil {
		t.Fatalf("key frame after the parameter sets: %v", err)
	}
	if s := r.Stats(); s.Stored != 1 || s.Buffered != 1 {
		t.Errorf("stats %+v", s)
	}
}

// TestDamagedStreamStillClips feeds a stream with corrupt slice data, a
// time going backwards and a gap, and checks the clip is what was kept
// and that ffmpeg reads it.
func TestDamagedStreamStillClips(t *testing.T) {
	scene := loadScene(t, "perimeter", 640, 360)
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{}, clk)
	f := &feed{clip: scene}
	refused := 0
	for f.n < 20*15 {
		i := f.n
		au := f.next()
		if i%7 == 3 {
			// Corrupt slice data, headers intact: the camera's bytes are
			// evidence as they are, and the decoder conceals the damage.
			au.NALUs = corrupt(au.NALUs, i)
		}
		if i == 100 {
			au.Time = frameTime(50)
		}
		if err := r.Push(au); err != nil {
			refused++
			if i != 100 && !errors.Is(err, ErrWaitingForKey) {
				t.Fatalf("picture %d: %v", i, err)
			}
		}
		if i == 200 {
			f.n = 240 // 2.6 s lost: a reconnection
		}
	}
	// 100 refused for its time, 101…104 wait for the key frame at 105.
	if refused != 5 {
		t.Errorf("%d pictures refused, want 5", refused)
	}
	c, err := r.Record(context.Background(), Request{AlarmID: "A-9", Event: t0.Add(10 * time.Second), Pre: 9 * time.Second, Post: 9 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// From 1 s to 19 s: 270 pictures, less the 5 refused and 39 lost.
	if want := 270 - 5 - 39; c.Frames != want {
		t.Errorf("%d frames, want %d", c.Frames, want)
	}
	if c.Duration != 18*time.Second {
		t.Errorf("duration %v, want 18s: the gap is kept as time", c.Duration)
	}
	checkClip(t, c)
}

// corrupt returns a copy of au with bytes of its slices' data changed.
func corrupt(au [][]byte, seed int) [][]byte {
	out := make([][]byte, len(au))
	for i, n := range au {
		if t := n[0] & 0x1f; t == 1 || t == 5 {
			n = bytes.Clone(n)
			for k := 8 + seed%5; k < len(n); k += 37 {
				n[k] ^= 0x5a
			}
		}
		out[i] = n
	}
	return out
}
