package presence

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/sensors/rfid"
)

var (
	t0   = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	door = DoorwayReader("hb-a-rfid", "hb-a-1", "hb-a-2")
	exit = DoorwayReader("hb-a-exit-rfid", "hb-a-1", "main-corridor")
	edu  = AreaReader("edu-rfid", "education")

	alice = Person{ID: "r-1001", Role: Resident, Tags: []rfid.EPC{"E28011700000020A1B2C1001"}}
	bob   = Person{ID: "s-2001", Role: Staff, Tags: []rfid.EPC{"E28011700000020A1B2C2001"}}
	ghost = rfid.EPC("E2003412DC03011F0007A000")
)

func newEngine(t *testing.T, mod func(*Config)) *Engine {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Readers = []Reader{door, exit, edu}
	cfg.People = []Person{alice, bob}
	if mod != nil {
		mod(&cfg)
	}
	e, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// seg is an antenna reading a tag every `every` from at+from to at+to.
type seg struct {
	ant      int
	from, to time.Duration
}

// pass returns the reads of segs, in time order; antenna 1's rounds fall
// half a period after antenna 0's, as the driver alternates them.
func pass(reader string, epc rfid.EPC, at time.Time, every time.Duration, segs ...seg) []rfid.Read {
	var out []rfid.Read
	for _, s := range segs {
		for d := s.from + time.Duration(s.ant)*every/2; d <= s.to; d += every {
			out = append(out, rfid.Read{Reader: reader, EPC: epc, Antenna: s.ant, RSSI: -50, At: at.Add(d)})
		}
	}
	slices.SortStableFunc(out, func(a, b rfid.Read) int { return a.At.Compare(b.At) })
	return out
}

// crossing: seen from antenna `from` 1.5 s before the threshold at `at`,
// by both around it, by the other antenna until 1.5 s after.
func crossing(reader string, epc rfid.EPC, at time.Time, from int) []rfid.Read {
	return pass(reader, epc, at, 50*time.Millisecond,
		seg{from, -1500 * time.Millisecond, 200 * time.Millisecond}, seg{1 - from, -200 * time.Millisecond, 1500 * time.Millisecond})
}

// feed reads everything, then ticks a second past the last read, and
// returns all outputs.
func feed(e *Engine, rs []rfid.Read) []Output {
	var out []Output
	for _, r := range rs {
		out = append(out, e.Read(r)...)
	}
	if len(rs) > 0 {
		out = append(out, e.Tick(rs[len(rs)-1].At.Add(e.cfg.Gap+time.Millisecond))...)
	}
	return out
}

func only[T Output](out []Output) []T {
	var ts []T
	for _, o := range out {
		if t, ok := o.(T); ok {
			ts = append(ts, t)
		}
	}
	return ts
}

func TestCrossingsAndNonCrossings(t *testing.T) {
	epc := alice.Tags[0]
	ms := time.Millisecond
	cases := []struct {
		name     string
		reads    []rfid.Read
		from, to string // "" = no transition
	}{
		{"A to B", crossing(door.ID, epc, t0, 0), "hb-a-1", "hb-a-2"},
		{"B to A", crossing(door.ID, epc, t0, 1), "hb-a-2", "hb-a-1"},
		{"came up from A and turned back", pass(door.ID, epc, t0, 50*ms, seg{0, -1500 * ms, 1500 * ms}), "", ""},
		{"lingered in the doorway, went back to A", pass(door.ID, epc, t0, 50*ms,
			seg{0, -1500 * ms, 25 * time.Second}, seg{1, 0, 20 * time.Second}), "", ""},
		{"lingered, then went through to B", pass(door.ID, epc, t0, 50*ms,
			seg{0, -1500 * ms, 20 * time.Second}, seg{1, 0, 25 * time.Second}), "hb-a-1", "hb-a-2"},
		{"one stray read on the far side", append(pass(door.ID, epc, t0, 50*ms, seg{0, -1500 * ms, 1500 * ms}),
			rfid.Read{Reader: door.ID, EPC: epc, Antenna: 1, At: t0.Add(1600 * ms)}), "", ""},
		{"two reads only", pass(door.ID, epc, t0, 50*ms, seg{0, 0, 0}, seg{1, 100 * ms, 100 * ms}), "", ""},
		{"antenna 1 first and last, antenna 0 in between", pass(door.ID, epc, t0, 50*ms,
			seg{1, -1500 * ms, 1500 * ms}, seg{0, -200 * ms, 200 * ms}), "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, nil)
			var during []Output
			for _, r := range tc.reads {
				during = append(during, e.Read(r)...)
			}
			if len(during) != 0 {
				t.Fatalf("outputs before the passage ended: %v", during)
			}
			last := tc.reads[len(tc.reads)-1].At
			if out := e.Tick(last.Add(e.cfg.Gap)); len(out) != 0 {
				t.Fatalf("outputs exactly one gap after the last read: %v", out)
			}
			out := e.Tick(last.Add(e.cfg.Gap + time.Millisecond))
			ts := only[Transition](out)
			if tc.to == "" {
				if len(out) != 0 {
					t.Fatalf("want nothing, got %v", out)
				}
				return
			}
			if len(ts) != 1 || len(out) != 1 {
				t.Fatalf("want one transition, got %v", out)
			}
			tr := ts[0]
			if tr.From != tc.from || tr.To != tc.to || tr.Person != alice.ID || tr.EPC != epc || tr.Reader != door.ID || tr.Anomaly != NoAnomaly {
				t.Fatalf("transition %v", tr)
			}
			if zone, _, _ := e.Where(alice.ID); zone != tc.to {
				t.Fatalf("engine puts %s in %s", alice.ID, zone)
			}
		})
	}
}

