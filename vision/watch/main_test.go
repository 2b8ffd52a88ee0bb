package watch_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/analytics"
	"github.com/palisade/palisade/vision/clips"
	"github.com/palisade/palisade/vision/ingest/ingesttest"
	"github.com/palisade/palisade/vision/watch"
)

func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		if err := ingesttest.Goroutines(before, 5*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

func logger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// simCamera starts a camera simulator streaming scene on loopback and
// returns its URL.
func simCamera(t *testing.T, scene string, w, h int) (url string, _ *camera.Camera) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not on PATH: the camera simulator encodes its scenes with it")
	}
	s, err := camera.Listen(camera.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := s.AddCamera(ctx, scene, camera.CameraConfig{Scene: scene, Width: w, Height: h})
	if err != nil {
		t.Fatal(err)
	}
	return s.URL(scene), c
}

// viewOf is the analytics geometry of a simulator scene, drawn on its
// picture: its zones (the sterile one sterile, loiter and crowd zones with
// the scene's thresholds) and its tripwires.
func viewOf(tr *camera.Truth) analytics.Config {
	c := analytics.DefaultConfig("", tr.Width, tr.Height)
	px := func(p camera.Point) image.Point {
		return image.Pt(int(math.Round(p.X*float64(tr.Width))), int(math.Round(p.Y*float64(tr.Height))))
	}
	for _, z := range tr.Zones {
		zc := analytics.Zone{ID: z.Name, Sterile: z.Name == "sterile"}
		for _, p := range z.Polygon {
			zc.Polygon = append(zc.Polygon, px(p))
		}
		if z.Name == tr.LoiterZone {
			zc.LoiterAfter = tr.LoiterAfter
		}
		if z.Name == tr.CrowdZone {
			zc.CrowdMin = tr.CrowdMin
		}
		c.Zones = append(c.Zones, zc)
	}
	for _, l := range tr.Lines {
		c.Tripwires = append(c.Tripwires, analytics.Tripwire{ID: l.Name, A: px(l.A), B: px(l.B), Left: l.Left, Right: l.Right})
	}
	return c
}

// sink records what a Watcher hands out. Its Raise folds repeats of the
// same kind and line or tamper into one alarm id, as the alarm core folds
// repeats into the open alarm.
type sink struct {
	mu     sync.Mutex
	alarms []watch.Alarm
	ids    []string
	raised []time.Time
	counts int
	clips  chan clipFor
}

type clipFor struct {
	alarm string
	clip  clips.Clip
}

func newSink() *sink { return &sink{clips: make(chan clipFor, 16)} }

func (s *sink) Sink() watch.Sink {
	return watch.Sink{
		Raise: func(_ context.Context, a watch.Alarm) (string, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			id := "A-" + string(a.Kind) + "-" + a.Line + string(a.Tamper)
			s.alarms, s.ids, s.raised = append(s.alarms, a), append(s.ids, id), append(s.raised, time.Now())
			return id, nil
		},
		Clip: func(_ context.Context, alarm string, c clips.Clip) { s.clips <- clipFor{alarm, c} },
		Counts: func([]analytics.ZoneCount) {
			s.mu.Lock()
			s.counts++
			s.mu.Unlock()
		},
	}
}

func (s *sink) snapshot() ([]watch.Alarm, []string, []time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]watch.Alarm(nil), s.alarms...), append([]string(nil), s.ids...), append([]time.Time(nil), s.raised...)
}

// run runs a Watcher until the test ends, checking that Run returns.
func run(t *testing.T, cfg watch.Config, sk watch.Sink) *watch.Watcher {
	t.Helper()
	store, err := clips.OpenStore(clips.StoreConfig{Dir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SnapshotDir == "" {
		cfg.SnapshotDir = t.TempDir()
	}
	w, err := watch.New(cfg, store, sk, logger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Run did not return within 15 s of its context ending")
		}
	})
	return w
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ffprobe returns the number of video frames and the duration ffprobe
// reads in an MP4, or skips when ffprobe is missing.
func ffprobe(t *testing.T, path string) (frames int, seconds float64) {
	t.Helper()
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Log("ffprobe not on PATH: clip not played")
		return -1, -1
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames,codec_name:format=duration", "-of", "default=noprint_wrappers=1", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		switch k {
		case "nb_read_frames":
			fmt.Sscan(v, &frames)
		case "duration":
			fmt.Sscan(v, &seconds)
		case "codec_name":
			if v != "h264" {
				t.Errorf("ffprobe: codec %s", v)
			}
		}
	}
	return frames, seconds
}
