package clips

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/vision/ingest/ingesttest"
)

// expect returns the pictures a clip of the window [event−pre, event+post)
// of a fed 15 fps stream with a key frame every 15 pictures holds: from
// the key frame at or before the start to the last picture before the end.
func expect(event time.Time, pre, post time.Duration) (first, frames int) {
	start, end := event.Add(-pre), event.Add(post)
	for i := 0; !frameTime(i).After(start); i++ {
		if i%15 == 0 {
			first = i
		}
	}
	last := first
	for frameTime(last + 1).Before(end) {
		last++
	}
	return first, last - first + 1
}

type result struct {
	clip Clip
	err  error
}

func record(ctx context.Context, r *Recorder, req Request) <-chan result {
	ch := make(chan result, 1)
	go func() {
		c, err := r.Record(ctx, req)
		ch <- result{c, err}
	}()
	return ch
}

// waitPending waits until n clips wait for their window.
func waitPending(t *testing.T, r *Recorder, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.Stats().Pending != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d clips pending, want %d", r.Stats().Pending, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestClipFromSimulator(t *testing.T) {
	scene := loadScene(t, "perimeter", 640, 360)
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{}, clk)
	f := &feed{clip: scene}
	f.until(t, r, t0.Add(25*time.Second))
	clk.Advance(25 * time.Second)

	// The alarm fires between key frames, as they do.
	event := t0.Add(20*time.Second + 300*time.Millisecond)
	ch := record(context.Background(), r, Request{AlarmID: "A-17", Event: event})
	waitPending(t, r, 1)
	f.until(t, r, event.Add(10*time.Second))
	select {
	case res := <-ch:
		t.Fatalf("clip written before the post-event window passed: %+v %v", res.clip, res.err)
	default:
	}
	if err := r.Push(f.next()); err != nil { // the picture at the window's end
		t.Fatal(err)
	}
	res := <-ch
	if res.err != nil {
		t.Fatal(res.err)
	}
	c := res.clip
	first, frames := expect(event, 10*time.Second, 10*time.Second)
	if !c.Start.Equal(frameTime(first)) || c.Frames != frames {
		t.Errorf("clip starts %v with %d frames, want %v (key frame at or before event−10 s) with %d",
			c.Start.Sub(t0), c.Frames, frameTime(first).Sub(t0), frames)
	}
	if !c.Complete() || c.Note != "" {
		t.Errorf("clip incomplete: pre %v post %v %q", c.MissingPre, c.MissingPost, c.Note)
	}
	if c.Width != 640 || c.Height != 360 || c.AlarmID != "A-17" || c.Camera != "yard-north" {
		t.Errorf("clip %+v", c)
	}
	p := checkClip(t, c)
	// Pre+post, plus up to one GOP (1 s) before the start.
	if p.Duration < 20 || p.Duration > 21 {
		t.Errorf("ffprobe duration %.3f s, want 20..21 s", p.Duration)
	}
	if p.Frames != frames {
		t.Errorf("ffprobe counted %d frames, want %d", p.Frames, frames)
	}
	if msg := decodeErrors(t, c.Path); msg != "" {
		t.Errorf("ffmpeg could not decode the clip cleanly:\n%s", msg)
	}
	if !strings.HasPrefix(c.Name, "yard-north_A-17_20250314T092713.300Z") {
		t.Errorf("clip name %q", c.Name)
	}
}