// TestCrossingTime: the threshold moment is estimated within one read
// period, and a passage ends at the first read after a gap (no Tick).
func TestCrossingTime(t *testing.T) {
	e := newEngine(t, nil)
	out := feed(e, crossing(door.ID, alice.Tags[0], t0, 0))
	tr := only[Transition](out)[0]
	if d := tr.At.Sub(t0); d < -50*time.Millisecond || d > 50*time.Millisecond {
		t.Fatalf("crossing at %v, threshold at %v", tr.At, t0)
	}
	back := t0.Add(time.Minute)
	rs := crossing(door.ID, alice.Tags[0], back, 1)
	out = nil
	for _, r := range rs {
		out = append(out, e.Read(r)...)
	}
	if len(out) != 0 {
		t.Fatalf("second passage settled early: %v", out)
	}
	// The next passage's first read ends this one.
	out = e.Read(crossing(door.ID, alice.Tags[0], back.Add(time.Minute), 0)[0])
	if ts := only[Transition](out); len(ts) != 1 || ts[0].From != "hb-a-2" || ts[0].To != "hb-a-1" || ts[0].Prev != "hb-a-2" {
		t.Fatalf("back through: %v", out)
	}
}

// TestMissedReads: with 5 % of reads lost at random, every one of 500
// crossings in either direction is found, and no turn-back is taken for
// a crossing.
func TestMissedReads(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	e := newEngine(t, nil)
	at := t0
	wrong := 0
	for i := range 500 {
		from := i % 2
		var rs []rfid.Read
		if i%5 == 4 {
			rs = pass(door.ID, alice.Tags[0], at, 50*time.Millisecond, seg{from, -1500 * time.Millisecond, 1500 * time.Millisecond})
		} else {
			rs = crossing(door.ID, alice.Tags[0], at, from)
		}
		var kept []rfid.Read
		for _, r := range rs {
			if rng.Float64() >= 0.05 {
				kept = append(kept, r)
			}
		}
		ts := only[Transition](feed(e, kept))
		switch {
		case i%5 == 4 && len(ts) != 0:
			wrong++
		case i%5 != 4 && (len(ts) != 1 || ts[0].To != door.Antennas[1-from]):
			wrong++
		}
		if i%5 == 4 {
			continue
		}
		at = at.Add(time.Minute)
	}
	if wrong != 0 {
		t.Fatalf("%d of 500 passages misjudged with 5%% missed reads", wrong)
	}
}

