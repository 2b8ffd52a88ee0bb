package presence

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	"github.com/palisade/palisade/sensors/rfid"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

var benchDay struct {
	once   sync.Once
	frames []frame
	cfg    Config
}

// benchFrames is a replayed day of the Show facility (40 residents, 6
// officers, 3 unregistered tags, 5 % of reads missed) as the tag-report
// frames the four doorway readers sent.
func benchFrames(b *testing.B) ([]frame, Config) {
	benchDay.once.Do(func() {
		sc, err := scenario.Random(scenario.RandomConfig{Seed: 1, Start: t0.Truncate(24 * time.Hour), Duration: 24 * time.Hour,
			Doorways: showDoorways, People: showPopulation(40, 6, 3), Yard: "yard"})
		if err != nil {
			panic(err)
		}
		benchDay.frames = encode(replayDay(sc, showDoorways, 0.05, 1), 0, 1)
		benchDay.cfg = configFor(sc, showDoorways)
	})
	return benchDay.frames, benchDay.cfg
}

// BenchmarkReads measures reads per second on one core: "codec" is the
// driver's share (framing with rfid.Decoder, parsing the tag report, the
// EPC's text form) and the baseline; "codec+engine" adds the presence
// engine (passages, crossings, Tick every 250 ms of read time). One op
// is one read; the day is played over and over, a day later each time.
func BenchmarkReads(b *testing.B) {
	frames, cfg := benchFrames(b)
	for _, withEngine := range []bool{false, true} {
		name := "codec"
		if withEngine {
			name = "codec+engine"
		}
		b.Run(name, func(b *testing.B) {
			var e *Engine
			if withEngine {
				var err error
				if e, err = New(cfg, nil); err != nil {
					b.Fatal(err)
				}
			}
			decs := map[string]*wireDecoder{}
			for _, r := range cfg.Readers {
				decs[r.ID] = &wireDecoder{reader: r.ID}
			}
			var sink rfid.Read
			var outs int
			emit := func(r rfid.Read) {
				sink = r
				if e != nil {
					outs += len(e.Read(r))
				}
			}
			const tick = 250 * time.Millisecond
			next := frames[0].at
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				f := frames[i%len(frames)]
				at := f.at.Add(time.Duration(i/len(frames)) * 24 * time.Hour)
				if e != nil && at.After(next) {
					outs += len(e.Tick(at))
					next = at.Add(tick)
				}
				decs[f.reader].feed(f.bytes, at, emit)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
			_ = sink
			if e != nil && b.N > 2*len(frames) && outs == 0 {
				b.Fatal("the engine concluded nothing")
			}
		})
	}
}

// BenchmarkApply measures transitions applied per second through the
// applier into a real bbolt file opened as the replica opens its state
// (no fsync: the state is rebuilt from the raft log at start), one
// transaction per command or 64 per transaction (a raft batch).
func BenchmarkApply(b *testing.B) {
	reg := benchRegistry(b, 200)
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			db, err := bolt.Open(filepath.Join(b.TempDir(), "state.db"), 0o600, &bolt.Options{
				NoSync: true, NoGrowSync: true, NoFreelistSync: true, InitialMmapSize: 64 << 20})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			a := Applier{Dir: reg}
			cs := benchCommands(b.N, 200)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < len(cs); i += batch {
				if err := db.Update(func(tx *bolt.Tx) error {
					for j := i; j < min(i+batch, len(cs)); j++ {
						if _, err := a.Apply(tx, replica.Entry{Index: uint64(j + 1), Time: cs[j].Time}, cs[j]); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transitions/s")
		})
	}
}

func benchRegistry(b *testing.B, people int) *Registry {
	var ps []Person
	for i := range people {
		ps = append(ps, Person{ID: fmt.Sprintf("r-%d", 1000+i), Role: Resident, Tags: []rfid.EPC{rfid.EPC(fmt.Sprintf("E28011700000020A1B2C%04d", i))}})
	}
	reg, err := NewRegistry([]Reader{door}, ps)
	if err != nil {
		b.Fatal(err)
	}
	return reg
}

// benchCommands: n crossings of `people` residents back and forth
// through one doorway, one every 10 ms.
func benchCommands(n, people int) []*command.Command {
	zones := [2]string{"hb-a-1", "hb-a-2"}
	cs := make([]*command.Command, n)
	for i := range cs {
		p, k := i%people, i/people
		c, _ := Command(Transition{Person: fmt.Sprintf("r-%d", 1000+p), EPC: rfid.EPC(fmt.Sprintf("E28011700000020A1B2C%04d", p)),
			Reader: door.ID, From: zones[k%2], To: zones[1-k%2], At: t0.Add(time.Duration(i) * 10 * time.Millisecond), Reads: 40}, "n1")
		cs[i] = c
	}
	return cs
}
