package node_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/api/apiclient"
	"github.com/palisade/palisade/edge/evidence"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/examples"
	"github.com/palisade/palisade/firmware-sim/camera"
)

// A camera on a real three-node facility, end to end. The yard camera of
// node-3 is a firmware-sim camera on loopback RTSP playing the perimeter
// scene (someone climbs into the sterile zone), watched through the view
// of the example facility: the intrusion's alarm reaches the console of
// node-1 live; the clip of the alarm is committed with its SHA-256, and
// node-3 serves it as an MP4 whose bytes have that hash and that ffprobe
// plays, with ranges; node-1 answers 404 naming node-3; the event's
// snapshot is served; the clip is kept past the quota while the alarm is
// open and pruned once it is resolved. The time from the frame to the
// alarm on node-1's console is logged (more of them with -camera.soak).
func TestCameraAlarmToClip(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not on PATH: the camera simulator encodes its scenes with it")
	}
	sim, err := camera.Listen(camera.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second+*soak)
	defer cancel()
	f, err := facility.Parse("facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range f.Devices {
		if d.ID == "yard-camera" {
			f.Devices[i].Transport = facility.Transport{URL: sim.URL("yard")}
		}
	}
	// A quota of one byte: only the open alarm keeps its clip.
	nodes := startWith(t, f, node.FacilityOptions{Cameras: node.CameraOptions{ClipQuota: 1, PruneEvery: 500 * time.Millisecond}})
	officer := login(t, ctx, nodes[0], "officer")
	yard := login(t, ctx, nodes[2], "officer")
	waitQuorum(t, ctx, officer)
	stream, err := officer.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lat := &latencies{}
	events := lat.follow(stream)
	// The camera comes on now that node-1's console listens: node-3 found
	// no stream at first (a signal-lost alarm) and connects at its next
	// attempt.
	if _, err := sim.AddCamera(ctx, "yard", camera.CameraConfig{Scene: "perimeter"}); err != nil {
		t.Fatal(err)
	}

	// The intrusion, live on node-1's stream.
	var al alarm.Alarm
	for al.ID == "" {
		ev := next(t, ctx, events)
		if ev.Type == alarm.EventRaised && ev.Alarm.Device == "yard-camera" && ev.Alarm.Kind == "camera.intrusion" {
			al = ev.Alarm
		}
	}
	if al.Priority != 1 || al.Zone != "sterile-north" || al.Node != "node-3" || !strings.Contains(al.Message, "Sterile zone, north fence") {
		t.Errorf("alarm %+v: want priority 1 in sterile-north, raised by node-3", al)
	}
	var snap string
	for _, e := range al.Evidence {
		if s, ok := strings.CutPrefix(e, "snapshot:node-3:"); ok {
			snap = s
		}
	}
	if jpeg, err := yard.Snapshot(ctx, snap); err != nil || !bytes.HasPrefix(jpeg, []byte{0xff, 0xd8, 0xff}) {
		t.Errorf("the alarm's snapshot %q (evidence %v): %v", snap, al.Evidence, err)
	}

	// Its clip, committed: every console reads the record.
	var rec evidence.Clip
	for {
		clips, err := officer.Evidence(ctx, al.ID)
		if err == nil && len(clips) > 0 {
			rec = clips[0]
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no clip recorded for alarm %s: %v", al.ID, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("intrusion in the frame of %s; clip %s (%d bytes, %d ms) recorded %v after the event",
		rec.Event.Format("15:04:05.000"), rec.Name, rec.Size, rec.DurationMS, rec.RecordedAt.Sub(rec.Event))
	if rec.Node != "node-3" || rec.Camera != "yard-camera" || rec.DurationMS < 10000 {
		t.Errorf("record %+v", rec)
	}

	// node-3 serves it; its bytes have the recorded hash; ffprobe plays it.
	mp4, hdr, err := yard.Clip(ctx, rec.Name, "")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(mp4)
	if hex.EncodeToString(sum[:]) != rec.SHA256 || int64(len(mp4)) != rec.Size || hdr.Get("Content-Type") != "video/mp4" {
		t.Errorf("served %d bytes (%s), SHA-256 %x; recorded %d bytes, %s", len(mp4), hdr.Get("Content-Type"), sum, rec.Size, rec.SHA256)
	}
	path := filepath.Join(t.TempDir(), rec.Name)
	if err := os.WriteFile(path, mp4, 0o600); err != nil {
		t.Fatal(err)
	}
	if frames, secs := probe(t, path); frames > 0 && (frames < 150 || secs < float64(rec.DurationMS)/1000-0.2) {
		t.Errorf("ffprobe: %d frames, %.2f s; the record says %d frames, %d ms", frames, secs, rec.Frames, rec.DurationMS)
	}
	part, hdr, err := yard.Clip(ctx, rec.Name, "bytes=0-99")
	if err != nil || len(part) != 100 || hdr.Get("Content-Range") != fmt.Sprintf("bytes 0-99/%d", rec.Size) {
		t.Errorf("range: %d bytes, %q, %v", len(part), hdr.Get("Content-Range"), err)
	}
	_, _, err = officer.Clip(ctx, rec.Name, "")
	var apiErr *apiclient.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || !strings.Contains(apiErr.Message, "node-3") {
		t.Errorf("node-1 asked for node-3's clip: %v; want 404 naming node-3", err)
	}

	// Cameras: node-1 says where the yard camera is; node-3 shows it.
	cams, err := officer.Cameras(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cams {
		if c.ID == "yard-camera" && (c.Here || c.Node != "node-3" || c.State != "") {
			t.Errorf("node-1's view of the yard camera: %+v", c)
		}
	}
	cams, err = yard.Cameras(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range cams {
		if c.ID == "yard-camera" {
			found = true
			if !c.Here || c.State != "streaming" || c.AnalysedFPS < 2 || len(c.Counts) != 2 || c.Alarms == 0 {
				t.Errorf("node-3's view of the yard camera: %+v", c)
			}
		}
	}
	if !found {
		t.Error("node-3 does not list the yard camera")
	}
	counts := nodes[2].CameraCounts()
	if _, ok := counts["sterile-north"]; !ok || len(counts) != 2 {
		t.Errorf("people counted per zone on node-3: %v; want the yard camera's two zones", counts)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: testCA().Pool()}}}
	resp, err := hc.Get(nodes[2].URL() + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{`palisade_camera_zone_people{camera="yard-camera",zone="sterile-north"}`,
		`palisade_camera_alarm_latency_seconds_count{camera="yard-camera"}`, `palisade_camera_fps{camera="yard-camera",stage="decoded"}`,
		`palisade_camera_clips_total{camera="yard-camera",outcome="incomplete"}`} {
		if !strings.Contains(string(metrics), m) {
			t.Errorf("node-3's metrics lack %s", m)
		}
	}
	if jpeg, err := yard.CameraSnapshot(ctx, "yard-camera"); err != nil || !bytes.HasPrefix(jpeg, []byte{0xff, 0xd8, 0xff}) {
		t.Errorf("the yard camera's picture: %v", err)
	}

	// Resolved, the alarm no longer keeps its clip over the quota.
	if _, err := officer.Resolve(ctx, al.ID, "climbed back; searched"); err != nil {
		t.Fatal(err)
	}
	for {
		_, _, err = yard.Clip(ctx, rec.Name, "")
		if errors.As(err, &apiErr) && apiErr.Status == 404 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the clip of a resolved alarm was kept over the quota: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// With -camera.soak, more intrusions, each resolved once seen so that
	// the next is a new alarm with its own snapshot.
	for end := time.Now().Add(*soak); time.Now().Before(end); {
		select {
		case ev := <-events:
			if ev.Type == alarm.EventRaised && ev.Alarm.Device == "yard-camera" && ev.Alarm.Kind == "camera.intrusion" {
				if _, err := officer.Resolve(ctx, ev.Alarm.ID, "soak: seen"); err != nil {
					t.Log(err)
				}
			}
		case <-time.After(time.Until(end)):
		}
	}
	// Frame to console: each new camera alarm seen on node-1, from the
	// time of the frame that showed it (its snapshot's).
	ds := lat.all()
	if len(ds) == 0 {
		t.Fatal("no camera alarm with its frame's time in the evidence")
	}
	slices.Sort(ds)
	t.Logf("frame → new alarm on node-1's console, %d alarms: p50 %v, p99 %v, max %v", len(ds), ds[len(ds)/2], ds[(len(ds)*99)/100], ds[len(ds)-1])
	if p50 := ds[len(ds)/2]; p50 > 2*time.Second {
		t.Errorf("median frame-to-console latency %v, want under 2 s", p50)
	}
}

// probe returns the frames and duration ffprobe reads in an MP4 (-1 when
// there is no ffprobe).
func probe(t *testing.T, path string) (int, float64) {
	t.Helper()
	bin, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Log("no ffprobe: clip not played")
		return -1, -1
	}
	out, err := exec.Command(bin, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,nb_read_frames:format=duration", "-of", "default=noprint_wrappers=1", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	var frames int
	var secs float64
	var codec string
	for _, l := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(l), "=")
		switch k {
		case "nb_read_frames":
			fmt.Sscan(v, &frames)
		case "duration":
			fmt.Sscan(v, &secs)
		case "codec_name":
			codec = v
		}
	}
	if codec != "h264" || frames == 0 {
		t.Errorf("ffprobe: codec %q, %d frames:\n%s", codec, frames, out)
	}
	return frames, secs
}