func TestUnknownTag(t *testing.T) {
	e := newEngine(t, func(c *Config) { c.UnknownEvery = 10 * time.Minute })
	rs := crossing(door.ID, ghost, t0, 0)
	var got []Output
	for i, r := range rs {
		out := e.Read(r)
		if i == e.cfg.MinReads-1 {
			if u := only[UnknownTag](out); len(u) != 1 || u[0].EPC != ghost || u[0].Zone != "hb-a-1" || u[0].Reads != 3 || !u[0].At.Equal(rs[0].At) {
				t.Fatalf("at the third read: %v", out)
			}
		}
		got = append(got, out...)
	}
	got = append(got, e.Tick(rs[len(rs)-1].At.Add(2*time.Second))...)
	if len(got) != 1 {
		t.Fatalf("one unknown tag through a doorway gave %v", got)
	}
	// Back five minutes later: within the window, not again.
	if out := feed(e, crossing(door.ID, ghost, t0.Add(5*time.Minute), 1)); len(out) != 0 {
		t.Fatalf("reported again within the window: %v", out)
	}
	// Twelve minutes after the first: again.
	if u := only[UnknownTag](feed(e, crossing(exit.ID, ghost, t0.Add(12*time.Minute), 0))); len(u) != 1 || u[0].Reader != exit.ID {
		t.Fatalf("after the window: %v", u)
	}
	// A single read of a garbage EPC (a corrupt frame that passed the
	// checksum) is nothing.
	if out := feed(e, []rfid.Read{{Reader: door.ID, EPC: "DEADBEEF", Antenna: 0, At: t0.Add(time.Hour)}}); len(out) != 0 {
		t.Fatalf("a single read: %v", out)
	}
	if st := e.Stats(); st.Unknown != 2 || st.Transitions != 0 || st.Sessions != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAnomalies(t *testing.T) {
	cases := []struct {
		name    string
		zone    string // synced before the crossing A → B
		anomaly Anomaly
		reason  []string
	}{
		{"first sighting", "", NoAnomaly, nil},
		{"from where they were", "hb-a-1", NoAnomaly, nil},
		{"from the yard", "yard", Impossible, []string{"was in yard", "hb-a-rfid joins hb-a-1 and hb-a-2"}},
		{"already on the far side", "hb-a-2", UnseenExit, []string{"already in hb-a-2", "left it unseen"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, nil)
			if tc.zone != "" {
				e.Sync(State{Person: alice.ID, Zone: tc.zone, Since: t0.Add(-time.Hour)})
			}
			ts := only[Transition](feed(e, crossing(door.ID, alice.Tags[0], t0, 0)))
			if len(ts) != 1 {
				t.Fatalf("got %v", ts)
			}
			tr := ts[0]
			if tr.Anomaly != tc.anomaly || tr.Prev != tc.zone || tr.To != "hb-a-2" {
				t.Fatalf("transition %v", tr)
			}
			for _, s := range tc.reason {
				if !strings.Contains(tr.Reason, s) {
					t.Fatalf("reason %q lacks %q", tr.Reason, s)
				}
			}
			if zone, _, _ := e.Where(alice.ID); zone != "hb-a-2" {
				t.Fatalf("the flagged crossing still moves the person: in %s", zone)
			}
			_, alarmed := Alarm(tr)
			if alarmed != (tc.anomaly == Impossible) {
				t.Fatalf("alarm for %s: %v", tc.anomaly, alarmed)
			}
		})
	}
}

// TestSyncOlderStateDoesNotUndo: a committed state older than the
// engine's own crossing does not move the person back.
func TestSyncOlderStateDoesNotUndo(t *testing.T) {
	e := newEngine(t, nil)
	feed(e, crossing(door.ID, alice.Tags[0], t0, 0))
	e.Sync(State{Person: alice.ID, Zone: "hb-a-1", Since: t0.Add(-time.Hour)})
	if zone, _, _ := e.Where(alice.ID); zone != "hb-a-2" {
		t.Fatalf("older committed state moved the person to %s", zone)
	}
	e.Sync(State{Person: alice.ID, Zone: "main-corridor", Since: t0.Add(time.Minute)})
	if zone, _, _ := e.Where(alice.ID); zone != "main-corridor" {
		t.Fatalf("newer committed state not taken: %s", zone)
	}
}

