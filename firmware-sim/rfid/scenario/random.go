package scenario

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// RandomConfig describes a stretch of facility life to generate.
type RandomConfig struct {
	Seed     int64
	Start    time.Time
	Duration time.Duration
	Doorways []Doorway
	People   []Person
	// Yard is where residents (and unknown tags) go on their outings and
	// come back from.
	Yard string
	// Outings is the mean number of outings per resident over Duration.
	// Default 2.
	Outings float64
	// Patrols is the mean number of patrols per staff member: from home
	// through one to three other zones and back. Default 4.
	Patrols float64
	// TurnBacks is the chance that a person walks up to a doorway and
	// turns back once before going through. Default 0.05; negative: never.
	TurnBacks float64
	// Unlocked are the daily periods (time of day in Start's location)
	// when residents may leave their home zone; outings fall inside them.
	// Staff patrol around the clock. Default DefaultUnlocked.
	Unlocked []Period
}

// Period is a daily stretch of time, as offsets from midnight.
type Period struct{ From, To time.Duration }

// DefaultUnlocked is a regime day: morning and afternoon activity
// periods and an evening association.
var DefaultUnlocked = []Period{
	{8 * time.Hour, 11*time.Hour + 30*time.Minute},
	{13*time.Hour + 30*time.Minute, 16*time.Hour + 30*time.Minute},
	{18 * time.Hour, 20 * time.Hour},
}

// Walking pace between two doorways on a route, and dwell bounds.
const (
	minWalk  = 20 * time.Second
	maxWalk  = 90 * time.Second
	minDwell = time.Minute
	maxDwell = time.Hour
	// maxLead is the furthest ahead of a crossing a false start comes.
	maxLead = MinGap + 10*time.Second
)

// Random generates plausible movements: each resident goes out to the
// yard and back a few times while the regime is unlocked, staff patrol
// the zones around the clock, now and then someone turns back at a
// doorway. Each person's trips are spread in slots so nobody is in two
// places at once; a trip that does not fit its slot is left out. Everyone
// ends where they started. The same config gives the same scenario.
func Random(cfg RandomConfig) (*Scenario, error) {
	if cfg.Duration <= 0 {
		return nil, fmt.Errorf("%w: duration %v", ErrScenario, cfg.Duration)
	}
	if cfg.Outings == 0 {
		cfg.Outings = 2
	}
	if cfg.Patrols == 0 {
		cfg.Patrols = 4
	}
	if cfg.TurnBacks == 0 {
		cfg.TurnBacks = 0.05
	}
	if cfg.Unlocked == nil {
		cfg.Unlocked = DefaultUnlocked
	}
	s, err := New(cfg.Doorways, cfg.People)
	if err != nil {
		return nil, err
	}
	g := &generator{cfg: cfg, s: s, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9E3779B97F4A7C15)),
		adj: map[string][]edge{}}
	for _, d := range cfg.Doorways {
		g.adj[d.A] = append(g.adj[d.A], edge{d.ID, d.B})
		g.adj[d.B] = append(g.adj[d.B], edge{d.ID, d.A})
		g.zones = appendNew(appendNew(g.zones, d.A), d.B)
	}
	for _, p := range s.People() {
		if err := g.person(p); err != nil {
			return nil, err
		}
	}
	return s, nil
}

type edge struct{ door, to string }

type generator struct {
	cfg   RandomConfig
	s     *Scenario
	rng   *rand.Rand
	adj   map[string][]edge
	zones []string
}

func appendNew(zs []string, z string) []string {
	for _, have := range zs {
		if have == z {
			return zs
		}
	}
	return append(zs, z)
}

// person plans everyone's trips, one per slot.
func (g *generator) person(p Person) error {
	mean := g.cfg.Outings
	if p.Role == Staff {
		mean = g.cfg.Patrols
	}
	n := int(mean)
	if g.rng.Float64() < mean-float64(n) {
		n++
	}
	if n == 0 {
		return nil
	}
	spans := [][2]time.Time{{g.cfg.Start, g.cfg.Start.Add(g.cfg.Duration)}}
	if p.Role != Staff {
		spans = unlocked(g.cfg)
	}
	for _, slot := range slots(spans, n) {
		var stops []string
		if p.Role == Staff {
			for range 1 + g.rng.IntN(3) {
				if z := g.zones[g.rng.IntN(len(g.zones))]; z != p.Home {
					stops = append(stops, z)
				}
			}
		} else if g.cfg.Yard != p.Home {
			stops = []string{g.cfg.Yard}
		}
		if len(stops) == 0 {
			continue
		}
		start := slot[0].Add(maxLead + g.jitter(slot[1].Sub(slot[0])/4))
		if err := g.trip(p, append(stops, p.Home), start, slot[1]); err != nil {
			return err
		}
	}
	return nil
}

