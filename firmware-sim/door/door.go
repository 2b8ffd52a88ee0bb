package door

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/palisade/palisade/sensors/contact"
)

// Scenario shapes how the door behaves.
type Scenario struct {
	MeanClosed time.Duration // average time between openings
	Open       time.Duration // how long a normal passage keeps it open
	HeldOpen   time.Duration // how long it stays open when someone props it
	HeldEvery  int           // one opening in HeldEvery is propped, staggered by Seed (0: never)
	Seed       uint64
}

// Demo is the behaviour used by `palisade demo`: a passage every 20 s or
// so, and one opening in three left open long enough to raise a held-open
// alarm, staggered so that a newcomer sees the first within about a minute.
var Demo = Scenario{MeanClosed: 20 * time.Second, Open: 4 * time.Second, HeldOpen: 45 * time.Second, HeldEvery: 3}

// Door is a simulated door contact line.
type Door struct {
	sc    Scenario
	edges chan contact.Edge
	mu    sync.Mutex
	truth []contact.Edge
}

// New returns a door; Run drives it.
func New(sc Scenario) *Door {
	return &Door{sc: sc, edges: make(chan contact.Edge, 64)}
}

// Next implements contact.Line.
func (d *Door) Next(ctx context.Context) (contact.Edge, error) {
	select {
	case e := <-d.edges:
		return e, nil
	case <-ctx.Done():
		return contact.Edge{}, ctx.Err()
	}
}

// Truth returns the settled openings and closings the door made.
func (d *Door) Truth() []contact.Edge {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]contact.Edge(nil), d.truth...)
}

// Run moves the door until ctx ends.
func (d *Door) Run(ctx context.Context) {
	rng := rand.New(rand.NewPCG(d.sc.Seed, 7))
	for n := 1; ; n++ {
		wait := time.Duration(float64(d.sc.MeanClosed) * (0.5 + rng.Float64()))
		if !sleep(ctx, wait) {
			return
		}
		d.level(ctx, true, rng)
		open := d.sc.Open
		// The seed staggers doors: about one in HeldEvery is propped at its
		// first opening.
		if d.sc.HeldEvery > 0 && (n+int(d.sc.Seed%uint64(d.sc.HeldEvery)))%d.sc.HeldEvery == 1%d.sc.HeldEvery {
			open = d.sc.HeldOpen
		}
		if !sleep(ctx, open) {
			return
		}
		d.level(ctx, false, rng)
	}
}

// level changes the line with a few contact bounces first.
func (d *Door) level(ctx context.Context, high bool, rng *rand.Rand) {
	for range rng.IntN(3) {
		d.send(ctx, contact.Edge{High: high, At: time.Now()})
		time.Sleep(time.Millisecond)
		d.send(ctx, contact.Edge{High: !high, At: time.Now()})
		time.Sleep(time.Millisecond)
	}
	e := contact.Edge{High: high, At: time.Now()}
	d.send(ctx, e)
	d.mu.Lock()
	d.truth = append(d.truth, e)
	d.mu.Unlock()
}

func (d *Door) send(ctx context.Context, e contact.Edge) {
	select {
	case d.edges <- e:
	case <-ctx.Done():
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
