package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"
)

// Options selects the benchmarks and sizes them. Zero fields take the value
// of DefaultOptions; if neither Throughput nor Failover is set, both run.
type Options struct {
	Throughput bool // replication throughput, replica vs bare raft
	Failover   bool // SIGKILL failover, Palisade timing vs raft's defaults
	AlarmPath  bool // device alarm → commit → SSE, idle and under background load
	DoorPath   bool // edge on a door contact's line → forced-door alarm → commit → SSE

	BackgroundRate int // event.record commands/s of background load for the alarm path (10000)
	AlarmSamples   int // probes per alarm-path row (300)

	Clients   int           // concurrent proposers on the leader (256)
	EventSize int           // bytes per event (256)
	Warmup    time.Duration // load before each measuring window (1s)
	Duration  time.Duration // measuring window of each throughput run (5s)
	Rounds    int           // replica/bare pairs; the verdict takes the median ratio (3)

	Kills int // leader kills per failover column (20)

	MutualTLS bool // the replica's cluster port speaks mutual TLS (the baseline stays plain TCP)
	// Trust adds, side by side in every round, the replica with mutual TLS
	// and the audit tree on (checkpoints signed every second), and runs the
	// alarm path on such a facility after the plain one.
	Trust bool

	// Dir holds the temporary data directories (os.TempDir if empty). Each
	// run creates its own directory under it and removes it at the end.
	Dir string
	// Logger receives progress and the nodes' warnings; nil discards them.
	Logger *slog.Logger
}

// DefaultOptions returns the sizes used for docs/performance.md: both
// benchmarks, about 2–3 minutes in all.
func DefaultOptions() Options {
	return Options{
		Throughput: true, Failover: true, AlarmPath: true, DoorPath: true,
		BackgroundRate: 10000, AlarmSamples: 300,
		Clients: 256, EventSize: 256,
		Warmup: time.Second, Duration: 5 * time.Second, Rounds: 3,
		Kills: 20,
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if !o.Throughput && !o.Failover && !o.AlarmPath && !o.DoorPath {
		o.Throughput, o.Failover, o.AlarmPath, o.DoorPath = true, true, true, true
	}
	if o.BackgroundRate <= 0 {
		o.BackgroundRate = d.BackgroundRate
	}
	if o.AlarmSamples <= 0 {
		o.AlarmSamples = d.AlarmSamples
	}
	if o.Clients <= 0 {
		o.Clients = d.Clients
	}
	if o.EventSize <= 0 {
		o.EventSize = d.EventSize
	}
	if o.Warmup <= 0 {
		o.Warmup = d.Warmup
	}
	if o.Duration <= 0 {
		o.Duration = d.Duration
	}
	if o.Rounds <= 0 {
		o.Rounds = d.Rounds
	}
	if o.Kills <= 0 {
		o.Kills = d.Kills
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Run runs the selected benchmarks and prints their tables to w. It blocks
// until they are done or ctx ends; every node and child process it started
// is stopped and every data directory removed before it returns.
//
// The failover benchmark starts child processes from os.Executable: the
// program must call MaybeRunChild at the top of main.
func Run(ctx context.Context, w io.Writer, opts Options) error {
	opts = opts.withDefaults()
	root, err := os.MkdirTemp(opts.Dir, "palisade-bench-")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(root)

	printHeader(w, describeMachine(time.Now()))
	var errs []error
	if opts.Throughput {
		res, err := runThroughput(ctx, root, opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("bench: throughput: %w", err))
		} else {
			printThroughput(w, opts, res)
		}
	}
	if opts.AlarmPath && ctx.Err() == nil {
		var rows []alarmPathRow
		for _, trusted := range []bool{false, true} {
			if trusted && !opts.Trust {
				break
			}
			r, err := runAlarmPath(ctx, root, opts, trusted)
			rows = append(rows, r...)
			if err != nil {
				errs = append(errs, fmt.Errorf("bench: alarm path: %w", err))
				break
			}
		}
		if len(rows) > 0 {
			printAlarmPath(w, opts, rows)
		}
	}
	if opts.DoorPath && ctx.Err() == nil {
		var rows []alarmPathRow
		for _, trusted := range []bool{false, true} {
			if trusted && !opts.Trust {
				break
			}
			r, err := runDoorPath(ctx, root, opts, trusted)
			rows = append(rows, r...)
			if err != nil {
				errs = append(errs, fmt.Errorf("bench: door path: %w", err))
				break
			}
		}
		if len(rows) > 0 {
			printAlarmPathTitled(w, opts, rows, "Door path: edge on a door contact's GPIO line → debounce (20 ms) → forced door → alarm → quorum commit → SSE on another node's console")
		}
	}
	if opts.Failover && ctx.Err() == nil {
		res, err := runFailover(ctx, root, opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("bench: failover: %w", err))
		}
		if len(res) > 0 {
			printFailover(w, opts, res)
		}
	}
	return errors.Join(errs...)
}

func printHeader(w io.Writer, m machine) {
	fmt.Fprintf(w, "Palisade replication benchmark, %s\n", m.Date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "machine: %s, %d CPUs (GOMAXPROCS %d), %s/%s, %s\n\n", m.CPU, m.NumCPU, m.GOMAXPROCS, m.GOOS, m.GOARCH, m.GoVersion)
}

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
}

