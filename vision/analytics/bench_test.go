package analytics

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/h264dec"
)

// cpuTime is the CPU time of the whole process (every thread: OpenCV and
// libavcodec run their own), user and system.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAnalysis720p measures, in one run, for a 1280×720 15 fps
// H.264 camera (simulator scenes: the empty yard, and seven people
// converging):
//
//   - bare decoding of every access unit (libavcodec, no conversion);
//   - the analysis pipeline: decoding every access unit, converting every
//     third picture to 640×360 gray and analysing it (5 fps).
//
// It prints CPU per frame and per camera. CPU is the process's (getrusage),
// so run it alone:
//
//	go test -run '^$' -bench Analysis720p -benchtime 1x ./vision/analytics
func BenchmarkAnalysis720p(b *testing.B) {
	needFFmpeg(b)
	const loops = 4
	var table strings.Builder
	fmt.Fprintf(&table, "\n1280x720 15 fps H.264, analysis at 640x360 gray 5 fps; %d loops of each scene; CPU of the process\n", loops)
	fmt.Fprintf(&table, "%-16s %-11s %-9s %7s %10s %11s %11s %10s\n", "OpenCV threads", "scene", "stage", "frames", "CPU/frame", "wall/frame", "camera CPU", "vs decode")
	def := SetOpenCVThreads(0)
	SetOpenCVThreads(def)
	defer SetOpenCVThreads(def)
	for _, threads := range []int{def, 0} {
		SetOpenCVThreads(threads)
		label := fmt.Sprintf("%d (default)", def)
		if threads == 0 {
			label = "0 (sequential)"
		}
		benchScenes(b, &table, label, loops)
	}
	fmt.Print(table.String()) // b.Log would cut the table short
}

func benchScenes(b *testing.B, table *strings.Builder, label string, loops int) {
	for _, scene := range []string{"quiet-yard", "crowd"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		clip, err := camera.LoadClip(ctx, scene, camera.ClipOptions{Width: 1280, Height: 720})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		fps := clip.Truth.FPS
		stream := time.Duration(loops*len(clip.AUs)) * time.Second / time.Duration(fps)

		// Bare decoding.
		dec, err := h264dec.New(h264dec.Config{})
		if err != nil {
			b.Fatal(err)
		}
		c0, w0 := cpuTime(b), time.Now()
		n := 0
		for range loops {
			for i, au := range clip.AUs {
				p, err := dec.Decode(au, time.Duration(i))
				if err != nil {
					b.Fatal(err)
				}
				if p != nil {
					p.Release()
					n++
				}
			}
		}
		decodeCPU, decodeWall := cpuTime(b)-c0, time.Since(w0)
		dec.Close()

		// Decoding, converting and analysing at 5 fps.
		dec, err = h264dec.New(h264dec.Config{})
		if err != nil {
			b.Fatal(err)
		}
		sc := h264dec.NewScaler(640, 360, h264dec.Gray)
		a, err := New(configFor(clip.Truth, 640, 360), nil)
		if err != nil {
			b.Fatal(err)
		}
		var f h264dec.Frame
		var convCPU, anaCPU, anaWall time.Duration
		analysed := 0
		at := epoch
		c1, w1 := cpuTime(b), time.Now()
		for range loops {
			for i, au := range clip.AUs {
				p, err := dec.Decode(au, time.Duration(i))
				if err != nil {
					b.Fatal(err)
				}
				if p == nil {
					continue
				}
				at = at.Add(time.Second / time.Duration(fps))
				if i%3 == 0 {
					c := cpuTime(b)
					if err := sc.Convert(p, &f); err != nil {
						b.Fatal(err)
					}
					c2, w2 := cpuTime(b), time.Now()
					convCPU += c2 - c
					if _, err := a.ProcessFrame(&f, at); err != nil {
						b.Fatal(err)
					}
					anaCPU += cpuTime(b) - c2
					anaWall += time.Since(w2)
					analysed++
				}
				p.Release()
			}
		}
		pipeCPU, pipeWall := cpuTime(b)-c1, time.Since(w1)
		a.Close()
		sc.Close()
		dec.Close()

		per := func(d time.Duration, k int) string {
			return fmt.Sprintf("%.2f ms", float64(d)/float64(k)/1e6)
		}
		share := func(d time.Duration) string { return fmt.Sprintf("%.1f %%", 100*float64(d)/float64(stream)) }
		row := func(stage string, frames int, cpu, wall, ratio string, camera time.Duration) {
			fmt.Fprintf(table, "%-16s %-11s %-9s %7d %10s %11s %11s %10s\n", label, scene, stage, frames, cpu, wall, share(camera), ratio)
		}
		row("decode", n, per(decodeCPU, n), per(decodeWall, n), "1.00x", decodeCPU)
		row("convert", analysed, per(convCPU, analysed), "", "", convCPU)
		row("analyse", analysed, per(anaCPU, analysed), per(anaWall, analysed), "", anaCPU)
		row("pipeline", n, per(pipeCPU, n), per(pipeWall, n), fmt.Sprintf("%.2fx", float64(pipeCPU)/float64(decodeCPU)), pipeCPU)
	}
}