func TestOverlappingClips(t *testing.T) {
	scene := loadScene(t, "tripwire", 640, 360)
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{}, clk)
	f := &feed{clip: scene}
	f.until(t, r, t0.Add(17*time.Second))

	reqs := []Request{
		{AlarmID: "intrusion-1", Event: t0.Add(12500 * time.Millisecond)},
		{AlarmID: "tripwire-2", Event: t0.Add(14 * time.Second), Pre: 3 * time.Second, Post: 2 * time.Second},
		{AlarmID: "loiter-3", Event: t0.Add(16 * time.Second), Pre: time.Second, Post: 8 * time.Second},
		// The same alarm twice: a second file, not an overwrite.
		{AlarmID: "intrusion-1", Event: t0.Add(12500 * time.Millisecond)},
	}
	var chs []<-chan result
	for _, q := range reqs {
		chs = append(chs, record(context.Background(), r, q))
	}
	waitPending(t, r, 3) // the second's window closed already
	f.until(t, r, t0.Add(30*time.Second))
	// A late alarm whose window the buffer still holds is written at once.
	late := Request{AlarmID: "late-5", Event: t0.Add(8 * time.Second), Pre: 2 * time.Second, Post: 2 * time.Second}
	reqs = append(reqs, late)
	chs = append(chs, record(context.Background(), r, late))

	names := map[string]bool{}
	for i, ch := range chs {
		res := <-ch
		if res.err != nil {
			t.Fatalf("%s: %v", reqs[i].AlarmID, res.err)
		}
		c, q := res.clip, reqs[i]
		pre, post := q.Pre, q.Post
		if pre == 0 {
			pre, post = 10*time.Second, 10*time.Second
		}
		first, frames := expect(q.Event, pre, post)
		if !c.Start.Equal(frameTime(first)) || c.Frames != frames || !c.Complete() {
			t.Errorf("%s: starts %v with %d frames (complete %v), want %v with %d", q.AlarmID,
				c.Start.Sub(t0), c.Frames, c.Complete(), frameTime(first).Sub(t0), frames)
		}
		p := checkClip(t, c)
		if want := (pre + post).Seconds(); p.Duration < want || p.Duration > want+1 {
			t.Errorf("%s: ffprobe duration %.3f s, want %.0f..%.0f s", q.AlarmID, p.Duration, want, want+1)
		}
		if names[c.Name] {
			t.Errorf("%s: file %s written twice", q.AlarmID, c.Name)
		}
		names[c.Name] = true
	}
	if s := r.Stats(); s.Clips != 5 || s.Pending != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestStreamStopsBeforeWindowEnds(t *testing.T) {
	scene := loadScene(t, "perimeter", 640, 360)
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{Grace: 5 * time.Second}, clk)
	f := &feed{clip: scene}
	f.until(t, r, t0.Add(25*time.Second))
	clk.Advance(25 * time.Second)

	ch := record(context.Background(), r, Request{AlarmID: "A-1", Event: t0.Add(20 * time.Second)})
	// Record waits on the clock until 5 s past the window (20+10+5 s).
	d, err := clk.NextTimer(context.Background())
	if err != nil || d != 10*time.Second {
		t.Fatalf("Record waits %v (%v), want 10s", d, err)
	}
	clk.Advance(10 * time.Second)
	res := <-ch
	if res.err != nil {
		t.Fatal(res.err)
	}
	c := res.clip
	if c.MissingPost != 5*time.Second || c.MissingPre != 0 || c.Complete() {
		t.Errorf("missing pre %v post %v, want 0 and 5s", c.MissingPre, c.MissingPost)
	}
	if !strings.Contains(c.Note, "ends 5.0 s before the requested end: the stream stopped") {
		t.Errorf("note %q", c.Note)
	}
	if p := checkClip(t, c); p.Frames != 225 || p.Duration != 15 {
		t.Errorf("ffprobe: %d frames, %.3f s; want 225 frames, 15 s (10 s to 25 s)", p.Frames, p.Duration)
	}
	if s := r.Stats(); s.Incomplete != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestHistoryShorterThanPre(t *testing.T) {
	scene := loadScene(t, "perimeter", 640, 360)
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{}, clk)
	f := &feed{clip: scene}
	f.until(t, r, t0.Add(8*time.Second))
	c, err := r.Record(context.Background(), Request{AlarmID: "A-2", Event: t0.Add(4 * time.Second), Pre: 10 * time.Second, Post: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if c.MissingPre != 6*time.Second || c.MissingPost != 0 || !c.Start.Equal(t0) {
		t.Errorf("starts %v, missing pre %v post %v; want the stream's start, 6s, 0", c.Start, c.MissingPre, c.MissingPost)
	}
	if !strings.Contains(c.Note, "starts 6.0 s after the requested start") {
		t.Errorf("note %q", c.Note)
	}
	checkClip(t, c)
}

func TestCloseWritesPendingClips(t *testing.T) {
	scene := loadScene(t, "perimeter", 640, 360)
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{}, clk)
	f := &feed{clip: scene}
	f.until(t, r, t0.Add(12*time.Second))
	ch := record(context.Background(), r, Request{AlarmID: "A-3", Event: t0.Add(11 * time.Second)})
	waitPending(t, r, 1)
	r.Close()
	res := <-ch
	if res.err != nil {
		t.Fatal(res.err)
	}
	if !strings.Contains(res.clip.Note, "the recorder was closed") || res.clip.MissingPost != 9*time.Second {
		t.Errorf("missing post %v, note %q", res.clip.MissingPost, res.clip.Note)
	}
	checkClip(t, res.clip)
	if err := r.Push(f.next()); !errors.Is(err, ErrClosed) {
		t.Errorf("Push after Close: %v", err)
	}
	if _, err := r.Record(context.Background(), Request{AlarmID: "x", Event: t0}); !errors.Is(err, ErrClosed) {
		t.Errorf("Record after Close: %v", err)
	}
}

