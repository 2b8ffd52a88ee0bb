package rfid_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	sim "github.com/palisade/palisade/firmware-sim/rfid"
	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	"github.com/palisade/palisade/sensors/rfid"
)

// TestReaderOverPTY walks a resident and an unregistered tag through the
// doorway from zone A to zone B: the driver configures the reader,
// cycles both antennas, and reports the tags on antenna 0 first, then on
// both, then on antenna 1, the signal rising towards the threshold, with
// the scenario clock's time.
func TestReaderOverPTY(t *testing.T) {
	h := start(t, nil, nil)
	on := next[rfid.Online](t, h, nil)
	if on.Firmware != (rfid.Version{Major: 3, Minor: 2}) || on.Power != 27 || on.Reader != doorway.ID {
		t.Fatalf("online %+v", on)
	}
	if h.sim.Power(0) != 27 || h.sim.Power(1) != 27 {
		t.Fatalf("simulator power %d/%d dBm, configured 27", h.sim.Power(0), h.sim.Power(1))
	}
	next(t, h, func(r rfid.Round) bool { return r.Antenna == 0 && r.Reads == 0 })
	next(t, h, func(r rfid.Round) bool { return r.Antenna == 1 && r.Reads == 0 })

	at := t0.Add(time.Minute)
	for _, p := range []scenario.Person{resident, stranger} {
		if _, err := h.sc.Walk(p.EPC, doorway.ID, at); err != nil {
			t.Fatal(err)
		}
	}

	// Approaching from zone A: antenna 0 only, weak.
	h.clock.Set(at.Add(-time.Second))
	approach := reads(t, h, func(rs []rfid.Read) bool {
		n, _ := count(rs, resident.EPC, 0)
		m, _ := count(rs, stranger.EPC, 0)
		return n >= 5 && m >= 1
	})
	for _, r := range approach {
		if r.Antenna != 0 || r.At != at.Add(-time.Second) || r.Reader != doorway.ID || r.FreqIndex < 0 || r.FreqIndex > 49 {
			t.Fatalf("approach read %+v: want antenna 0 at %v", r, at.Add(-time.Second))
		}
		if r.EPC != resident.EPC && r.EPC != stranger.EPC {
			t.Fatalf("read of %s, nobody else is in view", r.EPC)
		}
	}
	_, weak := count(approach, resident.EPC, 0)
	if weak < -70 || weak > -52 {
		t.Fatalf("mean RSSI 1 s before the threshold %.1f dBm, want about -62", weak)
	}

	// At the threshold: both antennas, strong.
	h.clock.Set(at)
	threshold := reads(t, h, func(rs []rfid.Read) bool {
		n, _ := count(rs, resident.EPC, 1)
		return n >= 5
	})
	n0, _ := count(threshold, resident.EPC, 0)
	_, strong := count(threshold, resident.EPC, 1) // antenna 1 saw nobody before
	if n0 == 0 || strong < weak+8 {
		t.Fatalf("at the threshold: %d reads on antenna 0, mean RSSI %.1f dBm on antenna 1 (approach %.1f)", n0, strong, weak)
	}

	// Gone into zone B: antenna 1 only.
	h.clock.Set(at.Add(time.Second))
	reads(t, h, func(rs []rfid.Read) bool { n, _ := count(rs, resident.EPC, 1); return n >= 3 })
	h.clock.Set(at.Add(5 * time.Second)) // out of view
	next(t, h, func(r rfid.Round) bool { return r.Antenna == 1 && r.Reads == 0 })

	truth := h.sc.CrossingsUntil(h.clock.Now())
	if len(truth) != 2 || truth[0].From != "hb-a-1" || truth[0].To != "hb-a-2" || truth[0].Doorway != doorway.ID {
		t.Fatalf("ground truth %+v", truth)
	}
	if st := h.reader.Stats(); st.BadChecksum+st.BadLength+st.BadPayload+st.Panics != 0 {
		t.Fatalf("clean line, yet %+v", st)
	}
}

