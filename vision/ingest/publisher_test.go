package ingest_test

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/h264dec"
	"github.com/palisade/palisade/vision/ingest"
)

// Debian's ffmpeg — an encoder and RTSP client that shares no code with
// Palisade — publishes libx264 (with B-frames) to the simulator's relay,
// and the camera ingests it. Before ffmpeg starts, the path has no stream
// and the status says so.
func TestFFmpegPublisher(t *testing.T) {
	t.Parallel()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not on PATH: it is the independent publisher here (Debian: apt-get install ffmpeg)")
	}
	s := sim(t, camera.Config{Publish: true})
	cam := start(t, ingest.Config{URL: s.URL("x"), MaxRetry: 2 * time.Second})
	st := waitState(t, cam, 10*time.Second, ingest.Unreachable)
	if !strings.Contains(st.Reason, "no stream at /x") {
		t.Errorf("before publishing: reason %q", st.Reason)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin",
		"-re", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=15",
		"-c:v", "libx264", "-preset", "veryfast", "-f", "rtsp", "-rtsp_transport", "tcp", s.URL("x"))
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() {
		cmd.Wait()
		close(stopped)
	}()
	defer func() {
		cancel()
		<-stopped
	}()

	if st := waitFor(cam, 30*time.Second, ingest.Streaming, ingest.DecodeErrors); st.State != ingest.Streaming {
		t.Fatalf("camera %s after 30 s (%q); ffmpeg says: %s", st.State, st.Reason, stderr.String())
	}
	var f h264dec.Frame
	ctxNext, cancelNext := context.WithTimeout(ctx, 10*time.Second)
	defer cancelNext()
	if err := cam.Next(ctxNext, &f); err != nil {
		t.Fatalf("Next: %v; ffmpeg: %s", err, stderr.String())
	}
	began, first := time.Now(), f.Seq
	for range 45 { // take every picture for about three seconds
		if err := cam.Next(ctxNext, &f); err != nil {
			t.Fatalf("Next: %v; ffmpeg: %s", err, stderr.String())
		}
	}
	fps := float64(f.Seq-first) / time.Since(began).Seconds()
	st2 := cam.Stats()
	t.Logf("%.1f fps; stats %+v; status %+v", fps, st2, cam.Status())
	if f.Width != 640 || f.Height != 360 {
		t.Errorf("frame %dx%d, want 640x360", f.Width, f.Height)
	}
	// ffmpeg -re paces at 15 fps when it has the CPU; a loaded test
	// machine slows the encoder, not the ingest.
	if fps < 10 || fps > 18 {
		t.Errorf("decoded %.1f fps, want about 15", fps)
	}
	if st2.DecodeErrors != 0 {
		t.Errorf("%d decode errors from a clean encoder", st2.DecodeErrors)
	}
	// testsrc is colour bars over a gradient: far from flat.
	lo, hi := 255, 0
	for _, v := range f.Pix {
		lo, hi = min(lo, int(v)), max(hi, int(v))
	}
	if hi-lo < 150 {
		t.Errorf("picture spans luma %d..%d; testsrc has black and white in it", lo, hi)
	}
	select {
	case <-stopped:
		t.Errorf("ffmpeg exited early: %s", stderr.String())
	default:
	}
}

// syncBuffer is a bytes.Buffer a child process may write while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
