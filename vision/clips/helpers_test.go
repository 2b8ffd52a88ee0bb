package clips

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/ingest/ingesttest"
)

// t0 is the wall-clock time of the first picture of every fed stream.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// loadScene returns a simulator scene's H.264 (from the cache, or encoded
// with ffmpeg on first use).
func loadScene(t testing.TB, scene string, w, h int) *camera.Clip {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := camera.LoadClip(ctx, scene, camera.ClipOptions{Width: w, Height: h, FPS: 15})
	if err != nil {
		t.Skipf("simulator scene %s: %v", scene, err)
	}
	return c
}

// feed is a simulator scene looped like a live camera at 15 fps.
type feed struct {
	clip *camera.Clip
	n    int // pictures fed so far
}

// frameTime is the presentation time of picture i.
func frameTime(i int) time.Time {
	return t0.Add(time.Duration(i) * time.Second / 15)
}

// next returns the next picture.
func (f *feed) next() AccessUnit {
	au := AccessUnit{NALUs: f.clip.AUs[f.n%len(f.clip.AUs)], Time: frameTime(f.n)}
	f.n++
	return au
}

// until pushes pictures presented before t.
func (f *feed) until(t testing.TB, r *Recorder, end time.Time) {
	t.Helper()
	for frameTime(f.n).Before(end) {
		if err := r.Push(f.next()); err != nil {
			t.Fatalf("push of picture %d: %v", f.n-1, err)
		}
	}
}

// newRecorder returns a Recorder writing into a fresh store, on clk (nil:
// the wall clock).
func newRecorder(t testing.TB, cfg Config, clk Clock) (*Recorder, *Store) {
	t.Helper()
	store, err := OpenStore(StoreConfig{Dir: t.TempDir(), Clock: clk}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Camera == "" {
		cfg.Camera = "yard-north"
	}
	cfg.Clock = clk
	r, err := New(cfg, store, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r, store
}

// TestMain fails the run when a test leaves a goroutine behind: a
// Recorder starts none, and every Record of a test returns.
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

// testLog writes to the test log when -v is given.
func testLog(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// probe is what Debian's ffprobe says of a file.
type probe struct {
	Codec    string
	Width    int
	Height   int
	Frames   int     // pictures decoded (-count_frames)
	Duration float64 // seconds, of the container
}

func ffprobe(t testing.TB, path string) probe {
	t.Helper()
	bin, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Skip("ffprobe not installed")
	}
	out, err := exec.Command(bin, "-v", "error", "-show_streams", "-show_format", "-count_frames", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var res struct {
		Streams []struct {
			CodecName    string `json:"codec_name"`
			Width        int    `json:"width"`
			Height       int    `json:"height"`
			NbReadFrames string `json:"nb_read_frames"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Streams) != 1 {
		t.Fatalf("ffprobe %s: %v streams, %v\n%s", path, len(res.Streams), err, out)
	}
	s := res.Streams[0]
	p := probe{Codec: s.CodecName, Width: s.Width, Height: s.Height}
	p.Frames, _ = strconv.Atoi(s.NbReadFrames)
	p.Duration, _ = strconv.ParseFloat(res.Format.Duration, 64)
	return p
}

// decodeErrors decodes a whole file with ffmpeg and returns what it
// complained of.
func decodeErrors(t testing.TB, path string) string {
	t.Helper()
	bin, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg not installed")
	}
	out, err := exec.Command(bin, "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg decoding %s: %v\n%s", path, err, out)
	}
	return string(out)
}

func sha256File(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checkClip validates a written clip with ffprobe and ffmpeg against what
// Record reported, and returns ffprobe's view.
func checkClip(t testing.TB, c Clip) probe {
	t.Helper()
	fi, err := os.Stat(c.Path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != c.Size {
		t.Errorf("%s: %d bytes on disk, Clip says %d", c.Name, fi.Size(), c.Size)
	}
	if got := sha256File(t, c.Path); got != c.SHA256 {
		t.Errorf("%s: SHA-256 of the file %s, Clip says %s", c.Name, got, c.SHA256)
	}
	p := ffprobe(t, c.Path)
	if p.Codec != "h264" || p.Width != c.Width || p.Height != c.Height {
		t.Errorf("%s: ffprobe sees %s %dx%d, want h264 %dx%d", c.Name, p.Codec, p.Width, p.Height, c.Width, c.Height)
	}
	if p.Frames != c.Frames {
		t.Errorf("%s: ffprobe decoded %d frames, Clip says %d", c.Name, p.Frames, c.Frames)
	}
	if d := p.Duration - c.Duration.Seconds(); d < -0.002 || d > 0.002 {
		t.Errorf("%s: ffprobe duration %.3f s, Clip says %.3f s", c.Name, p.Duration, c.Duration.Seconds())
	}
	return p
}