// TestCorruptLine: with frames damaged on the line (flipped bits, lost
// bytes, stray bytes and false heads) the driver counts and skips the
// damage, never reports a tag that is not there, and keeps reading.
func TestCorruptLine(t *testing.T) {
	h := start(t, func(c *sim.Config) { c.MissRate = 0.05 }, func(c *rfid.Config) { c.ReplyTimeout = 150 * time.Millisecond })
	next[rfid.Online](t, h, nil)
	at := t0.Add(time.Minute)
	for _, p := range []scenario.Person{resident, stranger} {
		if _, err := h.sc.Walk(p.EPC, doorway.ID, at); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Set(at) // both tags in view of both antennas
	h.sim.SetCorruptRate(0.15)
	got := reads(t, h, func(rs []rfid.Read) bool {
		st := h.reader.Stats()
		return len(rs) >= 80 && st.BadChecksum+st.BadLength > 0 && st.Skipped > 0
	})
	for _, r := range got {
		if r.EPC != resident.EPC && r.EPC != stranger.EPC {
			t.Fatalf("damaged frame reported as a read of %s: %+v", r.EPC, r)
		}
	}
	if h.sim.Stats().Corrupted == 0 {
		t.Fatal("simulator damaged nothing")
	}
	h.sim.SetCorruptRate(0)
	reads(t, h, func(rs []rfid.Read) bool { return len(rs) >= 10 }) // and on after it
}

// TestUnplug: the port disappears (pty closed, link removed): Offline,
// then, once it is back, Online again, reconfigured, and reads again.
func TestUnplug(t *testing.T) {
	h := start(t, nil, nil)
	next[rfid.Online](t, h, nil)
	if _, err := h.sc.Walk(officer.EPC, doorway.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(t0.Add(time.Minute))
	next(t, h, func(r rfid.Read) bool { return r.EPC == officer.EPC })

	if err := h.sim.Unplug(); err != nil {
		t.Fatal(err)
	}
	off := next[rfid.Offline](t, h, nil)
	if off.Err == nil || off.Reader != doorway.ID {
		t.Fatalf("offline %+v", off)
	}
	if err := h.sim.Plug(); err != nil {
		t.Fatal(err)
	}
	next[rfid.Online](t, h, nil)
	if h.sim.Power(0) != 27 {
		t.Fatalf("power after reconnect %d dBm, want 27", h.sim.Power(0))
	}
	next(t, h, func(r rfid.Read) bool { return r.EPC == officer.EPC })
	if st := h.reader.Stats(); st.PortErrors == 0 || st.Connects != 2 {
		t.Fatalf("stats %+v, want port errors and 2 connects", st)
	}
}

// TestSilentReader: a reader that stops answering on a live line raises a
// ReaderError, goes Offline after MaxMisses unanswered commands, and
// comes back Online when it answers again.
func TestSilentReader(t *testing.T) {
	h := start(t, nil, func(c *rfid.Config) { c.ReplyTimeout = 150 * time.Millisecond })
	next[rfid.Online](t, h, nil)
	h.sim.SetSilent(true)
	re := next[rfid.ReaderError](t, h, nil)
	if !errors.Is(re.Err, rfid.ErrTimeout) || re.Code != 0 {
		t.Fatalf("reader error %+v, want a timeout", re)
	}
	if off := next[rfid.Offline](t, h, nil); !errors.Is(off.Err, rfid.ErrTimeout) {
		t.Fatalf("offline %+v, want a timeout", off)
	}
	h.sim.SetSilent(false)
	next[rfid.Online](t, h, nil)
	next(t, h, func(r rfid.Round) bool { return true })
}

// TestAntennaMissing: an inventory on a disconnected antenna is refused
// with antenna_missing_error: one ReaderError per episode, the other
// antenna keeps reading, and the antenna works again once reconnected.
func TestAntennaMissing(t *testing.T) {
	h := start(t, nil, nil)
	next[rfid.Online](t, h, nil)
	h.sim.SetAntennaMissing(1, true)
	re := next[rfid.ReaderError](t, h, nil)
	if re.Cmd != rfid.CmdRealTimeInventory || re.Antenna != 1 || re.Code != rfid.CodeAntennaMissing || !errors.Is(re.Err, rfid.ErrRefused) {
		t.Fatalf("reader error %+v", re)
	}
	deadline := time.After(wait)
	for rounds := 0; rounds < 10; { // rounds go on on antenna 0, without more errors
		select {
		case ev := <-h.events:
			switch e := ev.(type) {
			case rfid.ReaderError:
				t.Fatalf("second error in one episode: %+v", e)
			case rfid.Round:
				if e.Antenna != 0 {
					t.Fatalf("round on the missing antenna: %+v", e)
				}
				rounds++
			}
		case <-deadline:
			t.Fatalf("antenna 0 stopped: %+v", h.reader.Stats())
		}
	}
	h.sim.SetAntennaMissing(1, false)
	next(t, h, func(r rfid.Round) bool { return r.Antenna == 1 })
	h.sim.SetAntennaMissing(1, true)
	if re := next[rfid.ReaderError](t, h, nil); re.Code != rfid.CodeAntennaMissing {
		t.Fatalf("new episode: %+v", re)
	}
	if h.reader.Stats().Refusals < 2 {
		t.Fatalf("refusals not counted: %+v", h.reader.Stats())
	}
}

// TestLifecycle: Run refuses a second concurrent call and a nil publish,
// returns promptly when its context ends, and leaves no goroutine behind.
func TestLifecycle(t *testing.T) {
	base := runtime.NumGoroutine()
	func() {
		h := start(t, nil, nil)
		next[rfid.Online](t, h, nil)
		if err := h.reader.Run(context.Background(), func(rfid.Event) {}); !errors.Is(err, rfid.ErrRunning) {
			t.Fatalf("second Run: %v", err)
		}
		h.stop()
		h.sim.Close()
	}()
	r, _ := rfid.New(rfid.Config{Open: rfid.SerialOpener("/nonexistent")}, nil)
	if err := r.Run(context.Background(), nil); !errors.Is(err, rfid.ErrConfig) {
		t.Fatalf("Run without publish: %v", err)
	}
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling for exit, not synchronising
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines, %d before: leak\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

func TestConfigValidate(t *testing.T) {
	open := rfid.SerialOpener("/dev/null")
	cases := []struct {
		name string
		cfg  rfid.Config
		msg  string
	}{
		{"no opener", rfid.Config{}, "open"},
		{"power", rfid.Config{Open: open, Power: 34}, "power: 34 dBm outside 1…33"},
		{"antenna", rfid.Config{Open: open, Antennas: []int{0, 4}}, "antennas[1]: 4 outside 0…3"},
		{"no antennas", rfid.Config{Open: open, Antennas: []int{}}, "antennas: none"},
		{"repeat", rfid.Config{Open: open, Repeat: 256}, "repeat: 256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if !errors.Is(err, rfid.ErrConfig) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Validate = %v, want ErrConfig with %q", err, tc.msg)
			}
		})
	}
	c := rfid.Config{Open: open}
	if err := c.Validate(); err != nil || c.Power != rfid.DefaultPower || len(c.Antennas) != 2 || c.Repeat != 1 {
		t.Fatalf("defaults %+v, %v", c, err)
	}
}
