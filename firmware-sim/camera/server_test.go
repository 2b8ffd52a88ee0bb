package camera

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
)

func needFFmpeg(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH: it encodes the scenes and is the independent RTSP peer here", tool)
		}
	}
}

func listen(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Debian's ffprobe and ffmpeg, an RTSP client that shares no code with
// this one, read the simulated camera over TCP and UDP with credentials,
// and are refused without them.
func TestFFmpegReadsCamera(t *testing.T) {
	needFFmpeg(t)
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()
	s := listen(t, Config{UDP: true, Username: "officer", Password: "s3cret"})
	if _, err := s.AddCamera(ctx, "yard", CameraConfig{Scene: "tripwire"}); err != nil {
		t.Fatal(err)
	}
	url := strings.Replace(s.URL("yard"), "rtsp://", "rtsp://officer:s3cret@", 1)

	for _, transport := range []string{"tcp", "udp"} {
		out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-rtsp_transport", transport,
			"-analyzeduration", "200000", "-select_streams", "v", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", url).CombinedOutput()
		if err != nil {
			t.Fatalf("ffprobe over %s: %v: %s", transport, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != "h264,640,360" {
			t.Errorf("ffprobe over %s: %q, want h264,640,360", transport, got)
		}
	}

	// 30 frames decode without a single error message.
	out, err := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-i", url,
		"-frames:v", "30", "-f", "framecrc", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	frames := 0
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "0,") {
			frames++
		} else if l != "" && !strings.HasPrefix(l, "#") {
			t.Errorf("ffmpeg said: %s", l)
		}
	}
	if frames != 30 {
		t.Errorf("ffmpeg decoded %d frames, want 30", frames)
	}

	out, err = exec.CommandContext(ctx, "ffprobe", "-v", "error", "-rtsp_transport", "tcp",
		strings.Replace(url, "s3cret", "guess", 1)).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "401") {
		t.Errorf("ffprobe with a wrong password: %v: %s; want a 401 refusal", err, out)
	}
}

// A camera set to H.265 or MJPEG announces that codec (and sends nothing).
func TestAnnouncedCodec(t *testing.T) {
	needFFmpeg(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	s := listen(t, Config{})
	want := map[string]Codec{"hevc": H265, "jpeg": MJPEG}
	for path, codec := range want {
		if _, err := s.AddCamera(ctx, path, CameraConfig{Scene: "quiet-yard", Codec: codec}); err != nil {
			t.Fatal(err)
		}
	}
	for path, codec := range want {
		u, err := base.ParseURL(s.URL(path))
		if err != nil {
			t.Fatal(err)
		}
		c := gortsplib.Client{Scheme: u.Scheme, Host: u.Host}
		if err := c.Start2(); err != nil {
			t.Fatal(err)
		}
		desc, _, err := c.Describe(u)
		c.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var got format.Format
		switch codec {
		case H265:
			var f *format.H265
			desc.FindFormat(&f)
			if f != nil {
				got = f
			}
		case MJPEG:
			var f *format.MJPEG
			desc.FindFormat(&f)
			if f != nil {
				got = f
			}
		}
		if got == nil || len(desc.Medias) != 1 {
			t.Errorf("%s: described %+v, want one %s track", path, desc.Medias, codec)
		}
	}
}

// Stall stops the packets; FrameAt maps send times to scene frames.
func TestStallAndFrameAt(t *testing.T) {
	needFFmpeg(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	s := listen(t, Config{})
	c, err := s.AddCamera(ctx, "cam", CameraConfig{Scene: "quiet-yard", Width: 320, Height: 180})
	if err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	waitFrames := func(n uint64) {
		for c.Stats().Frames < n {
			select {
			case <-ctx.Done():
				t.Fatalf("camera sent %d frames, want %d", c.Stats().Frames, n)
			case <-tick.C:
			}
		}
	}
	waitFrames(10)
	if i, ok := c.FrameAt(time.Now()); !ok || i < 9 {
		t.Errorf("FrameAt(now) = %d %v after 10 frames", i, ok)
	}
	if _, ok := c.FrameAt(time.Now().Add(-time.Hour)); ok {
		t.Error("FrameAt an hour ago answered")
	}
	c.Stall(true)
	stalledAt := time.Now()
	// Let four frame intervals pass, by the camera's own clock.
	deadline := time.NewTimer(4 * time.Second / 15)
	<-deadline.C
	st := c.Stats()
	if st.LastSent.After(stalledAt.Add(time.Second / 15)) {
		t.Errorf("sent at %v, after the stall at %v", st.LastSent, stalledAt)
	}
	c.Stall(false)
	waitFrames(st.Frames + 5)
	// The first frame after the stall is a key frame.
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.sent {
		if f.at.After(stalledAt) {
			if !isKey(c.clip.AUs[f.index]) {
				t.Errorf("resumed at frame %d, not a key frame", f.index)
			}
			break
		}
	}
}
