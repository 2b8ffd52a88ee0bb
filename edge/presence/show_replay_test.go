package presence

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	"github.com/palisade/palisade/sensors/rfid"
	"github.com/palisade/palisade/sync/replica"
)

var long = flag.Bool("presence.long", false, "Show tests: a bigger population, more seeds, finer time steps")

// replayResult is one simulated day through codec, engine and applier.
type replayResult struct {
	tally
	reads, frames, rejects int
	unknown                map[rfid.EPC]int // UnknownTag outputs per EPC
	flagged                int
}

// runReplayDay plays a Random day: every doorway's reads (5 % missed)
// as tag-report frames (corrupt ones among them) through the codec into
// the engine, its outputs as commands through the applier into a bbolt
// file, then scores the committed transitions against the ground truth.
func runReplayDay(t *testing.T, seed int64, residents int, miss, corrupt float64) (replayResult, *scenario.Scenario) {
	t.Helper()
	start := t0.Truncate(24 * time.Hour)
	sc, err := scenario.Random(scenario.RandomConfig{Seed: seed, Start: start, Duration: 24 * time.Hour,
		Doorways: showDoorways, People: showPopulation(residents, 6, 3), Yard: "yard", TurnBacks: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	reads := replayDay(sc, showDoorways, miss, seed)
	frames := encode(reads, corrupt, uint64(seed))
	e, err := New(configFor(sc, showDoorways), nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"), 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := Applier{Dir: e.Registry()}
	res := replayResult{reads: len(reads), frames: len(frames), unknown: map[rfid.EPC]int{}}
	var index uint64
	commit := func(outs []Output) {
		for _, o := range outs {
			switch o := o.(type) {
			case UnknownTag:
				res.unknown[o.EPC]++
			case Transition:
				if o.Anomaly != NoAnomaly {
					res.flagged++
				}
			}
			c, ok := Command(o, "node-1")
			if !ok {
				continue
			}
			index++
			var result []byte
			if err := db.Update(func(tx *bolt.Tx) error {
				var aerr error
				result, aerr = a.Apply(tx, replica.Entry{Index: index, Time: c.Time}, c)
				return aerr
			}); err != nil {
				t.Errorf("%s refused: %v", c.Kind, err)
				continue
			}
			for _, st := range Committed([]replica.Applied{{Command: c, Result: result}}) {
				e.Sync(st)
			}
		}
	}
	decs := map[string]*wireDecoder{}
	for _, d := range showDoorways {
		decs[d.ID] = &wireDecoder{reader: d.ID}
	}
	const tick = 250 * time.Millisecond
	next := start
	for _, f := range frames {
		for next.Before(f.at) {
			commit(e.Tick(next))
			if f.at.Sub(next) > 5*time.Second {
				next = f.at.Truncate(tick) // nobody in view: skip the quiet time
			} else {
				next = next.Add(tick)
			}
		}
		decs[f.reader].feed(f.bytes, f.at, func(r rfid.Read) { commit(e.Read(r)) })
	}
	end := start.Add(24 * time.Hour)
	commit(e.Tick(end))
	for _, d := range decs {
		res.rejects += d.rejects
	}
	_ = db.View(func(tx *bolt.Tx) error {
		res.tally = score(tx, sc, showDoorways, start, end)
		for _, p := range sc.People() {
			if p.ID == "" {
				continue
			}
			if st, _ := Where(tx, p.ID); st.Zone != "" && st.Zone != sc.ZoneAt(p.EPC, end) {
				t.Errorf("seed %d: %s ends the day in %s, truly in %s", seed, p.ID, st.Zone, sc.ZoneAt(p.EPC, end))
			}
		}
		return nil
	})
	return res, sc
}

// TestShowReplay is the fast variant of the Show: several simulated days
// (24 residents, 6 officers, 3 unregistered tags, 4 doorways), 5 % of
// reads missed and 0.2 % of frames corrupted on the line, through the
// codec, the engine and the applier. It prints one line per day and the
// table of all days; zone-transition precision and recall must be
// ≥ 99 % on every day. -presence.long plays more and busier days.
func TestShowReplay(t *testing.T) {
	seeds, residents := 3, 24
	if *long {
		seeds, residents = 30, 120
	}
	all := tally{truth: map[string]int{}, committed: map[string]int{}, matched: map[string]int{}}
	var b strings.Builder
	fmt.Fprintf(&b, "\nreplayed days: %d residents, 6 officers, 3 unregistered tags; 5%% reads missed, 0.2%% frames corrupt\n", residents)
	fmt.Fprintf(&b, "%5s %8s %8s %8s %10s %8s %10s %8s %8s\n", "seed", "reads", "rejects", "truth", "committed", "matched", "precision", "recall", "flagged")
	for seed := int64(1); seed <= int64(seeds); seed++ {
		res, sc := runReplayDay(t, seed, residents, 0.05, 0.002)
		fmt.Fprintf(&b, "%5d %8d %8d %8d %10d %8d %9.2f%% %7.2f%% %8d\n", seed, res.reads, res.rejects, sum(res.truth),
			sum(res.committed), sum(res.matched), 100*res.precision(), 100*res.recall(), res.flagged)
		if res.precision() < 0.99 || res.recall() < 0.99 {
			t.Errorf("seed %d: precision %.4f, recall %.4f%s", seed, res.precision(), res.recall(), res.tally)
		}
		for k := range res.truth {
			all.truth[k] += res.truth[k]
			all.committed[k] += res.committed[k]
			all.matched[k] += res.matched[k]
		}
		// Every unregistered tag that moved is reported; nothing else is
		// (a corrupt frame's garbage EPC is one read, not three).
		moved := map[rfid.EPC]bool{}
		for _, c := range sc.Crossings() {
			if p, _ := sc.Person(c.EPC); p.Role == scenario.Unknown {
				moved[c.EPC] = true
			}
		}
		for epc := range res.unknown {
			if !moved[epc] {
				t.Errorf("seed %d: unknown tag %s reported; no such tag moved", seed, epc)
			}
		}
		for epc := range moved {
			if res.unknown[epc] == 0 {
				t.Errorf("seed %d: unregistered tag %s moved unreported", seed, epc)
			}
		}
	}
	all.print(&b, fmt.Sprintf("all %d days", seeds), showDoorways)
	t.Log(b.String())
}
