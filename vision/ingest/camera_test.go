package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/ingest"
)

// Wrong or missing credentials: the camera says 401, the status says so in
// words, and Palisade does not hammer the camera (which could lock the
// account) — the next try is MaxRetry away.
func TestUnauthorized(t *testing.T) {
	t.Parallel()
	s := sim(t, camera.Config{Username: "palisade", Password: "yard-7"})
	addCamera(t, s, "yard", camera.CameraConfig{Scene: "quiet-yard"})
	cases := []struct {
		url  string
		user string
		want string
	}{
		{url: withCreds(s.URL("yard"), "palisade", "guess"), want: "refused the user name or password"},
		{url: s.URL("yard"), want: "none is configured"},
		{url: s.URL("yard"), user: "intruder", want: "refused the user name or password"},
	}
	for _, c := range cases {
		cam := start(t, ingest.Config{URL: c.url, Username: c.user, Password: "x", MaxRetry: time.Minute})
		st := waitState(t, cam, 10*time.Second, ingest.Unauthorized)
		if !strings.Contains(st.Reason, c.want) {
			t.Errorf("reason %q, want it to say %q", st.Reason, c.want)
		}
		if wait := st.NextAttempt.Sub(st.Since); wait < 45*time.Second {
			t.Errorf("next attempt %v after the refusal, want about a minute", wait)
		}
		if strings.Contains(st.Reason+st.Detail, "guess") {
			t.Errorf("status shows the password: %+v", st)
		}
	}
}

// A camera set to H.265 or MJPEG: a clear status, not a decoding failure.
func TestUnsupportedCodec(t *testing.T) {
	t.Parallel()
	s := sim(t, camera.Config{})
	addCamera(t, s, "hevc", camera.CameraConfig{Scene: "quiet-yard", Codec: camera.H265})
	addCamera(t, s, "mjpeg", camera.CameraConfig{Scene: "quiet-yard", Codec: camera.MJPEG})
	for path, want := range map[string]string{"hevc": "H.265 (HEVC) video", "mjpeg": "Motion JPEG video"} {
		cam := start(t, ingest.Config{URL: s.URL(path)})
		st := waitState(t, cam, 10*time.Second, ingest.UnsupportedCodec)
		if !strings.Contains(st.Reason, want) || !strings.Contains(st.Reason, "H.264") {
			t.Errorf("%s: reason %q, want it to name %q and H.264", path, st.Reason, want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	cases := map[string]ingest.Config{
		"name":      {URL: "rtsp://cam/x"},
		"scheme":    {Name: "c", URL: "http://cam/x"},
		"host":      {Name: "c", URL: "rtsp:///x"},
		"transport": {Name: "c", URL: "rtsp://cam/x", Transport: "sctp"},
		"decoder":   {Name: "c", URL: "rtsp://cam/x", Width: 641},
		"retry":     {Name: "c", URL: "rtsp://cam/x", FirstRetry: time.Minute, MaxRetry: time.Second},
	}
	for field, cfg := range cases {
		_, err := ingest.New(cfg, nil)
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: error %v", field, err)
		}
	}
	cfg := ingest.DefaultConfig("yard", "rtsp://u:secret@cam/x")
	if cfg.StallTimeout != 1500*time.Millisecond || cfg.FirstRetry != 500*time.Millisecond || cfg.Transport != "tcp" {
		t.Errorf("defaults %+v", cfg)
	}
	if _, err := ingest.New(ingest.Config{Name: "c", URL: "rtsp://u:secret@[::1/x"}, nil); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad URL error %v shows the password or is missing", err)
	}
}

// Run refuses to run twice at once, and stops on cancel.
func TestRunTwice(t *testing.T) {
	cam, err := ingest.New(ingest.Config{Name: "c", URL: "rtsp://127.0.0.1:1/x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cam.Run(ctx) }()
	st, changed := cam.Watch()
	for st.State == ingest.Connecting {
		<-changed
		st, changed = cam.Watch()
	}
	if err := cam.Run(ctx); !errors.Is(err, ingest.ErrRunning) {
		t.Errorf("second Run: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// The Prometheus collector reports the state and the counters.
func TestCollector(t *testing.T) {
	cam, err := ingest.New(ingest.Config{Name: "gate-2", URL: "rtsp://127.0.0.1:1/x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(cam.Collector()); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fam := range families {
		for _, m := range fam.GetMetric() {
			n++
			if fam.GetName() != "palisade_camera_state" {
				continue
			}
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			want := 0.0
			if labels["state"] == "connecting" {
				want = 1
			}
			if labels["camera"] != "gate-2" || m.GetGauge().GetValue() != want {
				t.Errorf("state metric %v = %v", labels, m.GetGauge().GetValue())
			}
		}
	}
	if n != 3+6+1+1+1+8 {
		t.Errorf("%d metrics, want 20", n)
	}
}
