package central

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/uplink"
	"github.com/palisade/palisade/sync/uplink/uplinktest"
)

// BenchmarkCatchUp24h: a busy facility (uplinktest.Busy, ~112 000 commands
// a day) was cut off from HQ for 24 hours; HQ pulls the whole backlog
// with the production page size (1000 records, 1 MiB) over mutual TLS on
// loopback, committing every page durably (fsync) before moving on.
// Target: ≤ 60 s.
func BenchmarkCatchUp24h(b *testing.B) {
	w := newWorld(b, 1, uplink.Feed{})
	day := uplinktest.Day(w.start, uplinktest.Busy, 51)
	for h := range 24 { // a checkpoint every hour of the day
		w.apply(day[h*len(day)/24 : (h+1)*len(day)/24])
	}
	cfg := *w.cfg
	def := Default()
	cfg.PullEvery, cfg.PageRecords, cfg.PageBytes, cfg.DarkAfter = def.PullEvery, def.PageRecords, def.PageBytes, def.DarkAfter
	w.cfg = &cfg
	last := w.lastSeq(0)
	b.ResetTimer()
	var perRun time.Duration
	for range b.N {
		cfg.Data = b.TempDir()
		start := time.Now()
		h := w.startHQ(uplink.SystemClock{})
		waitFor(b, h.Store(), 5*time.Minute, "the backlog", func() bool { return cursorOf(b, h.Store()) == last })
		perRun = time.Since(start)
		b.StopTimer()
		h.stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(day)), "commands/day")
	b.ReportMetric(float64(last), "records")
	b.ReportMetric(perRun.Seconds(), "s/catch-up")
	b.ReportMetric(float64(last)/perRun.Seconds(), "records/s")
}

// fleetEnv makes the test binary the 100 facilities of BenchmarkFleet100,
// in a process of their own, so that only HQ's CPU and memory are measured.
const fleetEnv = "PALISADE_FLEET_CHILD"