// unlocked returns the unlocked periods within the scenario, by time.
func unlocked(cfg RandomConfig) [][2]time.Time {
	end := cfg.Start.Add(cfg.Duration)
	y, m, d := cfg.Start.Date()
	var out [][2]time.Time
	for day := time.Date(y, m, d, 0, 0, 0, 0, cfg.Start.Location()); day.Before(end); day = day.AddDate(0, 0, 1) {
		for _, p := range cfg.Unlocked {
			from, to := day.Add(p.From), day.Add(p.To)
			if from.Before(cfg.Start) {
				from = cfg.Start
			}
			if to.After(end) {
				to = end
			}
			if from.Before(to) {
				out = append(out, [2]time.Time{from, to})
			}
		}
	}
	return out
}

// slots cuts the spans into n stretches of equal length, each within one
// span (a stretch that would straddle two is cut at the first's end).
func slots(spans [][2]time.Time, n int) [][2]time.Time {
	var total time.Duration
	for _, s := range spans {
		total += s[1].Sub(s[0])
	}
	if total <= 0 || n <= 0 {
		return nil
	}
	// at maps an offset into the spans to the span and the wall time.
	at := func(off time.Duration) (int, time.Time) {
		for k, s := range spans {
			l := s[1].Sub(s[0])
			if off < l {
				return k, s[0].Add(off)
			}
			off -= l
		}
		k := len(spans) - 1
		return k, spans[k][1]
	}
	out := make([][2]time.Time, n)
	for i := range out {
		k, from := at(total * time.Duration(i) / time.Duration(n))
		_, to := at(total * time.Duration(i+1) / time.Duration(n))
		if end := spans[k][1]; to.After(end) || to.Before(from) {
			to = end
		}
		out[i] = [2]time.Time{from, to}
	}
	return out
}

// trip plans a walk through stops (dwelling at each but the last),
// starting at start, and adds it if it ends before end.
func (g *generator) trip(p Person, stops []string, start, end time.Time) error {
	here := g.s.here(p.EPC)
	t := start
	var prev time.Time // the person's latest move, planned or added
	if last := g.s.last[p.EPC]; last != nil {
		prev = last.At
		if t.Before(prev.Add(MinGap)) {
			t = prev.Add(MinGap)
		}
	}
	var plan []Move
	for i, stop := range stops {
		route, ok := g.route(here, stop)
		if !ok {
			return fmt.Errorf("%w: %s: no way from %s to %s through the doorways", ErrScenario, p.EPC, here, stop)
		}
		for _, e := range route {
			if g.cfg.TurnBacks > 0 && g.rng.Float64() < g.cfg.TurnBacks {
				tb := t.Add(-MinGap - time.Second - g.jitter(maxLead-MinGap-time.Second))
				if prev.IsZero() || tb.Sub(prev) >= MinGap {
					plan = append(plan, Move{EPC: p.EPC, Doorway: e.door, From: here, To: here, At: tb})
				}
			}
			plan = append(plan, Move{EPC: p.EPC, Doorway: e.door, From: here, To: e.to, At: t})
			prev, here = t, e.to
			t = t.Add(minWalk + g.jitter(maxWalk-minWalk))
		}
		if i < len(stops)-1 {
			dwell := min(max(minDwell, (end.Sub(start))/10+g.jitter(end.Sub(start)/6)), maxDwell)
			t = t.Add(dwell)
		}
	}
	if len(plan) == 0 || plan[len(plan)-1].At.Add(MinGap).After(end) {
		return nil // does not fit its slot
	}
	for _, m := range plan {
		if err := g.s.add(m); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(g.rng.Int64N(int64(d)))
}

// route is the shortest way from one zone to another, breadth first,
// doorways tried in the order given.
func (g *generator) route(from, to string) ([]edge, bool) {
	if from == to {
		return nil, true
	}
	prev := map[string]edge{from: {}}
	queue := []string{from}
	for len(queue) > 0 {
		z := queue[0]
		queue = queue[1:]
		for _, e := range g.adj[z] {
			if _, seen := prev[e.to]; seen {
				continue
			}
			prev[e.to] = edge{e.door, z} // door used, zone came from
			if e.to == to {
				var rev []edge
				for at := to; at != from; at = prev[at].to {
					rev = append(rev, edge{prev[at].door, at})
				}
				out := make([]edge, len(rev))
				for i, e := range rev {
					out[len(rev)-1-i] = e
				}
				return out, true
			}
			queue = append(queue, e.to)
		}
	}
	return nil, false
}
