package clips

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/palisade/palisade/vision/ingest/ingesttest"
)

func TestHistoryBound(t *testing.T) {
	scene := loadScene(t, "perimeter", 320, 180)
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{History: 5 * time.Second, Pre: 5 * time.Second}, clk)
	f := &feed{clip: scene}
	for f.n < 40*15 {
		if err := r.Push(f.next()); err != nil {
			t.Fatal(err)
		}
		s := r.Stats()
		span := s.Newest.Sub(s.Oldest)
		// Always a key frame at or before newest−5 s once the stream is
		// that long, and never a whole GOP (1 s) more.
		if f.n > 5*15 && (span < 5*time.Second || span >= 6*time.Second) {
			t.Fatalf("after %d pictures the buffer spans %v, want 5..6 s", f.n, span)
		}
	}
	// Pre as long as the history: the clip starts at a key frame at or
	// before event−pre.
	event := frameTime(f.n - 2) // the newest picture closes the window
	c, err := r.Record(context.Background(), Request{AlarmID: "h", Event: event, Post: time.Second / 30})
	if err != nil {
		t.Fatal(err)
	}
	if c.Start.After(event.Add(-5*time.Second)) || c.MissingPre != 0 {
		t.Errorf("clip starts %v after the requested start (missing %v)", c.Start.Sub(event.Add(-5*time.Second)), c.MissingPre)
	}
}

func TestByteBound(t *testing.T) {
	scene := loadScene(t, "perimeter", 640, 360) // ~55 kB/s
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{MaxBytes: 1 << 20}, clk)
	f := &feed{clip: scene}
	f.until(t, r, t0.Add(60*time.Second))
	s := r.Stats()
	if s.BufferedBytes > 1<<20 || s.Shortened == 0 {
		t.Errorf("buffer holds %d bytes (bound 1 MiB), %d GOPs shortened", s.BufferedBytes, s.Shortened)
	}
	if span := s.Newest.Sub(s.Oldest); span < 10*time.Second || span > 20*time.Second {
		t.Errorf("buffer spans %v; 1 MiB of this stream is 15–20 s", span)
	}
}

// TestEndlessGOP: a camera that sends one key frame and then P-frames for
// ever cannot grow the buffer past its bound.
func TestEndlessGOP(t *testing.T) {
	scene := loadScene(t, "perimeter", 640, 360)
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{MaxBytes: 1 << 20}, clk)
	if err := r.Push(AccessUnit{NALUs: scene.AUs[0], Time: frameTime(0)}); err != nil {
		t.Fatal(err)
	}
	emptied := false
	for i := 1; i < 60*15; i++ {
		err := r.Push(AccessUnit{NALUs: scene.AUs[1+i%14], Time: frameTime(i)})
		if errors.Is(err, ErrWaitingForKey) {
			emptied = true
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if s := r.Stats(); s.BufferedBytes > 1<<20 {
			t.Fatalf("buffer at %d bytes", s.BufferedBytes)
		}
	}
	if s := r.Stats(); !emptied || s.Buffered != 0 {
		t.Errorf("a GOP over the bound was not dropped: %+v", s)
	}
}

func TestStartIndex(t *testing.T) {
	// Key frames (K) at 0, 10, 20 ticks; P-frames between.
	var rg ring
	for i := range 30 {
		rg.push(entry{pts: int64(i), dts: int64(i), key: i%10 == 0, data: []byte{1}})
	}
	for _, tc := range []struct {
		start, end int64
		want       int
	}{
		{5, 25, 0},
		{10, 25, 10},
		{19, 25, 10},
		{-5, 25, 0},
		{25, 40, 20},
		{40, 50, 20},
		{-10, 0, -1}, // the window ends before the first picture
	} {
		if got := rg.startIndex(tc.start, tc.end); got != tc.want {
			t.Errorf("startIndex(%d, %d) = %d, want %d", tc.start, tc.end, got, tc.want)
		}
	}
	rg.dropFront(10)
	if got := rg.startIndex(5, 25); got != 0 || rg.entries[0].pts != 10 || rg.bytes != 20 {
		t.Errorf("after dropping a GOP: start %d, first pts %d, %d bytes", got, rg.entries[0].pts, rg.bytes)
	}
}
