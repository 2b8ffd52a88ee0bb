package ingest_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/h264dec"
	"github.com/palisade/palisade/vision/ingest"
	"github.com/palisade/palisade/vision/ingest/ingesttest"
)

func TestMain(m *testing.M) {
	if runBenchChild() {
		return
	}
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

// logger writes to the test log when -v is given.
func logger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func needFFmpeg(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not on PATH: the camera simulator encodes its scenes with it (Debian: apt-get install ffmpeg)")
	}
}

// sim starts a camera simulator for the test.
func sim(t testing.TB, cfg camera.Config) *camera.Server {
	t.Helper()
	needFFmpeg(t)
	s, err := camera.Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func addCamera(t testing.TB, s *camera.Server, path string, cfg camera.CameraConfig) *camera.Camera {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := s.AddCamera(ctx, path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// withCreds puts credentials into an rtsp:// URL.
func withCreds(url, user, pass string) string {
	return strings.Replace(url, "rtsp://", "rtsp://"+user+":"+pass+"@", 1)
}

// start runs an ingest Camera until the test ends.
func start(t testing.TB, cfg ingest.Config) *ingest.Camera {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "test-cam"
	}
	cam, err := ingest.New(cfg, logger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cam.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if st := cam.Status(); st.State != ingest.Stopped {
			t.Errorf("after Run: state %v, want stopped", st.State)
		}
	})
	return cam
}

// waitState waits for one of the states and returns the status.
func waitState(t testing.TB, cam *ingest.Camera, within time.Duration, states ...ingest.State) ingest.Status {
	t.Helper()
	st := waitFor(cam, within, states...)
	if !slices.Contains(states, st.State) {
		t.Fatalf("camera %s after %v (%q; %s), want %v", st.State, within, st.Reason, st.Detail, states)
	}
	return st
}

// waitFor waits for one of the states and returns the status then, or the
// status at the deadline.
func waitFor(cam *ingest.Camera, within time.Duration, states ...ingest.State) ingest.Status {
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		st, changed := cam.Watch()
		if slices.Contains(states, st.State) {
			return st
		}
		select {
		case <-changed:
		case <-deadline.C:
			return st
		}
	}
}

// next returns the next frame or fails the test.
func next(t testing.TB, cam *ingest.Camera, f *h264dec.Frame, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	if err := cam.Next(ctx, f); err != nil {
		t.Fatalf("Next: %v (status %+v)", err, cam.Status())
	}
}
