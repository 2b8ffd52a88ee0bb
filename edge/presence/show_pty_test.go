package presence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	sim "github.com/palisade/palisade/firmware-sim/rfid"
	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	"github.com/palisade/palisade/sensors/rfid"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/replica/replicatest"
)

// lockstep is the scenario clock of the PTY Show: it moves one step once
// every reader has finished an inventory round on its last antenna at
// the current time, and jumps over the stretches when nobody is in view
// of any doorway. Every doorway thus gets about one round per antenna
// per step, however slow the machine.
type lockstep struct {
	clock *scenario.Clock
	step  time.Duration
	spans [][2]time.Time // when someone is in view somewhere, merged, by time
	span  int
	done  map[string]bool
	n     int // readers
}

func newLockstep(sc *scenario.Scenario, doors []scenario.Doorway, step time.Duration) *lockstep {
	var spans [][2]time.Time
	for _, d := range doors {
		for _, b := range sc.Busy(d.ID) {
			spans = append(spans, [2]time.Time{b[0].Add(-step), b[1].Add(step)})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0].Before(spans[j][0]) })
	var merged [][2]time.Time
	for _, s := range spans {
		if n := len(merged); n > 0 && !s[0].After(merged[n-1][1]) {
			if s[1].After(merged[n-1][1]) {
				merged[n-1][1] = s[1]
			}
			continue
		}
		merged = append(merged, s)
	}
	l := &lockstep{clock: scenario.NewClock(merged[0][0]), step: step, spans: merged, done: map[string]bool{}, n: len(doors)}
	return l
}

// round notes a finished round; it reports whether the clock moved, and
// false for over once the last busy stretch is played.
func (l *lockstep) round(r rfid.Round, lastAntenna int) (moved, more bool) {
	now := l.clock.Now()
	if r.Antenna != lastAntenna || r.At.Before(now) {
		return false, true
	}
	l.done[r.Reader] = true
	if len(l.done) < l.n {
		return false, true
	}
	clear(l.done)
	next := now.Add(l.step)
	if next.After(l.spans[l.span][1]) {
		if l.span++; l.span == len(l.spans) {
			return false, false
		}
		next = l.spans[l.span][0]
	}
	l.clock.Set(next)
	return true, true
}

func (l *lockstep) busy() (d time.Duration) {
	for _, s := range l.spans {
		d += s[1].Sub(s[0])
	}
	return d
}