func TestRecordCancelled(t *testing.T) {
	scene := loadScene(t, "perimeter", 640, 360)
	clk := ingesttest.NewClock(t0)
	r, store := newRecorder(t, Config{}, clk)
	f := &feed{clip: scene}
	f.until(t, r, t0.Add(5*time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	ch := record(ctx, r, Request{AlarmID: "A-4", Event: t0.Add(4 * time.Second)})
	waitPending(t, r, 1)
	cancel()
	if res := <-ch; !errors.Is(res.err, context.Canceled) {
		t.Errorf("Record: %v, want context.Canceled", res.err)
	}
	if list, _ := store.List(); len(list) != 0 || r.Stats().Pending != 0 {
		t.Errorf("after cancel: files %v, pending %d", list, r.Stats().Pending)
	}
}

func TestNoVideo(t *testing.T) {
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{Grace: time.Second}, clk)
	ch := record(context.Background(), r, Request{AlarmID: "A-5", Event: t0, Pre: time.Second, Post: time.Second})
	if _, err := clk.NextTimer(context.Background()); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second)
	res := <-ch
	if !errors.Is(res.err, ErrNoVideo) || !strings.Contains(res.err.Error(), "no usable picture") {
		t.Errorf("Record of a silent camera: %v", res.err)
	}
}

func TestWindowNoLongerBuffered(t *testing.T) {
	scene := loadScene(t, "perimeter", 320, 180)
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{History: 5 * time.Second, Pre: 2 * time.Second}, clk)
	f := &feed{clip: scene}
	f.until(t, r, t0.Add(30*time.Second))
	_, err := r.Record(context.Background(), Request{AlarmID: "old", Event: t0.Add(10 * time.Second), Post: 2 * time.Second})
	if !errors.Is(err, ErrNoVideo) || !strings.Contains(err.Error(), "no longer reaches back") {
		t.Errorf("Record of a window gone from the buffer: %v", err)
	}
}

func TestBadRequests(t *testing.T) {
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{MaxPending: 1}, clk)
	for _, q := range []Request{
		{Event: t0},
		{AlarmID: "a"},
		{AlarmID: "a", Event: t0, Pre: time.Minute},
		{AlarmID: "a", Event: t0, Post: -time.Second},
		{AlarmID: "a", Event: t0, Post: time.Hour},
	} {
		if _, err := r.Record(context.Background(), q); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%+v: %v, want ErrBadRequest", q, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := record(ctx, r, Request{AlarmID: "a", Event: t0})
	waitPending(t, r, 1)
	if _, err := r.Record(ctx, Request{AlarmID: "b", Event: t0}); !errors.Is(err, ErrBusy) {
		t.Errorf("second Record with MaxPending 1: %v, want ErrBusy", err)
	}
	cancel()
	<-ch
}

func TestConcurrentPushAndRecord(t *testing.T) {
	// Under -race: Push on one goroutine, Records and Stats on others.
	scene := loadScene(t, "perimeter", 320, 180)
	clk := ingesttest.NewClock(t0)
	r, _ := newRecorder(t, Config{History: 5 * time.Second, Pre: 2 * time.Second, Post: 2 * time.Second}, clk)
	f := &feed{clip: scene}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			_, err := r.Record(context.Background(), Request{AlarmID: "c", Event: t0.Add(time.Duration(3+i) * time.Second)})
			errs <- err
		})
	}
	waitPending(t, r, 8)
	wg.Go(func() {
		for range 50 {
			r.Stats()
		}
	})
	f.until(t, r, t0.Add(15*time.Second))
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
