package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/api/apiclient"
	"github.com/palisade/palisade/edge/eventlog"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/examples"
)

// alarmPathRow is one measured configuration of the alarm path.
type alarmPathRow struct {
	Config     string // "plain" or "mTLS + audit"
	Name       string
	Rate       int     // background events/s asked for
	Background float64 // event.record commands committed per second meanwhile
	Commit     latency // until RaiseLocal returned: committed and applied on the leader
	Lat        latency // until the SSE event arrived on the other follower's console
	Samples    int
	Outboxed   int // probes not committed within the alarm core's window: kept in the outbox (counted, not timed)
}

// runAlarmPath measures observation in → committed → SSE event out on the
// real node stack (three edge/node nodes with their HTTP consoles): a device
// of one follower raises an alarm through the alarm core (outbox write,
// forward to the leader, quorum commit, apply into bbolt); the clock stops
// when the event arrives on the live stream of another follower's console.
// The same run without background load is the baseline. Trusted runs the
// facility as it ships — mutual TLS between nodes, HTTPS consoles, the audit
// tree with checkpoints every second; otherwise all three are off.
func runAlarmPath(ctx context.Context, root string, o Options, trusted bool) ([]alarmPathRow, error) {
	f, err := facility.Parse("examples/facility.yaml", examples.Facility)
	if err != nil {
		return nil, err
	}
	fo := node.FacilityOptions{
		DataDir: filepath.Join(root, "alarmpath"), FreePorts: true,
		Logger: func(id string) *slog.Logger { return nodeLogger(o, "node", id) },
	}
	config := "plain"
	if trusted {
		config = "mTLS + audit"
	}
	nodes, leader, login, err := startBenchFacility(ctx, f, fo, trusted)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, n := range nodes {
			n.Close()
		}
	}()
	var followers []*node.Node
	for _, n := range nodes {
		if n != leader {
			followers = append(followers, n)
		}
	}
	raiser, watcher := followers[0], followers[1]
	return measureRows(ctx, leader, watcher, login, o, config, func(rate int) probe { return raiseProbe(raiser, rate) })
}

// measureRows watches the live stream of watcher's console and measures
// one row per background rate (none, half, full) with the probe for it.
func measureRows(ctx context.Context, leader, watcher *node.Node, login []apiclient.Option, o Options, config string, probeFor func(rate int) probe) ([]alarmPathRow, error) {
	console, err := apiclient.Login(ctx, watcher.URL(), "officer", "demo-officer", login...)
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := console.Events(sctx)
	if err != nil {
		return nil, err
	}
	var rows []alarmPathRow
	for _, rate := range []int{0, o.BackgroundRate / 2, o.BackgroundRate} {
		row, err := measureAlarmPath(ctx, leader, events, rate, o, probeFor(rate))
		if err != nil {
			return rows, err
		}
		row.Config = config
		rows = append(rows, row)
	}
	return rows, nil
}

// startBenchFacility starts f with fo — plain (no TLS, no audit tree), or
// trusted as a facility ships: its own CA (mutual TLS, HTTPS consoles) and
// the audit tree signed every second — and waits for a leader. login is
// what a console client needs to trust the consoles.
func startBenchFacility(ctx context.Context, f *facility.Facility, fo node.FacilityOptions, trusted bool) (nodes []*node.Node, leader *node.Node, login []apiclient.Option, err error) {
	fo.NoAudit = !trusted
	if trusted {
		ca, err := pki.NewCA(f.ID, time.Now())
		if err != nil {
			return nil, nil, nil, err
		}
		fo.DataDir, fo.CA, fo.AuditInterval = fo.DataDir+"-trusted", ca, time.Second
		login = append(login, apiclient.WithRoots(ca.Pool()))
	}
	if nodes, err = node.StartFacility(f, fo); err != nil {
		return nil, nil, nil, err
	}
	if leader, err = waitNodeLeader(ctx, nodes); err != nil {
		for _, n := range nodes {
			n.Close()
		}
		return nil, nil, nil, err
	}
	return nodes, leader, login, nil
}

