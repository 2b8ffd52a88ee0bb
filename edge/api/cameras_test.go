package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/edge/evidence"
)

// fakeCameras is node-1's camera side: it runs gate-cam and keeps one
// clip; yard-cam and its clips are node-3's.
type fakeCameras struct {
	clip []byte
}

var clipTime = time.Date(2026, 1, 15, 21, 59, 0, 0, time.UTC)

const clipSum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func (f fakeCameras) List(context.Context) ([]api.CameraView, error) {
	return []api.CameraView{
		{ID: "gate-cam", Node: "n1", Here: true, State: "streaming", Reason: "Live video is arriving.", AnalysedFPS: 5,
			Counts: []api.ZoneCount{{Zone: "yard", People: 2}}},
		{ID: "yard-cam", Node: "n3"},
	}, nil
}

func (f fakeCameras) Snapshot(_ context.Context, id string) ([]byte, time.Time, error) {
	switch id {
	case "gate-cam":
		return []byte{0xff, 0xd8, 0xff, 0xe0}, clipTime, nil
	case "yard-cam":
		return nil, time.Time{}, &api.Elsewhere{What: "camera yard-cam", Node: "n3"}
	}
	return nil, time.Time{}, fmt.Errorf("camera %s: %w", id, api.ErrNotFound)
}

func (f fakeCameras) Clip(_ context.Context, name string) (*api.File, error) {
	switch name {
	case "gate-cam_a1.mp4":
		return &api.File{ReadSeekCloser: nopCloser{bytes.NewReader(f.clip)}, Name: name, ModTime: clipTime, SHA256: clipSum}, nil
	case "yard-cam_a2.mp4":
		return nil, &api.Elsewhere{What: "clip " + name, Node: "n3"}
	}
	return nil, fmt.Errorf("clip %s: %w", name, api.ErrNotFound)
}

func (f fakeCameras) SavedSnapshot(_ context.Context, name string) (*api.File, error) {
	return nil, fmt.Errorf("snapshot %s: %w", name, api.ErrNotFound)
}

func (f fakeCameras) Evidence(_ context.Context, alarm string) ([]evidence.Clip, error) {
	if alarm != "a1" {
		return nil, nil
	}
	return []evidence.Clip{{Alarm: "a1", Camera: "gate-cam", Node: "n1", Name: "gate-cam_a1.mp4", Size: 1000, SHA256: clipSum}}, nil
}

type nopCloser struct{ io.ReadSeeker }

func (nopCloser) Close() error { return nil }

// The camera routes: the cameras with their owners, a picture, a clip
// served as MP4 with ranges and the recorded hash, the 404 that names the
// node keeping what is elsewhere, an alarm's evidence.
func TestCameraRoutes(t *testing.T) {
	clip := bytes.Repeat([]byte("0123456789"), 100)
	h := newHarnessWith(t, func(c *api.Config) { c.Cameras = fakeCameras{clip: clip} })
	c := h.login(t, "olga")

	var list struct {
		Node    string           `json:"node"`
		Cameras []api.CameraView `json:"cameras"`
	}
	if status, body := c.doJSON("GET", "/v1/cameras", "", &list); status != 200 || len(list.Cameras) != 2 ||
		list.Cameras[1].Node != "n3" || list.Cameras[1].Here || list.Cameras[0].Counts[0].People != 2 {
		t.Fatalf("cameras: %d %s", status, body)
	}

	resp := get(t, c, "/v1/cameras/gate-cam/snapshot.jpg", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("snapshot: %d %v", resp.StatusCode, resp.Header)
	}
	status, body := c.do("GET", "/v1/cameras/yard-cam/snapshot.jpg", "")
	if status != 404 || !strings.Contains(body, `"node":"n3"`) || !strings.Contains(errorOf(t, body), "on n3") {
		t.Errorf("another node's camera: %d %s", status, body)
	}
	if status, _ := c.do("GET", "/v1/cameras/nope/snapshot.jpg", ""); status != 404 {
		t.Errorf("unknown camera: %d", status)
	}

	resp = get(t, c, "/v1/clips/gate-cam_a1.mp4", "")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" || !bytes.Equal(b, clip) ||
		resp.Header.Get("Accept-Ranges") != "bytes" || !strings.HasPrefix(resp.Header.Get("Repr-Digest"), "sha-256=:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=:") {
		t.Errorf("clip: %d %v, %d bytes", resp.StatusCode, resp.Header, len(b))
	}
	resp = get(t, c, "/v1/clips/gate-cam_a1.mp4", "bytes=100-199")
	b, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Range") != "bytes 100-199/1000" || !bytes.Equal(b, clip[100:200]) {
		t.Errorf("range: %d %v %q", resp.StatusCode, resp.Header, b)
	}
	status, body = c.do("GET", "/v1/clips/yard-cam_a2.mp4", "")
	if status != 404 || !strings.Contains(errorOf(t, body), "clip yard-cam_a2.mp4 is on n3") {
		t.Errorf("another node's clip: %d %s", status, body)
	}
	if status, body := c.do("GET", "/v1/clips/nothing.mp4", ""); status != 404 || strings.Contains(body, "node") {
		t.Errorf("no such clip: %d %s", status, body)
	}

	var ev struct {
		Clips []evidence.Clip `json:"clips"`
	}
	if status, body := c.doJSON("GET", "/v1/alarms/a1/evidence", "", &ev); status != 200 || len(ev.Clips) != 1 || ev.Clips[0].SHA256 != clipSum {
		t.Errorf("evidence: %d %s", status, body)
	}
	if status, body := c.do("GET", "/v1/alarms/a9/evidence", ""); status != 200 || !strings.Contains(body, `"clips":[]`) {
		t.Errorf("evidence of an alarm without clips: %d %s", status, body)
	}

	// Without a session: 401.
	if status, _ := h.anonymous(t).do("GET", "/v1/clips/gate-cam_a1.mp4", ""); status != 401 {
		t.Errorf("anonymous clip: %d", status)
	}
}

// get sends a GET with an optional Range header.
func get(t *testing.T, c *client, path, rng string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
