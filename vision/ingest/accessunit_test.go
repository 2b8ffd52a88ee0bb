package ingest_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/clips"
	"github.com/palisade/palisade/vision/h264dec"
	"github.com/palisade/palisade/vision/ingest"
)

// auLog records what OnAccessUnit saw.
type auLog struct {
	mu      sync.Mutex
	n       int
	first   [][]byte    // the first access unit
	times   []time.Time // t of each
	lags    []time.Duration
	pushErr []error
	rec     *clips.Recorder
}

func (l *auLog) add(au [][]byte, at time.Time) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n == 0 {
		l.first = au
	}
	l.n++
	l.times = append(l.times, at)
	l.lags = append(l.lags, now.Sub(at))
	if err := l.rec.Push(clips.AccessUnit{NALUs: au, Time: at}); err != nil {
		l.pushErr = append(l.pushErr, err)
	}
}

// OnAccessUnit hands every access unit from the first key frame on to an
// evidence buffer, dated on the wall clock at the stream's own frame
// spacing: the first is a key frame with its SPS and PPS, the times advance
// by exactly one frame period (1/15 s) and stay within a frame or two of
// when the picture arrived, every access unit received after the first key
// frame is there, and the buffer takes all of them. Frames handed to
// analysis carry the same clock (FrameTime).
func TestOnAccessUnit(t *testing.T) {
	t.Parallel()
	s := sim(t, camera.Config{})
	addCamera(t, s, "gate", camera.CameraConfig{Scene: "tripwire", Width: 320, Height: 180})
	store, err := clips.OpenStore(clips.StoreConfig{Dir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := clips.New(clips.Config{Camera: "gate", History: 5 * time.Second, Pre: time.Second, Post: time.Second}, store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	log := &auLog{rec: rec}
	cam := start(t, ingest.Config{URL: s.URL("gate"), OnAccessUnit: log.add})
	waitState(t, cam, 10*time.Second, ingest.Streaming)

	// Analysis takes a few frames meanwhile, as it would.
	var f h264dec.Frame
	for range 20 {
		next(t, cam, &f, 2*time.Second)
		at, now := cam.FrameTime(&f), time.Now()
		if at.IsZero() || at.After(now) || now.Sub(at) > 500*time.Millisecond {
			t.Errorf("frame %d: FrameTime %v, %v before it was handed out; want within a few frames", f.Seq, at, now.Sub(at))
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A clip from these access units covers its window.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	clip, err := rec.Record(ctx, clips.Request{AlarmID: "A-1", Event: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if !clip.Complete() || clip.Frames < 25 {
		t.Errorf("clip %+v: want a complete clip of about 30 pictures", clip)
	}

	log.mu.Lock()
	defer log.mu.Unlock()
	st := cam.Stats() // after: a few more may have arrived since
	if len(log.first) < 3 || h264dec.NALUType(log.first[0]) != 7 || h264dec.NALUType(log.first[1]) != 8 || !h264dec.IsKey(log.first) {
		var types []int
		for _, n := range log.first {
			types = append(types, h264dec.NALUType(n))
		}
		t.Errorf("first access unit has NAL unit types %v, want SPS, PPS, then an IDR slice", types)
	}
	const period = time.Second / 15
	for i := 1; i < len(log.times); i++ {
		if d := log.times[i].Sub(log.times[i-1]); d < period-time.Millisecond || d > period+time.Millisecond {
			t.Fatalf("access unit %d is %v after the one before, want %v", i, d, period)
		}
	}
	for i, lag := range log.lags {
		if lag < -100*time.Millisecond || lag > 500*time.Millisecond {
			t.Errorf("access unit %d arrived %v after its time, want within a frame or two", i, lag)
		}
	}
	// Frames received before the first key frame are shed, never handed
	// out; all the others are.
	if got := uint64(log.n); got > st.Frames || got+3 < st.Frames-st.Shed || got < 40 {
		t.Errorf("OnAccessUnit saw %d access units; ingest received %d and shed %d", got, st.Frames, st.Shed)
	}
	for _, err := range log.pushErr {
		if !errors.Is(err, clips.ErrWaitingForKey) {
			t.Errorf("the evidence buffer refused an access unit: %v", err)
		}
	}
	t.Logf("%d access units, lag %v…%v; stats %+v", log.n, minDur(log.lags), maxDur(log.lags), st)
}

func minDur(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = min(m, d)
	}
	return m
}

func maxDur(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}
