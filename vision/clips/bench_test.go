package clips

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/palisade/palisade/vision/ingest/ingesttest"
)

// benchScene is the 720p 15 fps simulator scene (about 1.5 Mbit/s).
func benchScene(b *testing.B) *feed {
	return &feed{clip: loadScene(b, "crowd", 1280, 720)}
}

// benchRecorder is a Recorder on a clock that stands still at t0 (the
// streams' times drive everything) and that logs nothing.
func benchRecorder(b *testing.B) (*Recorder, *Store) {
	clk := ingesttest.NewClock(t0)
	store, err := OpenStore(StoreConfig{Dir: b.TempDir(), Clock: clk}, nil)
	if err != nil {
		b.Fatal(err)
	}
	r, err := New(Config{Camera: "bench", Clock: clk}, store, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(r.Close)
	return r, store
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPush is the buffering alone: one op is one access unit.
func BenchmarkPush(b *testing.B) {
	f := benchScene(b)
	r, _ := benchRecorder(b)
	var bytes int64
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		au := f.next()
		for _, n := range au.NALUs {
			bytes += int64(len(n))
		}
		if err := r.Push(au); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(bytes)/1e6/b.Elapsed().Seconds(), "MB/s")
}

// BenchmarkRecord writes a 20 s clip (10 s + 10 s) of the 720p camera
// from a full buffer to disk, fsync and rename included: one op is one
// clip.
func BenchmarkRecord(b *testing.B) {
	f := benchScene(b)
	r, _ := benchRecorder(b)
	for f.n < 40*15 {
		if err := r.Push(f.next()); err != nil {
			b.Fatal(err)
		}
	}
	var bytes int64
	b.ResetTimer()
	for range b.N {
		c, err := r.Record(context.Background(), Request{AlarmID: "bench", Event: frameTime(25 * 15)})
		if err != nil {
			b.Fatal(err)
		}
		bytes += c.Size
	}
	b.ReportMetric(float64(bytes)/1e6/b.Elapsed().Seconds(), "MB/s")
}

// BenchmarkCamera is a camera's whole cost: one op is one minute of the
// 720p camera buffered, with one 20 s clip written in it (an alarm a
// minute, far more than a camera raises). It reports the CPU time of the
// process (getrusage: user + system, the garbage collector's included)
// per second of video, and as a percentage of one core.
func BenchmarkCamera(b *testing.B) {
	f := benchScene(b)
	r, store := benchRecorder(b)
	var bytes int64
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		start := f.n
		var pending <-chan result
		for f.n < start+60*15 {
			if f.n == start+20*15 {
				pending = record(context.Background(), r, Request{AlarmID: "bench", Event: frameTime(f.n)})
				waitPendingB(r)
			}
			au := f.next()
			for _, n := range au.NALUs {
				bytes += int64(len(n))
			}
			if err := r.Push(au); err != nil {
				b.Fatal(err)
			}
		}
		if res := <-pending; res.err != nil {
			b.Fatal(res.err)
		}
		if _, err := store.Prune(nil); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	video := time.Duration(b.N) * time.Minute
	b.ReportMetric(float64(cpu.Microseconds())/video.Seconds()/1000, "cpu-ms/video-s")
	b.ReportMetric(100*cpu.Seconds()/video.Seconds(), "%core/camera")
	b.ReportMetric(float64(bytes)/1e6/b.Elapsed().Seconds(), "MB/s")
}

func waitPendingB(r *Recorder) {
	for r.Stats().Pending == 0 {
		time.Sleep(100 * time.Microsecond)
	}
}
