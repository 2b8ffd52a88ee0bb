package rfid_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	sim "github.com/palisade/palisade/firmware-sim/rfid"
	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	"github.com/palisade/palisade/sensors/rfid"
)

const wait = 5 * time.Second // generous: pty I/O under -race

var (
	t0       = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	doorway  = scenario.Doorway{ID: "hb-a-rfid", A: "hb-a-1", B: "hb-a-2"}
	resident = scenario.Residents(1, "hb-a-1")[0]
	officer  = scenario.Officers(1, "hb-a-2")[0]
	stranger = scenario.Strangers(1, "hb-a-1")[0]
)

// harness is a simulated doorway reader on a pty and the driver reading
// it through tarm/serial, both on one scenario clock. Run is stopped and
// awaited at cleanup.
type harness struct {
	sim    *sim.Reader
	reader *rfid.Reader
	clock  *scenario.Clock
	sc     *scenario.Scenario
	events chan rfid.Event
	stop   func() // cancels Run and waits for it; idempotent
}

func start(t *testing.T, simCfg func(*sim.Config), cfg func(*rfid.Config)) *harness {
	t.Helper()
	sc, err := scenario.New([]scenario.Doorway{doorway}, []scenario.Person{resident, officer, stranger})
	if err != nil {
		t.Fatal(err)
	}
	clock := scenario.NewClock(t0)
	sc1 := sim.Config{Link: filepath.Join(t.TempDir(), "ttyRFID"), Scenario: sc, Doorway: doorway.ID,
		Now: clock.Now, Addr: 0x01, Firmware: rfid.Version{Major: 3, Minor: 2}, RoundTime: 5 * time.Millisecond, Seed: 1}
	if simCfg != nil {
		simCfg(&sc1)
	}
	s, err := sim.Open(sc1)
	if err != nil {
		t.Fatal(err)
	}
	c := rfid.Config{Name: doorway.ID, Open: rfid.SerialOpener(s.Path()), Addr: 0x01, Power: 27,
		ReplyTimeout: 300 * time.Millisecond, Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Now: clock.Now}
	if cfg != nil {
		cfg(&c)
	}
	r, err := rfid.New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{sim: s, reader: r, clock: clock, sc: sc, events: make(chan rfid.Event, 4096)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- r.Run(ctx, func(ev rfid.Event) {
			select {
			case h.events <- ev:
			case <-ctx.Done():
			}
		})
	}()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v", err)
				}
			case <-time.After(wait):
				t.Errorf("Run did not return within %v of cancellation", wait)
			}
		})
	}
	t.Cleanup(func() {
		h.stop()
		s.Close()
	})
	return h
}

// next waits for the first event of type E that match accepts, skipping
// others.
func next[E rfid.Event](t *testing.T, h *harness, match func(E) bool) E {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case ev := <-h.events:
			if e, ok := ev.(E); ok && (match == nil || match(e)) {
				return e
			}
		case <-deadline:
			var zero E
			t.Fatalf("no %T within %v; driver %+v; simulator %+v", zero, wait, h.reader.Stats(), h.sim.Stats())
			return zero
		}
	}
}

// reads collects Read events until done says it has enough; other events
// are dropped.
func reads(t *testing.T, h *harness, done func([]rfid.Read) bool) []rfid.Read {
	t.Helper()
	var got []rfid.Read
	deadline := time.After(wait)
	for !done(got) {
		select {
		case ev := <-h.events:
			if r, ok := ev.(rfid.Read); ok {
				got = append(got, r)
			}
		case <-deadline:
			t.Fatalf("after %v: %d reads, not enough; driver %+v", wait, len(got), h.reader.Stats())
		}
	}
	return got
}

func count(rs []rfid.Read, epc rfid.EPC, ant int) (n int, meanRSSI float64) {
	sum := 0
	for _, r := range rs {
		if r.EPC == epc && r.Antenna == ant {
			n++
			sum += r.RSSI
		}
	}
	if n > 0 {
		meanRSSI = float64(sum) / float64(n)
	}
	return n, meanRSSI
}
