package presence

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	"github.com/palisade/palisade/sensors/rfid"
)

// showDoorways is a small facility: cells on two floors, a corridor, the
// yard, the control room.
var showDoorways = []scenario.Doorway{
	{ID: "hb-a-rfid", A: "hb-a-1", B: "hb-a-2"},
	{ID: "hb-a-exit-rfid", A: "hb-a-1", B: "main-corridor"},
	{ID: "yard-rfid", A: "main-corridor", B: "yard"},
	{ID: "cr-rfid", A: "control-room", B: "main-corridor"},
}

func showPopulation(residents, officers, strangers int) []scenario.Person {
	ps := append(scenario.Residents(residents, "hb-a-1", "hb-a-2"), scenario.Officers(officers, "control-room")...)
	return append(ps, scenario.Strangers(strangers, "main-corridor")...)
}

// configFor is the engine's configuration for a scenario: its doorways,
// and everyone but the strangers registered.
func configFor(sc *scenario.Scenario, doors []scenario.Doorway) Config {
	cfg := DefaultConfig()
	for _, d := range doors {
		cfg.Readers = append(cfg.Readers, DoorwayReader(d.ID, d.A, d.B))
	}
	for _, p := range sc.People() {
		switch p.Role {
		case scenario.Resident:
			cfg.People = append(cfg.People, Person{ID: p.ID, Role: Resident, Tags: []rfid.EPC{p.EPC}})
		case scenario.Staff:
			cfg.People = append(cfg.People, Person{ID: p.ID, Role: Staff, Tags: []rfid.EPC{p.EPC}})
		}
	}
	return cfg
}

// tally compares committed transitions with the ground truth: a
// committed transition matches a true crossing of the same person through
// the same doorway, in the same direction, within matchWithin.
type tally struct {
	truth, committed, matched map[string]int // by doorway
	misses, extras            []string
}

const matchWithin = 2 * time.Second

func score(tx *bolt.Tx, sc *scenario.Scenario, doors []scenario.Doorway, from, to time.Time) tally {
	tl := tally{truth: map[string]int{}, committed: map[string]int{}, matched: map[string]int{}}
	byPerson := map[string][]Record{}
	for _, p := range sc.People() {
		if p.ID == "" {
			continue
		}
		for _, r := range History(tx, p.ID, from, to.Add(time.Hour)) {
			if r.Kind == RecordTransition {
				byPerson[p.ID] = append(byPerson[p.ID], r)
				tl.committed[r.Reader]++
			}
		}
	}
	used := map[string][]bool{}
	for id, rs := range byPerson {
		used[id] = make([]bool, len(rs))
	}
	for _, c := range sc.Crossings() {
		p, _ := sc.Person(c.EPC)
		if p.ID == "" || c.At.Before(from) || !c.At.Before(to) {
			continue // strangers have no presence, only alarms
		}
		tl.truth[c.Doorway]++
		found := false
		for i, r := range byPerson[p.ID] {
			d := r.At.Sub(c.At)
			if !used[p.ID][i] && r.Reader == c.Doorway && r.From == c.From && r.Zone == c.To && d > -matchWithin && d < matchWithin {
				used[p.ID][i], found = true, true
				tl.matched[c.Doorway]++
				break
			}
		}
		if !found {
			tl.misses = append(tl.misses, fmt.Sprintf("%s %s %s→%s at %s", p.ID, c.Doorway, c.From, c.To, c.At.Format(time.TimeOnly)))
		}
	}
	for id, rs := range byPerson {
		for i, r := range rs {
			if !used[id][i] {
				tl.extras = append(tl.extras, fmt.Sprintf("%s %s %s→%s at %s %s", id, r.Reader, r.From, r.Zone, r.At.Format("15:04:05.000"), r.Anomaly))
			}
		}
	}
	sort.Strings(tl.extras)
	return tl
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func (tl tally) precision() float64 { return ratio(sum(tl.matched), sum(tl.committed)) }
func (tl tally) recall() float64    { return ratio(sum(tl.matched), sum(tl.truth)) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// print writes the table the Show asks for.
func (tl tally) print(w io.Writer, title string, doors []scenario.Doorway) {
	fmt.Fprintf(w, "\n%s\n", title)
	fmt.Fprintf(w, "%-16s %7s %10s %8s %10s %8s\n", "doorway", "truth", "committed", "matched", "precision", "recall")
	for _, d := range doors {
		fmt.Fprintf(w, "%-16s %7d %10d %8d %9.2f%% %7.2f%%\n", d.ID, tl.truth[d.ID], tl.committed[d.ID], tl.matched[d.ID],
			100*ratio(tl.matched[d.ID], tl.committed[d.ID]), 100*ratio(tl.matched[d.ID], tl.truth[d.ID]))
	}
	fmt.Fprintf(w, "%-16s %7d %10d %8d %9.2f%% %7.2f%%\n", "all", sum(tl.truth), sum(tl.committed), sum(tl.matched),
		100*tl.precision(), 100*tl.recall())
	for _, m := range tl.misses {
		fmt.Fprintf(w, "  missed: %s\n", m)
	}
	for _, x := range tl.extras {
		fmt.Fprintf(w, "  extra:  %s\n", x)
	}
}

func (tl tally) String() string {
	var b strings.Builder
	tl.print(&b, "", showDoorways)
	return b.String()
}