var soak = flag.Duration("camera.soak", 0, "TestCameraAlarmToClip: keep the camera running this much longer to measure more frame-to-alarm latencies")

// latencies follows an event stream and measures, for each new camera
// alarm, the time from the frame that showed it — its snapshot is named
// after that frame's time — to its arrival on the stream. (A repeat does
// not carry a snapshot of its own every time.)
type latencies struct {
	mu sync.Mutex
	ds []time.Duration
}

func (l *latencies) follow(in <-chan alarm.Event) <-chan alarm.Event {
	out := make(chan alarm.Event, 1024)
	go func() {
		defer close(out)
		for ev := range in {
			now := time.Now()
			if at, ok := frameTime(ev.Alarm); ok && strings.HasPrefix(ev.Alarm.Kind, "camera.") && ev.Type == alarm.EventRaised {
				l.mu.Lock()
				l.ds = append(l.ds, now.Sub(at))
				l.mu.Unlock()
			}
			select {
			case out <- ev:
			default: // the test reads only what it needs
			}
		}
	}()
	return out
}

func (l *latencies) all() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ds)
}

// frameTime is the time of the frame of an alarm's newest snapshot:
// camera_20261127T091715.011Z_what.jpg.
func frameTime(a alarm.Alarm) (time.Time, bool) {
	for i := len(a.Evidence) - 1; i >= 0; i-- {
		parts := strings.Split(a.Evidence[i], "_")
		if !strings.HasPrefix(a.Evidence[i], "snapshot:") || len(parts) < 3 {
			continue
		}
		at, err := time.Parse("20060102T150405.000Z", parts[1])
		return at, err == nil
	}
	return time.Time{}, false
}
