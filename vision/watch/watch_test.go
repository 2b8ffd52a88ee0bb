package watch_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/vision/analytics"
	"github.com/palisade/palisade/vision/clips"
	"github.com/palisade/palisade/vision/ingest"
	"github.com/palisade/palisade/vision/watch"
)

// A person crosses a tripwire in front of a simulated camera over loopback
// RTSP: the alarm is raised with its snapshot on disk, then the clip of the
// alarm — from before the crossing to after it — is written, with the
// SHA-256 of the file, and plays in ffprobe. The crossing back a few
// seconds later folds into the same alarm and gets no second clip. The
// status says the camera streams at the analysis rate and what happened
// last; the live picture is a JPEG.
func TestTripwireAlarmAndClip(t *testing.T) {
	t.Parallel()
	url, sim := simCamera(t, "tripwire", 640, 360)
	snaps := t.TempDir()
	sk := newSink()
	w := run(t, watch.Config{
		Camera:      "gate-cam",
		Ingest:      ingest.Config{URL: url},
		Analytics:   viewOf(sim.Truth()),
		Clips:       clips.Config{History: 10 * time.Second, Pre: 3 * time.Second, Post: 2 * time.Second, Grace: time.Second},
		SnapshotDir: snaps,
	}, sk.Sink())

	var got clipFor
	select {
	case got = <-sk.clips:
	case <-time.After(45 * time.Second):
		alarms, _, _ := sk.snapshot()
		t.Fatalf("no clip within 45 s; alarms %v; status %+v", alarms, w.Status())
	}
	alarms, ids, raised := sk.snapshot()
	if len(alarms) == 0 {
		t.Fatal("a clip without an alarm")
	}
	a := alarms[0]
	if a.Kind != analytics.KindTripwire || a.Line != "L" || ids[0] != got.alarm {
		t.Fatalf("first alarm %+v (id %s), clip for %s; want the tripwire L", a.Event, ids[0], got.alarm)
	}
	t.Logf("alarm %s at frame time %s, raised %v later", a.String(), a.At.Format("15:04:05.000"), raised[0].Sub(a.At))
	snap, err := os.ReadFile(filepath.Join(snaps, a.Snapshot))
	if err != nil || !bytes.HasPrefix(snap, []byte{0xff, 0xd8, 0xff}) {
		t.Errorf("snapshot %q: %v; %d bytes, want a JPEG", a.Snapshot, err, len(snap))
	}
	if !strings.HasPrefix(a.Snapshot, "gate-cam_") || !strings.Contains(a.Snapshot, "tripwire-L") {
		t.Errorf("snapshot name %q", a.Snapshot)
	}

	c := got.clip
	if sum := fileSHA256(t, c.Path); sum != c.SHA256 {
		t.Errorf("clip SHA-256 %s, the file's is %s", c.SHA256, sum)
	}
	// 3 s before the event (less what the buffer did not hold yet, when
	// the crossing comes early in the stream) to 2 s after.
	from := a.At.Add(-3*time.Second + c.MissingPre)
	if !c.Event.Equal(a.At) || c.Start.After(from.Add(time.Millisecond)) || c.Start.Add(c.Duration).Before(a.At.Add(2*time.Second)) ||
		c.MissingPost != 0 || c.MissingPre > 2*time.Second {
		t.Errorf("clip from %s for %v (missing %v before, %v after), event at %s: want it to cover 3 s before to 2 s after",
			c.Start.Format("15:04:05.000"), c.Duration, c.MissingPre, c.MissingPost, a.At.Format("15:04:05.000"))
	}
	if frames, secs := ffprobe(t, c.Path); frames >= 0 && (frames != c.Frames || secs < c.Duration.Seconds()-0.15 || secs > c.Duration.Seconds()+0.15) {
		t.Errorf("ffprobe: %d frames, %.2f s; the clip says %d frames, %v", frames, secs, c.Frames, c.Duration)
	}

	// The crossing back is a repeat of the alarm: no second clip.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, ids, _ = sk.snapshot()
		if len(ids) >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(ids) < 2 || ids[1] != ids[0] {
		t.Fatalf("alarms %v: want the crossing back as a repeat of %s", ids, ids[0])
	}
	select {
	case more := <-sk.clips:
		t.Errorf("a second clip %s for the repeat of %s", more.clip.Name, more.alarm)
	case <-time.After(4 * time.Second): // past its post window and grace
	}

	st := w.Status()
	if st.State != ingest.Streaming || st.AnalysedFPS < 3 || st.AnalysedFPS > 6 || st.ReceivedFPS < 12 ||
		st.Width != 640 || st.Learning || st.LastEvent == nil || st.LastEvent.Alarm != ids[0] || st.Alarms < 2 || st.Clips != 1 {
		t.Errorf("status %+v, last event %+v", st, st.LastEvent)
	}
	if len(st.Counts) != 1 || st.Counts[0].Zone != "sterile" {
		t.Errorf("counts %+v: want the scene's one zone", st.Counts)
	}
	jpeg, at, ok := w.Snapshot()
	if !ok || !bytes.HasPrefix(jpeg, []byte{0xff, 0xd8, 0xff}) || time.Since(at) > 11*time.Second {
		t.Errorf("live picture: ok %v, %d bytes, from %v ago", ok, len(jpeg), time.Since(at))
	}
}