// TestFleetChild is not a test: it runs the simulated facilities of
// BenchmarkFleet100 until its stdin closes.
func TestFleetChild(t *testing.T) {
	dir := os.Getenv(fleetEnv)
	if dir == "" {
		t.Skip("the facilities of BenchmarkFleet100; runs only as its child process")
	}
	n, _ := strconv.Atoi(os.Getenv(fleetEnv + "_N"))
	now := time.Now().UTC()
	var yaml strings.Builder
	fmt.Fprintf(&yaml, "data: %s\npull_every: 10s\ndark_after: 5m\nfacilities:\n", filepath.Join(dir, "hq"))
	facs := make([]*uplinktest.Facility, n)
	for i := range n {
		id := fmt.Sprintf("f%03d", i)
		ca, err := pki.NewCA(id, now.Add(-2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		f := uplinktest.NewFacility(t, filepath.Join(dir, id+".db"), id, ca,
			uplinktest.Options{IssuedAt: now.Add(-2 * time.Hour), FirstTime: now.Add(-30 * time.Minute)})
		if _, err := f.Apply(uplinktest.Span(now.Add(-30*time.Minute), 30*time.Minute, uplinktest.Busy, uint64(i)), 256); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Checkpoint(); err != nil {
			t.Fatal(err)
		}
		srv := uplinktest.Serve(t, f.Handler(), f.Cert, ca.Pool())
		pem := filepath.Join(dir, id)
		hq, _ := ca.Issue(pki.RoleCentral, "hq", nil, now.Add(-2*time.Hour), 30*24*time.Hour)
		if err := os.MkdirAll(pem, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := ca.Save(pem); err != nil {
			t.Fatal(err)
		}
		if err := pki.SaveCert(pem, "hq", hq); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&yaml, "  - {id: %s, nodes: [%s], ca: %s/ca.pem, cert: %s/hq.pem, key: %s/hq-key.pem}\n", id, srv.URL(), pem, pem, pem)
		facs[i] = f
	}
	if err := os.WriteFile(filepath.Join(dir, "hq.yaml"), []byte(yaml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	fmt.Println("READY")
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(done) }()
	// The facilities live at the Busy rate, in real time.
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	last := time.Now()
	for k := uint64(1); ; k++ {
		select {
		case <-done:
			return
		case now := <-tick.C:
			for i, f := range facs {
				if _, err := f.Apply(uplinktest.Span(last, now.Sub(last), uplinktest.Busy, k*1000+uint64(i)), 256); err != nil {
					t.Error(err)
				}
				if k%12 == 0 {
					_, _ = f.Checkpoint()
				}
			}
			last = now
		}
	}
}

// BenchmarkFleet100: HQ pulling 100 busy facilities every 10 s (each on
// its own TLS listener with its own CA, in a child process). Reports HQ's
// CPU (user+system, % of one core and per pull) and memory over a window
// of PALISADE_FLEET_SECONDS (default 60) after the initial catch-up;
// PALISADE_FLEET_EVERY overrides the pull interval.
func BenchmarkFleet100(b *testing.B) {
	n, window := 100, 60*time.Second
	if v, err := strconv.Atoi(os.Getenv("PALISADE_FLEET_SECONDS")); err == nil && v > 0 {
		window = time.Duration(v) * time.Second
	}
	for range b.N {
		exe, err := os.Executable()
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		cmd := exec.Command(exe, "-test.run=^TestFleetChild$", "-test.v")
		cmd.Env = append(os.Environ(), fleetEnv+"="+dir, fleetEnv+"_N="+strconv.Itoa(n))
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		ready := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if sc.Text() == "READY" {
					close(ready)
				}
			}
		}()
		select {
		case <-ready:
		case <-time.After(5 * time.Minute):
			b.Fatal("the facilities did not start")
		}
		cfg, err := Load(filepath.Join(dir, "hq.yaml"))
		if err != nil {
			b.Fatal(err)
		}
		if d, err := time.ParseDuration(os.Getenv("PALISADE_FLEET_EVERY")); err == nil && d > 0 {
			cfg.PullEvery = d // a harder load than production's 10 s
		}
		s, err := New(cfg, Options{})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); s.Run(ctx) }()
		// The initial catch-up (30 min of backlog each) is not the
		// steady state: wait for every facility's first pull.
		waitFor(b, s.Store(), 2*time.Minute, "every facility's first pull", func() bool {
			v, _ := s.Facilities()
			for _, f := range v {
				if f.LastContact.IsZero() || f.Backlog > 0 {
					return false
				}
			}
			return true
		})
		runtime.GC()
		pulls0 := pulls(b, s, resultOK)
		var ru0, ru1 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		t0 := time.Now()
		var peakHeap uint64
		for end := time.After(window); ; {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peakHeap = max(peakHeap, ms.HeapInuse)
			select {
			case <-end:
			case <-time.After(time.Second):
				continue
			}
			break
		}
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		wall := time.Since(t0)
		cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
		np := pulls(b, s, resultOK) - pulls0
		failed := pulls(b, s, resultTransport) + pulls(b, s, resultRejected)
		var received uint64
		v, _ := s.Facilities()
		for _, f := range v {
			received += f.Cursor
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		rss, goroutines := vmRSS(), runtime.NumGoroutine()
		cancel()
		<-done
		_ = s.Close()
		_ = stdin.Close()
		_ = cmd.Wait()
		b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "%CPU")
		b.ReportMetric(float64(cpu.Microseconds())/float64(max(np, 1)), "CPU-µs/pull")
		b.ReportMetric(float64(np)/wall.Seconds(), "pulls/s")
		b.ReportMetric(float64(peakHeap)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(rss)/(1<<20), "RSS-MiB")
		b.ReportMetric(float64(failed), "failed-pulls")
		b.Logf("%d facilities, window %v: %d pulls, %d failed, CPU %v (user+sys), heap in use %.1f MiB (Sys %.1f MiB), RSS %.1f MiB, %d records at HQ, goroutines %d",
			n, wall.Round(time.Second), np, failed, cpu.Round(time.Millisecond), float64(peakHeap)/(1<<20), float64(ms.Sys)/(1<<20), float64(rss)/(1<<20), received, goroutines)
	}
}

// vmRSS is this process's resident set size, from /proc (0 elsewhere).
func vmRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