func waitNodeLeader(ctx context.Context, nodes []*node.Node) (*node.Node, error) {
	for {
		for _, n := range nodes {
			if n.Replica.IsLeader() {
				return n, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// probe starts one measured alarm and says when it started and how to
// recognise its event on the console's stream. committed is how long the
// start took to be committed (0: not known to the prober); outboxed means
// the alarm core kept it locally instead (counted, not timed).
type probe func(ctx context.Context, i int) (start time.Time, committed time.Duration, match func(alarm.Event) bool, outboxed bool, err error)

// raiseProbe raises an alarm through the alarm core of the raiser node, as a
// device of that node would.
func raiseProbe(raiser *node.Node, rate int) probe {
	return func(ctx context.Context, i int) (time.Time, time.Duration, func(alarm.Event) bool, bool, error) {
		start := time.Now()
		al, err := raiser.Alarms.RaiseLocal(ctx, alarm.Raise{
			Key: fmt.Sprintf("bench/%d/%d", rate, i), Kind: "bench.alarm", Priority: 2, Device: "bench", Message: "alarm path probe",
		})
		if err != nil || al.NotReplicated {
			// NotReplicated: the alarm core gave up waiting (an election, or
			// a stall longer than its window) and kept the alarm in the
			// outbox: the officer sees it at once, marked not yet
			// replicated. That is the degraded path, not the one measured.
			return start, 0, nil, err == nil, err
		}
		return start, time.Since(start), func(ev alarm.Event) bool { return ev.Alarm.ID == al.ID && ev.Type == alarm.EventRaised }, false, nil
	}
}

func measureAlarmPath(ctx context.Context, leader *node.Node, events <-chan alarm.Event, rate int, o Options, p probe) (alarmPathRow, error) {
	row := alarmPathRow{Name: "idle cluster", Rate: rate}
	if rate > 0 {
		row.Name = fmt.Sprintf("with %d events/s background", rate)
	}
	bctx, stop := context.WithCancel(ctx)
	var committed atomic.Int64
	var wg sync.WaitGroup
	if rate > 0 {
		startBackground(bctx, &wg, leader, rate, &committed)
	}
	defer func() { stop(); wg.Wait() }()
	// Let the background reach its pace before measuring.
	if !sleepCtx(ctx, o.Warmup) {
		return row, ctx.Err()
	}
	before, t0 := committed.Load(), time.Now()
	var lat, commit []time.Duration
	for i := 0; i < o.AlarmSamples; i++ {
		start, c, match, outboxed, err := p(ctx, i)
		if err != nil {
			return row, fmt.Errorf("probe %d: %w", i, err)
		}
		if outboxed {
			row.Outboxed++
			continue
		}
		if c > 0 {
			commit = append(commit, c)
		}
		if err := waitEvent(ctx, events, match); err != nil {
			return row, fmt.Errorf("probe %d: %w", i, err)
		}
		lat = append(lat, time.Since(start))
		if !sleepCtx(ctx, 10*time.Millisecond) {
			return row, ctx.Err()
		}
	}
	row.Background = float64(committed.Load()-before) / time.Since(t0).Seconds()
	row.Lat = summarize(lat)
	row.Commit = summarize(commit)
	row.Samples = len(lat)
	return row, nil
}

func waitEvent(ctx context.Context, events <-chan alarm.Event, match func(alarm.Event) bool) error {
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return fmt.Errorf("event stream closed")
			}
			if match(ev) {
				return nil
			}
		case <-timeout.C:
			return fmt.Errorf("no matching SSE event within 5 s")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// startBackground proposes event.record commands (256-byte details, like a
// busy facility's door and reader transitions) at rate per second, paced in
// 1 ms slots, from a pool of workers on the leader.
func startBackground(ctx context.Context, wg *sync.WaitGroup, leader *node.Node, rate int, committed *atomic.Int64) {
	tokens := make(chan struct{}, rate/10)
	detail := strings.Repeat("reader hb-a-rfid antenna 2 ", 8) // ~200 bytes of text
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		start, sent := time.Now(), 0
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			due := int(time.Since(start).Seconds() * float64(rate))
			for ; sent < due; sent++ {
				select {
				case tokens <- struct{}{}:
				default: // workers are behind: the load is what the cluster takes
				}
			}
		}
	}()
	for w := 0; w < 512; w++ { // enough that the pacer, not the workers, sets the rate
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tokens:
				}
				c, _ := eventlog.Command(eventlog.Event{Kind: "door.opened", Device: "bench-door", Detail: detail}, "bench")
				if _, err := leader.Replica.Propose(ctx, c); err == nil {
					committed.Add(1)
				}
			}
		}()
	}
}

// sleepCtx sleeps for d and reports whether ctx is still alive.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func printAlarmPath(w io.Writer, o Options, rows []alarmPathRow) {
	printAlarmPathTitled(w, o, rows, "Alarm path: device alarm on a follower → outbox → quorum commit → apply → SSE on another follower's console")
}

func printAlarmPathTitled(w io.Writer, o Options, rows []alarmPathRow, title string) {
	fmt.Fprintf(w, "\n%s\n", title)
	tw := newTable(w)
	fmt.Fprintln(tw, "facility\tload\tbackground events/s achieved\tsamples\toutboxed\tcommitted p50\tcommitted p99\tSSE p50\tSSE p99\tSSE max\ttarget SSE p99 ≤ 50 ms\t")
	for _, r := range rows {
		target := "—"
		if r.Rate == o.BackgroundRate {
			target = verdict(r.Lat.P99 <= 50*time.Millisecond) + " (" + ms(r.Lat.P99) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Config, r.Name, r.Background, r.Samples, r.Outboxed,
			ms(r.Commit.P50), ms(r.Commit.P99), ms(r.Lat.P50), ms(r.Lat.P99), ms(r.Lat.Max), target)
	}
	tw.Flush()
}
