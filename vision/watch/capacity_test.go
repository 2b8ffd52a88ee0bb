package watch_test

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/analytics"
	"github.com/palisade/palisade/vision/clips"
	"github.com/palisade/palisade/vision/ingest"
	"github.com/palisade/palisade/vision/watch"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkCamerasPerMachine runs N whole cameras in this process — 720p
// 15 fps H.264 from the camera simulator over loopback RTSP, each watched
// end to end (ingest, decode, analysis at 5 fps, the evidence ring, alarms
// with snapshots and clips) — and prints the CPU they take, beside the
// simulator's own CPU measured first in the same run, and the heap at the
// start and the end of the window (flat: no leak). Half the cameras show an
// empty yard, half a crowd forming. It ignores b.N:
//
//	go test -run '^$' -bench CamerasPerMachine -benchtime 1x ./vision/watch
//	PALISADE_CAMERAS=20 PALISADE_CAMERA_SECONDS=120 go test …
func BenchmarkCamerasPerMachine(b *testing.B) {
	n, secs := envInt("PALISADE_CAMERAS", 16), envInt("PALISADE_CAMERA_SECONDS", 60)
	window := time.Duration(secs) * time.Second
	s, err := camera.Listen(camera.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	scenes := []string{"quiet-yard", "crowd"}
	for i := range n {
		if _, err := s.AddCamera(ctx, fmt.Sprintf("cam%02d", i), camera.CameraConfig{Scene: scenes[i%2], Width: 1280, Height: 720}); err != nil {
			b.Fatal(err)
		}
	}
	// The simulator alone (it streams whether anyone watches or not).
	time.Sleep(3 * time.Second)
	c0, t0 := cpuTime(), time.Now()
	time.Sleep(10 * time.Second)
	simShare := float64(cpuTime()-c0) / float64(time.Since(t0))

	dir := b.TempDir()
	store, err := clips.OpenStore(clips.StoreConfig{Dir: filepath.Join(dir, "clips"), MaxBytes: 1 << 30}, nil)
	if err != nil {
		b.Fatal(err)
	}
	var (
		mu     sync.Mutex
		alarms int
	)
	sink := watch.Sink{
		Raise: func(context.Context, watch.Alarm) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			alarms++
			return fmt.Sprintf("a%d", alarms), nil
		},
		Clip: func(context.Context, string, clips.Clip) {},
	}
	var ws []*watch.Watcher
	var wg sync.WaitGroup
	for i := range n {
		view := analytics.DefaultConfig("", 640, 360)
		view.Zones = []analytics.Zone{{ID: "yard", CrowdMin: 4, Polygon: []image.Point{{0, 0}, {640, 0}, {640, 360}, {0, 360}}}}
		w, err := watch.New(watch.Config{Camera: fmt.Sprintf("cam%02d", i), Ingest: ingest.Config{URL: s.URL(fmt.Sprintf("cam%02d", i))},
			Analytics: view, SnapshotDir: dir}, store, sink, nil)
		if err != nil {
			b.Fatal(err)
		}
		ws = append(ws, w)
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.Run(ctx) }()
	}
	defer func() {
		cancel()
		wg.Wait()
		for _, w := range ws {
			w.Close()
		}
	}()
	// Connected, backgrounds learnt, and every evidence ring full (30 s
	// of history): from here on the heap must stay flat.
	time.Sleep(35 * time.Second)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	h0 := heap()
	c1, t1 := cpuTime(), time.Now()
	time.Sleep(window)
	total := float64(cpuTime()-c1) / float64(time.Since(t1))
	h1 := heap()
	var analysed, received float64
	streaming := 0
	for _, w := range ws {
		st := w.Status()
		analysed += st.AnalysedFPS
		received += st.ReceivedFPS
		if st.State == ingest.Streaming {
			streaming++
		}
	}
	cores := float64(runtime.NumCPU())
	watch := total - simShare
	b.Logf("\n%d cameras 1280×720 15 fps (half empty yard, half a crowd), analysis at 5 fps, %s window, %d cores\n"+
		"%-46s %6.1f %% of one core\n%-46s %6.1f %% of one core (%.1f %% of the machine)\n%-46s %6.1f %% of one core\n"+
		"%-46s %d of %d, %.1f fps analysed, %.1f received (sum)\n%-46s %.1f MiB → %.1f MiB\n%-46s %d",
		n, window, int(cores),
		"simulator alone (measured first)", 100*simShare,
		"cameras watched (all minus simulator)", 100*watch, 100*watch/cores,
		"per camera", 100*watch/float64(n),
		"streaming at the end", streaming, n, analysed, received,
		"heap in use, start → end of window", float64(h0)/(1<<20), float64(h1)/(1<<20),
		"alarms raised", alarms)
	b.ReportMetric(100*watch/cores, "%machine")
	b.ReportMetric(100*watch/float64(n), "%core/camera")
}
