package analytics

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/h264dec"
	"github.com/palisade/palisade/vision/ingest"
)

// rtspRun is one simulated camera analysed live over loopback RTSP.
type rtspRun struct {
	scene string
	sim   *camera.Camera
	cam   *ingest.Camera
	a     *Analyzer

	mu     sync.Mutex
	events []Event
	obs    []frameObs // analysed frames: when, and which scene frame was latest then
}

type frameObs struct {
	at    time.Time
	index int
}

func (r *rtspRun) add(evs []Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, evs...)
}

// analyse takes the latest frame every 200 ms, as an appliance analysing
// at 5 fps would, until ctx ends.
func (r *rtspRun) analyse(ctx context.Context, t *testing.T) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var f h264dec.Frame
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		next, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
		err := r.cam.Next(next, &f)
		cancel()
		if err != nil {
			continue // nothing new: the stream is cut, or the test is over
		}
		now := time.Now()
		res, err := r.a.ProcessFrame(&f, now)
		if err != nil {
			t.Errorf("%s: %v", r.scene, err)
			return
		}
		r.add(res.Events)
		if i, ok := r.sim.FrameAt(now); ok {
			r.mu.Lock()
			r.obs = append(r.obs, frameObs{now, i})
			r.mu.Unlock()
		}
	}
}

// watch tells the analytics when ingest loses and regains the signal.
func (r *rtspRun) watch(ctx context.Context) {
	for {
		st, changed := r.cam.Watch()
		switch st.State {
		case ingest.Stalled, ingest.Unreachable, ingest.Unauthorized, ingest.UnsupportedCodec:
			r.add(r.a.SignalLost(time.Now()))
		case ingest.Streaming, ingest.DecodeErrors:
			r.add(r.a.SignalRestored(time.Now()))
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}

// expectations maps the scene's truth onto the wall clock. The camera
// sends its frame n at start + n/fps, looping; the analysed frames say
// which frame was latest when, which fixes start. Only loops that began
// after the analysis did are scored, up to `until`.
func (r *rtspRun) expectations(until time.Time) (want []expectation, from time.Time) {
	tr := r.sim.Truth()
	n := len(tr.Frames)
	period := time.Second / time.Duration(tr.FPS)
	var offsets []time.Duration
	loop, prev := 0, -1
	var first time.Time
	for _, o := range r.obs {
		if prev >= 0 && o.index < prev-n/2 {
			loop++
		}
		prev = o.index
		abs := time.Duration(loop*n+o.index) * period
		if first.IsZero() {
			first = o.at.Add(-abs)
		}
		offsets = append(offsets, o.at.Sub(first)-abs)
	}
	slices.Sort(offsets)
	start := first.Add(offsets[len(offsets)/2]) // when the first observed loop began
	begin := 1                                  // the first loop analysed from its start
	from = start.Add(time.Duration(begin*n) * period)
	for l := begin; ; l++ {
		base := start.Add(time.Duration(l*n) * period)
		if base.After(until) {
			break
		}
		for _, e := range tr.Events {
			key, early, late := truthKey(e)
			at := base.Add(time.Duration(e.Frame) * period)
			if key != "" && !at.Add(late).After(until) {
				want = append(want, expectation{key, at, early, late})
			}
		}
	}
	return want, from
}

// TestOverRTSP analyses simulated cameras live: the simulator streams
// H.264 over loopback RTSP, vision/ingest receives and decodes it, and
// the analytics take the latest frame 5 times a second with the wall
// clock as frame time. The perimeter scene must raise its intrusion and
// tripwire alarms; the stream-cut scene's cut must reach the analytics as
// signal_lost through ingest's stall detection.
func TestOverRTSP(t *testing.T) {
	needFFmpeg(t)
	if testing.Short() {
		t.Skip("runs for 25 s in real time")
	}
	s, err := camera.Listen(camera.Config{Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var runs []*rtspRun
	for _, scene := range []string{"perimeter", "stream-cut"} {
		sim, err := s.AddCamera(ctx, scene, camera.CameraConfig{Scene: scene})
		if err != nil {
			t.Fatal(err)
		}
		cam, err := ingest.New(ingest.Config{Name: scene, URL: s.URL(scene), Width: 640}, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		tr := sim.Truth()
		a, err := New(configFor(tr, 640, 360), testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		runs = append(runs, &rtspRun{scene: scene, sim: sim, cam: cam, a: a})
	}
	const length = 25 * time.Second
	var wg sync.WaitGroup
	runCtx, stop := context.WithTimeout(ctx, length)
	defer stop()
	for _, r := range runs {
		wg.Add(3)
		go func() {
			defer wg.Done()
			if err := r.cam.Run(runCtx); err != nil {
				t.Errorf("%s: ingest: %v", r.scene, err)
			}
		}()
		go func() {
			defer wg.Done()
			r.watch(runCtx)
		}()
		go func() {
			defer wg.Done()
			r.analyse(runCtx, t)
		}()
	}
	wg.Wait()
	end := time.Now()

	var b strings.Builder
	fmt.Fprintf(&b, "\nover loopback RTSP through vision/ingest, 640x360, 5 fps, %v live\n", length)
	fmt.Fprintf(&b, "%-11s %-32s %5s %4s %6s %5s %8s\n", "scene", "alarm", "truth", "hit", "missed", "false", "latency")
	for _, r := range runs {
		if len(r.obs) < 20 {
			t.Fatalf("%s: only %d frames analysed", r.scene, len(r.obs))
		}
		want, from := r.expectations(end)
		res := score(want, r.events, from, end)
		if len(want) == 0 {
			t.Errorf("%s: nothing to score: the run was too short", r.scene)
		}
		for _, k := range sortedKeys(res) {
			v := res[k]
			fmt.Fprintf(&b, "%-11s %-32s %5d %4d %6d %5d %8s\n", r.scene, k, v.truth, v.hit, v.truth-v.hit, v.false_, meanLatency(v))
			for _, m := range v.misses {
				fmt.Fprintf(&b, "%11s   missed: %s\n", "", m)
			}
			for _, f := range v.falses {
				fmt.Fprintf(&b, "%11s   false:  %s\n", "", f)
			}
			if v.hit < v.truth || v.false_ > 0 {
				t.Errorf("%s: %s: %d of %d raised, %d false", r.scene, k, v.hit, v.truth, v.false_)
			}
		}
	}
	t.Log(b.String())
}