func printThroughput(w io.Writer, o Options, rounds []throughputRound) {
	fmt.Fprintf(w, "Replication throughput: 3 nodes on loopback, %d-byte events, %d clients, %v window, raft timing of replica.DefaultConfig\n",
		o.EventSize, o.Clients, o.Duration)
	tw := newTable(w)
	reruns := 0
	fmt.Fprintln(tw, "round\tpath\tevents/s\tp50\tp99\tevents/entry\tentries/s\tin flight\t")
	for i, r := range rounds {
		paths := []throughputStats{r.Replica, r.Bare}
		if r.Trusted != nil {
			paths = []throughputStats{r.Replica, *r.Trusted, r.Bare}
		}
		for _, s := range paths {
			fmt.Fprintf(tw, "%d\t%s\t%.0f\t%s\t%s\t%.1f\t%.0f\t%d\t\n",
				i+1, s.Path, s.EventsPerSec, ms(s.Latency.P50), ms(s.Latency.P99), s.Batch, s.EntriesPerSec, s.InFlight)
		}
		fmt.Fprintf(tw, "%d\tratio replica/bare\t%.2f\t\t\t\t\t\t\n", i+1, r.Ratio())
		if r.Trusted != nil {
			fmt.Fprintf(tw, "%d\tratio trusted/replica\t%.2f\t\t\t\t\t\t\n", i+1, r.TrustRatio())
		}
		reruns += r.Reruns
	}
	tw.Flush()
	if reruns > 0 {
		fmt.Fprintf(w, "%d run(s) were discarded and repeated because an election happened in the measuring window\n", reruns)
	}
	fmt.Fprintf(w, "target: ratio ≥ 0.50 — %s\n", verdict(medianRatio(rounds) >= 0.5))
	if o.Trust {
		loss := 1 - medianOf(rounds, throughputRound.TrustRatio)
		fmt.Fprintf(w, "mutual TLS + audit tree: median throughput loss %.1f%% (target ≤ 15%%) — %s\n", 100*loss, verdict(loss <= 0.15))
	}
	fmt.Fprintln(w)
}

func printFailover(w io.Writer, o Options, cols []failoverColumn) {
	fmt.Fprintf(w, "Failover: SIGKILL the leader of 3 processes → first committed write issued after the kill (writer every %v on the survivors)\n", writeEvery)
	tw := newTable(w)
	fmt.Fprintln(tw, "timing\theartbeat/election/lease\tkills\tcommit p50\tcommit p99\tcommit max\tclient p50\tclient p99\t")
	for _, c := range cols {
		fmt.Fprintf(tw, "%s\t%v/%v/%v\t%d\t%s\t%s\t%s\t%s\t%s\t\n", c.Name, c.Heartbeat, c.Election, c.Lease,
			len(c.Commit.all), ms(c.Commit.P50), ms(c.Commit.P99), ms(c.Commit.Max), ms(c.Client.P50), ms(c.Client.P99))
	}
	tw.Flush()
	fmt.Fprintln(w, "commit: kill → first write issued after it acknowledged; client: the first write issued after the kill, issue → ack (includes Propose's retry backoff)")
	if len(cols) > 0 && cols[0].Name == timingPalisade && len(cols[0].Commit.all) > 0 {
		fmt.Fprintf(w, "target: p99 < 500ms — %s\n", verdict(cols[0].Commit.P99 < 500*time.Millisecond))
	}
	fmt.Fprintln(w)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0fms", float64(d)/float64(time.Millisecond))
	}
}

// nodeLogger returns the logger for nodes: opts.Logger at warning level.
func nodeLogger(o Options, attrs ...any) *slog.Logger {
	return o.Logger.With(attrs...)
}