// TestShowPTY is the Show: four simulated R2000 doorway readers on real
// pseudo-terminals, each driven by sensors/rfid's driver through
// tarm/serial, 5 % of reads missed and now and then a frame corrupted on
// the line; the drivers' events feed the engine; its transitions are
// proposed to a three-node raft cluster (on loopback) whose nodes apply
// them with the presence applier. The committed transitions are scored
// against the scenario's ground truth — a Random day of 8 residents,
// 2 officers and an unregistered tag — and the table printed:
// zone-transition precision and recall must be ≥ 99 %. The three nodes'
// presence state must be identical. -presence.long: 40 residents,
// 6 officers, finer steps.
func TestShowPTY(t *testing.T) {
	residents, officers, step := 8, 2, 100*time.Millisecond
	if *long {
		residents, officers, step = 40, 6, 50*time.Millisecond
	}
	wall := time.Now()
	start := t0.Truncate(24 * time.Hour)
	sc, err := scenario.Random(scenario.RandomConfig{Seed: 11, Start: start, Duration: 24 * time.Hour,
		Doorways: showDoorways, People: showPopulation(residents, officers, 1), Yard: "yard", TurnBacks: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := New(configFor(sc, showDoorways), replicatest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	cluster := replicatest.New(t, 3, func(int) replica.Applier {
		return replica.Router{"presence": Applier{Dir: eng.Registry()}}
	}, func(i int) func([]replica.Applied) {
		if i != 0 {
			return nil
		}
		// The engine runs on node 1: what its replica applies comes back.
		return func(as []replica.Applied) {
			for _, st := range Committed(as) {
				eng.Sync(st)
			}
		}
	})

	ls := newLockstep(sc, showDoorways, step)
	dir := t.TempDir()
	events := make(chan rfid.Event, 4096)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var sims []*sim.Reader
	var drivers []*rfid.Reader
	stop := func() {
		cancel()
		wg.Wait()
		for _, s := range sims {
			s.Close()
		}
	}
	defer stop()
	for i, d := range showDoorways {
		s, err := sim.Open(sim.Config{Link: filepath.Join(dir, "tty-"+d.ID), Scenario: sc, Doorway: d.ID, Now: ls.clock.Now,
			Addr: 0x01, RoundTime: 200 * time.Microsecond, MissRate: 0.05, CorruptRate: 0.0003, Seed: int64(i + 1)})
		if err != nil {
			t.Fatal(err)
		}
		sims = append(sims, s)
		r, err := rfid.New(rfid.Config{Name: d.ID, Open: rfid.SerialOpener(s.Path()), Addr: 0x01,
			ReplyTimeout: 100 * time.Millisecond, Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
			Now: ls.clock.Now}, replicatest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		drivers = append(drivers, r)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Run(ctx, func(ev rfid.Event) {
				select {
				case events <- ev:
				case <-ctx.Done():
				}
			}); err != nil {
				t.Errorf("%s: Run: %v", d.ID, err)
			}
		}()
	}

	leader := cluster.Nodes[cluster.WaitLeader()]
	unknown := map[rfid.EPC]int{}
	proposed, rejected := 0, 0
	commit := func(outs []Output) {
		for _, o := range outs {
			if u, ok := o.(UnknownTag); ok {
				unknown[u.EPC]++
			}
			c, ok := Command(o, "n1")
			if !ok {
				continue
			}
			pctx, pcancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err := leader.Propose(pctx, c)
			pcancel()
			proposed++
			switch {
			case errors.Is(err, replica.ErrRejected):
				rejected++
				t.Logf("rejected: %s %s: %v", c.Kind, c.Body, err)
			case err != nil:
				t.Fatalf("propose %s: %v", c.Kind, err)
			}
		}
	}
	for more := true; more; {
		select {
		case ev := <-events:
			switch ev := ev.(type) {
			case rfid.Read:
				commit(eng.Read(ev))
			case rfid.Round:
				var moved bool
				if moved, more = ls.round(ev, 1); moved {
					commit(eng.Tick(ls.clock.Now()))
				}
			}
		case <-time.After(10 * time.Second):
			var st []string
			for _, r := range drivers {
				st = append(st, fmt.Sprintf("%+v", r.Stats()))
			}
			t.Fatalf("no reader event for 10 s at %v:\n%s", ls.clock.Now(), strings.Join(st, "\n"))
		}
	}
	end := start.Add(24 * time.Hour)
	ls.clock.Set(end)
	commit(eng.Tick(end))
	stop()

	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	cluster.WaitConverged(wctx)
	var dumps [3][]byte
	var tl tally
	for i, n := range cluster.Nodes {
		_ = n.View(func(tx *bolt.Tx) error {
			dumps[i] = dumpPresence(tx)
			if i == 0 {
				tl = score(tx, sc, showDoorways, start, end)
			}
			return nil
		})
	}
	if !bytes.Equal(dumps[0], dumps[1]) || !bytes.Equal(dumps[0], dumps[2]) {
		t.Error("the three nodes' presence state differs")
	}

	var simSt sim.Stats
	for _, s := range sims {
		st := s.Stats()
		simSt.TagReports += st.TagReports
		simSt.Missed += st.Missed
		simSt.Corrupted += st.Corrupted
	}
	var drv rfid.Stats
	for _, r := range drivers {
		st := r.Stats()
		drv.Reads += st.Reads
		drv.BadChecksum += st.BadChecksum
		drv.BadLength += st.BadLength
		drv.BadPayload += st.BadPayload
		drv.Timeouts += st.Timeouts
	}
	es := eng.Stats()
	var b strings.Builder
	fmt.Fprintf(&b, "\nPTY day: %d residents, %d officers, 1 unregistered tag; %d crossings; %v of busy scenario time in %v steps, played in %v\n",
		residents, officers, len(sc.Crossings()), ls.busy().Round(time.Second), step, time.Since(wall).Round(time.Second))
	fmt.Fprintf(&b, "simulators: %d tag reports sent, %d reads missed (%.1f%%), %d frames corrupted\n", simSt.TagReports, simSt.Missed,
		100*float64(simSt.Missed)/float64(simSt.Missed+simSt.TagReports), simSt.Corrupted)
	fmt.Fprintf(&b, "drivers: %d reads, bad checksum %d, bad length %d, bad payload %d, timeouts %d\n", drv.Reads, drv.BadChecksum,
		drv.BadLength, drv.BadPayload, drv.Timeouts)
	fmt.Fprintf(&b, "engine: %d passages, %d turned back or lingered, %d ambiguous, %d noise, %d transitions (%d flagged), %d unknown-tag alarms\n",
		es.Passages, es.NoCrossing, es.Ambiguous, es.Noise, es.Transitions, es.Flagged, es.Unknown)
	fmt.Fprintf(&b, "raft: %d commands proposed, %d rejected\n", proposed, rejected)
	tl.print(&b, "committed transitions against the ground truth", showDoorways)
	t.Log(b.String())

	if tl.precision() < 0.99 || tl.recall() < 0.99 {
		t.Errorf("precision %.4f, recall %.4f: want ≥ 0.99", tl.precision(), tl.recall())
	}
	if sum(tl.truth) < 50 {
		t.Errorf("only %d true crossings: the day proves little", sum(tl.truth))
	}
	if simSt.Missed == 0 || drv.Reads == 0 {
		t.Error("no missed reads or no reads: the simulator did not run as configured")
	}
	stranger := showPopulation(0, 0, 1)[0].EPC
	if len(unknown) != 1 || unknown[stranger] == 0 {
		t.Errorf("unknown-tag alarms %v, want the stranger %s's only", unknown, stranger)
	}
}

// dumpPresence is every key and value of the presence buckets, for
// comparing nodes.
func dumpPresence(tx *bolt.Tx) []byte {
	var b bytes.Buffer
	for _, name := range [][]byte{bucketState, bucketZones, bucketHistory} {
		bk := tx.Bucket(name)
		if bk == nil {
			continue
		}
		var walk func(prefix string, bk *bolt.Bucket)
		walk = func(prefix string, bk *bolt.Bucket) {
			_ = bk.ForEach(func(k, v []byte) error {
				if v == nil && bk.Bucket(k) != nil {
					walk(prefix+string(k)+"/", bk.Bucket(k))
					return nil
				}
				fmt.Fprintf(&b, "%s%x=%s\n", prefix, k, v)
				return nil
			})
		}
		walk(string(name)+"/", bk)
	}
	return b.Bytes()
}