// The camera goes quiet: ingest notices within 2 s, the Watcher raises a
// "signal lost" tamper alarm with ingest's reason and the last picture as
// its snapshot, and records what the buffer held before the loss — a clip
// that says its end is missing. When the camera sends again, the status
// shows the signal restored.
func TestSignalLost(t *testing.T) {
	t.Parallel()
	url, sim := simCamera(t, "quiet-yard", 320, 180)
	sk := newSink()
	view := analytics.DefaultConfig("", 320, 180)
	w := run(t, watch.Config{
		Camera:    "yard-cam",
		Ingest:    ingest.Config{URL: url},
		Analytics: view,
		Clips:     clips.Config{History: 10 * time.Second, Pre: 2 * time.Second, Post: time.Second, Grace: time.Second},
	}, sk.Sink())

	waitFor(t, 20*time.Second, "analysis", func() bool { return w.Status().AnalysedFPS >= 3 })
	time.Sleep(2500 * time.Millisecond) // some seconds in the buffer
	sim.Stall(true)
	cut := time.Now()
	waitFor(t, 5*time.Second, "the signal-lost alarm", func() bool { a, _, _ := sk.snapshot(); return len(a) > 0 })
	alarms, _, raised := sk.snapshot()
	a := alarms[0]
	if a.Kind != analytics.KindTamper || a.Tamper != analytics.SignalLost || !strings.Contains(a.Reason, "stopped") || a.Snapshot == "" {
		t.Fatalf("alarm %+v (reason %q, snapshot %q): want signal_lost with ingest's reason and the last picture", a.Event, a.Reason, a.Snapshot)
	}
	if d := raised[0].Sub(cut); d > 2500*time.Millisecond {
		t.Errorf("signal-lost alarm %v after the camera went quiet, want within 2 s (+ margin)", d)
	}
	var got clipFor
	select {
	case got = <-sk.clips:
	case <-time.After(10 * time.Second):
		t.Fatal("no clip for the signal loss")
	}
	if got.clip.Complete() || got.clip.MissingPost <= 0 || got.clip.Frames < 20 || !strings.Contains(got.clip.Note, "ends") {
		t.Errorf("clip %+v: want the seconds before the loss, marked as missing its end", got.clip)
	}
	sim.Stall(false)
	waitFor(t, 10*time.Second, "the signal back", func() bool {
		st := w.Status()
		return st.State == ingest.Streaming && st.LastEvent != nil && st.LastEvent.Kind == analytics.KindTamperCleared
	})
	if st := w.Status(); st.LastEvent.Tamper != analytics.SignalLost {
		t.Errorf("last event %+v", st.LastEvent)
	}
	if alarms, _, _ := sk.snapshot(); len(alarms) != 1 {
		t.Errorf("alarms %v: want the one signal loss", alarms)
	}
}

// A configuration missing what a Watcher needs is refused with the field
// named.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  watch.Config
		want []string
	}{
		{watch.Config{}, []string{"watch: camera: required", "snapshot_dir: required", "url"}},
		{watch.Config{Camera: "c", SnapshotDir: "/tmp", Rate: 100, Ingest: ingest.Config{URL: "rtsp://10.0.0.1/s"},
			Analytics: analytics.DefaultConfig("", 640, 360)}, []string{"rate: 100 frames a second"}},
	} {
		err := tc.cfg.Validate()
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: %v, want %q", tc.cfg, err, w)
			}
		}
	}
	_, err := watch.New(watch.Config{Camera: "c", SnapshotDir: t.TempDir(), Ingest: ingest.Config{URL: "rtsp://10.0.0.1/s"},
		Analytics: analytics.DefaultConfig("", 640, 360)}, nil, watch.Sink{}, nil)
	if err == nil || !strings.Contains(err.Error(), "required") {
		t.Errorf("New without a store or sink: %v", err)
	}
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