func TestMissingAndFound(t *testing.T) {
	e := newEngine(t, func(c *Config) { c.MissingAfter = time.Hour })
	if out := e.Tick(t0); len(out) != 0 { // starts counting
		t.Fatalf("at start: %v", out)
	}
	first := crossing(door.ID, alice.Tags[0], t0.Add(10*time.Minute), 0)
	feed(e, first)
	if out := e.Tick(t0.Add(70 * time.Minute)); len(out) != 0 {
		t.Fatalf("an hour after start, an hour less one minute after the last read: %v", out)
	}
	lastRead := first[len(first)-1].At
	out := e.Tick(lastRead.Add(time.Hour))
	ms := only[Missing](out)
	if len(out) != 1 || len(ms) != 1 || ms[0].Person != alice.ID || !ms[0].LastSeen.Equal(lastRead) || ms[0].Zone != "hb-a-2" || ms[0].Reader != door.ID {
		t.Fatalf("missing: %v (staff s-2001 is never missing)", out)
	}
	if r, ok := Alarm(ms[0]); !ok || r.Priority != 1 || !strings.Contains(r.Message, "r-1001") || !strings.Contains(r.Message, "1h0m") {
		t.Fatalf("alarm %+v", r)
	}
	if out := e.Tick(lastRead.Add(3 * time.Hour)); len(out) != 0 {
		t.Fatalf("reported again: %v", out)
	}
	// Two reads are not yet a sighting; the third is.
	back := lastRead.Add(4 * time.Hour)
	rs := crossing(exit.ID, alice.Tags[0], back, 0)
	if out := append(e.Read(rs[0]), e.Read(rs[1])...); len(out) != 0 {
		t.Fatalf("found on two reads: %v", out)
	}
	out = e.Read(rs[2])
	if f := only[Found](out); len(f) != 1 || f[0].Reader != exit.ID || f[0].Zone != "hb-a-1" || !f[0].Since.Equal(lastRead) {
		t.Fatalf("found: %v", out)
	}
	// The impossible crossing (last placed in hb-a-2, now hb-a-1 → corridor) is flagged too.
	rest := feed(e, rs[3:])
	if ts := only[Transition](rest); len(ts) != 1 || ts[0].Anomaly != UnseenExit && ts[0].Anomaly != Impossible {
		t.Fatalf("after found: %v", rest)
	}
}

// TestMissingDeclaredElsewhere: another node's committed declaration,
// and a read this engine had since, give Found at the next Tick; another
// node's Found clears the engine's own declaration.
func TestMissingDeclaredElsewhere(t *testing.T) {
	e := newEngine(t, func(c *Config) { c.MissingAfter = time.Hour })
	e.Tick(t0)
	feed(e, crossing(door.ID, alice.Tags[0], t0.Add(2*time.Hour), 0))
	e.Sync(State{Person: alice.ID, Missing: true, LastSeen: t0.Add(time.Hour)})
	out := e.Tick(t0.Add(2*time.Hour + time.Minute))
	if f := only[Found](out); len(f) != 1 || f[0].Person != alice.ID || !f[0].Since.Equal(t0.Add(time.Hour)) {
		t.Fatalf("found: %v", out)
	}

	e2 := newEngine(t, func(c *Config) { c.MissingAfter = time.Hour })
	e2.Tick(t0)
	if ms := only[Missing](e2.Tick(t0.Add(time.Hour))); len(ms) != 1 {
		t.Fatalf("missing: %v", ms)
	}
	e2.Sync(State{Person: alice.ID, LastSeen: t0.Add(90 * time.Minute), SeenBy: exit.ID}) // found elsewhere
	if out := e2.Tick(t0.Add(2 * time.Hour)); len(out) != 0 {
		t.Fatalf("after found elsewhere, %v", out)
	}
	if ms := only[Missing](e2.Tick(t0.Add(150 * time.Minute))); len(ms) != 1 || ms[0].Reader != exit.ID {
		t.Fatalf("missing again an hour after that sighting: %v", ms)
	}
}

func TestAreaReader(t *testing.T) {
	e := newEngine(t, nil)
	e.Sync(State{Person: alice.ID, Zone: "main-corridor", Since: t0.Add(-time.Hour)})
	rs := pass(edu.ID, alice.Tags[0], t0, 100*time.Millisecond, seg{0, 0, 5 * time.Second})
	out := append(e.Read(rs[0]), e.Read(rs[1])...)
	out = append(out, e.Read(rs[2])...)
	ts := only[Transition](out)
	if len(ts) != 1 || ts[0].To != "education" || ts[0].From != "" || ts[0].Prev != "main-corridor" || !ts[0].At.Equal(t0) || ts[0].Anomaly != NoAnomaly {
		t.Fatalf("area reader: %v", out)
	}
	if rest := feed(e, rs[3:]); len(rest) != 0 {
		t.Fatalf("more: %v", rest)
	}
	if again := feed(e, pass(edu.ID, alice.Tags[0], t0.Add(time.Minute), 100*time.Millisecond, seg{0, 0, time.Second})); len(again) != 0 {
		t.Fatalf("already there: %v", again)
	}
}

