package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/h264dec"
	"github.com/palisade/palisade/vision/ingest"
)

// benchChildEnv carries the ingest child's job (JSON) from BenchmarkIngest
// to the re-executed test binary.
const benchChildEnv = "PALISADE_INGEST_BENCH_CHILD"

type benchJob struct {
	URL     string        `json:"url"`
	For     time.Duration `json:"for"`
	Width   int           `json:"width"`
	Height  int           `json:"height"`
	BGR     bool          `json:"bgr"`
	Analyse time.Duration `json:"analyse"` // interval between hand-offs
}

type benchResult struct {
	Stats   ingest.Stats  `json:"stats"`
	SelfCPU time.Duration `json:"self_cpu"` // getrusage(RUSAGE_SELF) at the end
}

// runBenchChild runs the ingest side of BenchmarkIngest when this process
// was started as its child, and reports whether it was.
func runBenchChild() bool {
	v := os.Getenv(benchChildEnv)
	if v == "" {
		return false
	}
	var job benchJob
	if err := json.Unmarshal([]byte(v), &job); err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		os.Exit(2)
	}
	format := h264dec.Gray
	if job.BGR {
		format = h264dec.BGR
	}
	cam, err := ingest.New(ingest.Config{Name: "bench", URL: job.URL, Width: job.Width, Height: job.Height, Format: format}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), job.For)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cam.Run(ctx) }()
	// The analysis loop: take the latest picture every Analyse.
	tick := time.NewTicker(job.Analyse)
	var f h264dec.Frame
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
			cam.Next(ctx, &f) //nolint:errcheck // ends with ctx
		}
	}
	tick.Stop()
	<-done
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)                                           //nolint:errcheck
	json.NewEncoder(os.Stdout).Encode(benchResult{Stats: cam.Stats(), SelfCPU: cpu(&ru)}) //nolint:errcheck
	os.Exit(0)
	return true
}

func cpu(ru *syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reader is one process decoding the camera during the benchmark.
type reader struct {
	name   string
	cmd    *exec.Cmd
	out    bytes.Buffer
	errOut bytes.Buffer
	wall   time.Duration
	cpu    time.Duration
	frames uint64
	note   string
}

// BenchmarkIngest measures the CPU one camera costs: a 1280×720 15 fps
// H.264 stream from the simulator, decoded in full by the Palisade ingest
// with a 5 fps hand-off to analysis, against bare `ffmpeg -i rtsp://… -f
// null -` decoding the same stream at the same time. Each reader is a child
// process and its CPU time comes from getrusage (wait4) when it exits.
//
//	go test -run '^$' -bench Ingest -benchtime 1x ./vision/ingest
//
// PALISADE_BENCH_SECONDS sets the measuring time (default 20).
func BenchmarkIngest(b *testing.B) {
	needFFmpeg(b)
	secs := 20
	if v, err := strconv.Atoi(os.Getenv("PALISADE_BENCH_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	dur := time.Duration(secs) * time.Second
	s := sim(b, camera.Config{})
	const w, h, fps = 1280, 720, 15
	simCam := addCamera(b, s, "bench", camera.CameraConfig{Scene: "crowd", Width: w, Height: h, FPS: fps})
	clip := simCam.Clip()
	mbps := float64(clip.Bytes) * 8 / clip.Truth.Duration().Seconds() / 1e6
	url := s.URL("bench")

	for b.Loop() {
		job, _ := json.Marshal(benchJob{URL: url, For: dur, Width: 640, Height: 360, BGR: true, Analyse: 200 * time.Millisecond})
		palisade := &reader{name: "palisade ingest: decode 15 fps, hand off 5 fps BGR 640x360"}
		palisade.cmd = exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
		palisade.cmd.Env = append(os.Environ(), benchChildEnv+"="+string(job))
		ffArgs := func(threads ...string) []string {
			a := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp"}, threads...)
			return append(a, "-i", url, "-t", strconv.Itoa(secs), "-f", "null", "-progress", "pipe:1", "-")
		}
		bare := &reader{name: "ffmpeg -i rtsp://… -f null - (auto threads)", cmd: exec.Command("ffmpeg", ffArgs()...)}
		bare1 := &reader{name: "ffmpeg -threads 1 -i rtsp://… -f null -", cmd: exec.Command("ffmpeg", ffArgs("-threads", "1")...)}
		readers := []*reader{palisade, bare, bare1}
		var wg sync.WaitGroup
		for _, r := range readers {
			r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.errOut
			begin := time.Now()
			if err := r.cmd.Start(); err != nil {
				b.Fatal(err)
			}
			wg.Go(func() {
				err := r.cmd.Wait()
				r.wall = time.Since(begin)
				if err != nil {
					r.note = fmt.Sprintf("exit: %v: %s", err, strings.TrimSpace(r.errOut.String()))
				}
				if ru, ok := r.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					r.cpu = cpu(ru)
				}
			})
		}
		wg.Wait()
		var res benchResult
		if err := json.Unmarshal(palisade.out.Bytes(), &res); err != nil {
			b.Fatalf("ingest child: %v: %s %s", err, palisade.out.String(), palisade.errOut.String())
		}
		palisade.frames = res.Stats.Decoded
		palisade.note = fmt.Sprintf("self-reported CPU %.2f s; delivered %d, decode errors %d", res.SelfCPU.Seconds(), res.Stats.Delivered, res.Stats.DecodeErrors)
		for _, r := range readers[1:] {
			r.frames = lastProgress(r.out.String(), "frame")
		}

		tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "\none camera: %dx%d %d fps H.264 (libx264 veryfast zerolatency, GOP 15), %.2f Mbit/s, RTSP/TCP on loopback, %d s; %s, %d CPUs, %s\n",
			w, h, fps, mbps, secs, runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), raceNote)
		fmt.Fprintln(tw, "reader\tCPU s\tCPU % of a core\tpictures decoded\tCPU vs bare ffmpeg\tnote")
		for _, r := range readers {
			ratio := r.cpu.Seconds() / bare.cpu.Seconds()
			fmt.Fprintf(tw, "%s\t%.2f\t%.1f\t%d\t%.2f×\t%s\n", r.name, r.cpu.Seconds(), 100*r.cpu.Seconds()/r.wall.Seconds(), r.frames, ratio, r.note)
		}
		tw.Flush()
		b.ReportMetric(100*palisade.cpu.Seconds()/palisade.wall.Seconds(), "cpu%/camera")
		b.ReportMetric(palisade.cpu.Seconds()/bare.cpu.Seconds(), "×ffmpeg")
		b.ReportMetric(palisade.cpu.Seconds()/bare1.cpu.Seconds(), "×ffmpeg-1thread")
	}
}

// lastProgress returns the last value of key in ffmpeg -progress output.
func lastProgress(out, key string) uint64 {
	var v uint64
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if k, val, ok := strings.Cut(sc.Text(), "="); ok && k == key {
			if n, err := strconv.ParseUint(strings.TrimSpace(val), 10, 64); err == nil {
				v = n
			}
		}
	}
	return v
}