func TestIgnoredReadsAndLimits(t *testing.T) {
	e := newEngine(t, func(c *Config) { c.MaxSessions = 2 })
	e.Read(rfid.Read{Reader: "nowhere", EPC: ghost, At: t0})
	e.Read(rfid.Read{Reader: door.ID, EPC: ghost, Antenna: 2, At: t0})
	e.Read(rfid.Read{Reader: door.ID, EPC: ghost, Antenna: 7, At: t0})
	for i := range 5 {
		e.Read(rfid.Read{Reader: door.ID, EPC: rfid.EPC("AAAA" + strings.Repeat("0", i)), Antenna: 0, At: t0})
	}
	st := e.Stats()
	if st.UnknownReader != 1 || st.UnknownAntenna != 2 || st.Sessions != 2 || st.Dropped != 3 || st.Reads != 8 {
		t.Fatalf("stats %+v", st)
	}
	e.Tick(t0.Add(time.Minute))
	if st := e.Stats(); st.Sessions != 0 || st.Passages != 2 {
		t.Fatalf("after tick %+v", st)
	}
}

func TestConfigRejects(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"reader without id", func(c *Config) { c.Readers = []Reader{{Antennas: map[int]string{0: "a"}}} }, "readers[0]: no id"},
		{"antenna 4", func(c *Config) { c.Readers = []Reader{{ID: "r", Antennas: map[int]string{4: "a"}}} }, "antenna 4 outside 0…3"},
		{"three zones", func(c *Config) {
			c.Readers = []Reader{{ID: "r", Antennas: map[int]string{0: "a", 1: "b", 2: "c"}}}
		}, "face 3 zones"},
		{"duplicate reader", func(c *Config) { c.Readers = []Reader{door, door} }, `id "hb-a-rfid" used twice`},
		{"shared tag", func(c *Config) { c.People = []Person{alice, {ID: "r-9", Role: Resident, Tags: alice.Tags}} }, "also r-1001's"},
		{"bad tag", func(c *Config) { c.People = []Person{{ID: "r-9", Role: Resident, Tags: []rfid.EPC{"XYZ"}}} }, "tags[0]"},
		{"no role", func(c *Config) { c.People = []Person{{ID: "r-9"}} }, `role ""`},
		{"side reads above reads", func(c *Config) { c.MinSideReads = 5 }, "min_side_reads 5"},
		{"negative gap", func(c *Config) { c.Gap = -time.Second }, "gap"},
	}
	for _, tc := range cases {
		cfg := DefaultConfig()
		cfg.Readers, cfg.People = []Reader{door}, []Person{alice}
		tc.mod(&cfg)
		_, err := New(cfg, nil)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrConfig with %q", tc.name, err, tc.want)
		}
	}
	// Lower-case tags are accepted and canonical.
	cfg := DefaultConfig()
	cfg.People = []Person{{ID: "r-9", Role: Resident, Tags: []rfid.EPC{"e280aa01"}}}
	e, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := e.Registry().Wearer("E280AA01"); !ok || id != "r-9" {
		t.Fatalf("wearer %q %v", id, ok)
	}
}

// TestClockSetBack: a reader whose clock jumps back by an hour does not
// hold the passage open; the first passage is judged, the second starts
// afresh.
func TestClockSetBack(t *testing.T) {
	e := newEngine(t, nil)
	first := crossing(door.ID, alice.Tags[0], t0, 0)
	var out []Output
	for _, r := range first {
		out = append(out, e.Read(r)...)
	}
	back := crossing(door.ID, alice.Tags[0], t0.Add(-time.Hour), 1)
	out = append(out, e.Read(back[0])...)
	if ts := only[Transition](out); len(ts) != 1 || ts[0].To != "hb-a-2" {
		t.Fatalf("the passage before the jump: %v", out)
	}
	out = feed(e, back[1:])
	if ts := only[Transition](out); len(ts) != 1 || ts[0].To != "hb-a-1" {
		t.Fatalf("the passage after the jump: %v", out)
	}
}
