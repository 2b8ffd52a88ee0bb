package osdp_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sim "github.com/palisade/palisade/firmware-sim/osdp"
	"github.com/palisade/palisade/sensors/osdp"
)

var (
	key1 = []byte("reader-1-key-16b")
	key2 = []byte("reader-2-key-16b")
	id1  = osdp.PDID{Vendor: [3]byte{0x0A, 0x0B, 0x0C}, Model: 1, Version: 2, Serial: 1001, Firmware: [3]byte{2, 1, 0}}
	id2  = osdp.PDID{Vendor: [3]byte{0x0A, 0x0B, 0x0C}, Model: 1, Version: 2, Serial: 1002, Firmware: [3]byte{2, 1, 0}}
	caps = []osdp.Capability{{osdp.CapCardFormat, 1, 0}, {osdp.CapReaderLED, 1, 1}, {osdp.CapCommSecurity, 1, 1}}
)

const wait = 5 * time.Second // generous: pty I/O under -race

// harness is a simulator bus and a panel polling it over the pty with
// tarm/serial; Run is stopped and awaited at cleanup.
type harness struct {
	bus    *sim.Bus
	panel  *osdp.Panel
	cfg    osdp.Config
	events chan osdp.Event
}

func start(t *testing.T, simReaders []sim.ReaderConfig, readers []osdp.ReaderConfig) *harness {
	t.Helper()
	bus, err := sim.NewBus(filepath.Join(t.TempDir(), "ttyOSDP"), simReaders...)
	if err != nil {
		t.Fatal(err)
	}
	cfg := osdp.Config{
		Port: bus.Path(), Baud: 115200, Readers: readers,
		PollInterval: 20 * time.Millisecond, ReplyTimeout: 150 * time.Millisecond,
		OfflineAfter: 500 * time.Millisecond, ReopenEvery: 50 * time.Millisecond,
	}
	p, err := osdp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{bus: bus, panel: p, cfg: cfg, events: make(chan osdp.Event, 256)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.Run(ctx) }()
	go func() { // forward so the panel never blocks on a slow test
		defer wg.Done()
		for {
			select {
			case ev := <-p.Events():
				h.events <- ev
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		bus.Close()
	})
	return h
}

// next waits for the first event for which match returns true, skipping
// others.
func next[E osdp.Event](t *testing.T, h *harness, match func(E) bool) E {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case ev := <-h.events:
			if e, ok := ev.(E); ok && match(e) {
				return e
			}
		case <-deadline:
			var zero E
			t.Fatalf("no %T within %v; stats %+v", zero, wait, h.panel.Stats())
			return zero
		}
	}
}

func addr(a int) func(osdp.Online) bool { return func(e osdp.Online) bool { return e.Addr == a } }

// TestPanelOverPTY: two readers on one bus, one commissioned on the secure
// channel and one plain: both come online with the right ID and CAP, a
// card and keypad digits arrive intact, LED and buzzer commands reach the
// reader, tamper is reported.
func TestPanelOverPTY(t *testing.T) {
	h := start(t,
		[]sim.ReaderConfig{{Addr: 1, ID: id1, Caps: caps, SCBK: key1}, {Addr: 2, ID: id2, Caps: caps}},
		[]osdp.ReaderConfig{{Addr: 1, SCBK: key1, Secure: true}, {Addr: 2}})
	on1 := next(t, h, addr(1))
	if !on1.Secure || on1.ID != id1 || len(on1.Caps) != len(caps) || on1.Caps[2] != caps[2] {
		t.Fatalf("reader 1 online %+v", on1)
	}
	if on2 := next(t, h, addr(2)); on2.Secure || on2.ID.Serial != 1002 {
		t.Fatalf("reader 2 online %+v", on2)
	}
	r1, r2 := h.bus.Reader(1), h.bus.Reader(2)
	if !r1.Secure() {
		t.Fatal("simulator reader 1 has no secure channel")
	}

	card := []byte{0x8A, 0x5C, 0x31, 0x40} // 26 bits
	r1.Swipe(26, card)
	got := next(t, h, func(e osdp.CardRead) bool { return true })
	if got.Addr != 1 || got.Bits != 26 || got.Format != osdp.FormatWiegand || !bytes.Equal(got.Data, card) {
		t.Fatalf("card %+v, want 26 bits % X from 1", got, card)
	}
	r2.Keys("4711#")
	if k := next(t, h, func(e osdp.Keypad) bool { return true }); k.Addr != 2 || k.Digits != "4711#" {
		t.Fatalf("keypad %+v", k)
	}

	led := osdp.LEDCommand{LED: 0, TempCode: 2, TempOn: 5, TempOff: 5, TempOnColor: osdp.ColorGreen, TempTimer: 30,
		PermCode: 1, PermOnColor: osdp.ColorRed}
	if err := h.panel.LED(1, led); err != nil {
		t.Fatal(err)
	}
	buz := osdp.BuzzerCommand{Tone: 2, On: 2, Off: 1, Count: 3}
	if err := h.panel.Buzz(1, buz); err != nil {
		t.Fatal(err)
	}
	if err := h.panel.LED(9, led); err == nil {
		t.Fatal("LED to an unknown reader accepted")
	}
	eventually(t, func() bool { return len(r1.LEDs()) == 1 && len(r1.Buzzes()) == 1 })
	if r1.LEDs()[0] != led || r1.Buzzes()[0] != buz {
		t.Fatalf("simulator got LED %+v buzz %+v", r1.LEDs(), r1.Buzzes())
	}

	r2.SetTamper(true)
	if tp := next(t, h, func(e osdp.Tamper) bool { return true }); tp.Addr != 2 || !tp.Active {
		t.Fatalf("tamper %+v", tp)
	}
	if r1.BadMACs() != 0 {
		t.Fatalf("simulator rejected %d MACs", r1.BadMACs())
	}
}

// TestCommission takes a reader from install mode (SCBK-D) to its own key
// with KEYSET inside the secure channel, and keeps working on the new key.
func TestCommission(t *testing.T) {
	h := start(t, []sim.ReaderConfig{{Addr: 3, ID: id1, Caps: caps}}, []osdp.ReaderConfig{{Addr: 3, Secure: true}})
	if on := next(t, h, addr(3)); !on.Secure {
		t.Fatalf("install-mode reader online without secure channel: %+v", on)
	}
	if err := h.panel.Commission(3, key2); err != nil {
		t.Fatal(err)
	}
	next(t, h, func(e osdp.Commissioned) bool { return e.Addr == 3 })
	r := h.bus.Reader(3)
	if !bytes.Equal(r.Key(), key2) {
		t.Fatalf("simulator key % X, want % X", r.Key(), key2)
	}
	r.Swipe(8, []byte{0x42})
	if c := next(t, h, func(e osdp.CardRead) bool { return true }); !bytes.Equal(c.Data, []byte{0x42}) {
		t.Fatalf("card after commissioning %+v", c)
	}
	if !strings.Contains(fmt.Sprint(r.Records()), "session on own key") {
		t.Fatalf("simulator never had a session on its own key: %v", r.Records())
	}
}

// TestDowngrade: a commissioned reader that comes back offering only
// SCBK-D (factory reset), proving SCBK-D while claiming its key (tampered
// firmware), or refusing the secure channel raises Downgrade, and the
// panel does not fall back to it.
func TestDowngrade(t *testing.T) {
	for _, tc := range []struct {
		mode sim.Mode
		why  string
	}{
		{sim.ModeFactoryReset, "offered SCBK-D"},
		{sim.ModeDefaultKey, "proved SCBK-D"},
		{sim.ModePlainOnly, "refused secure channel"},
	} {
		t.Run(tc.why, func(t *testing.T) {
			h := start(t, []sim.ReaderConfig{{Addr: 4, ID: id1, Caps: caps, SCBK: key1}},
				[]osdp.ReaderConfig{{Addr: 4, SCBK: key1, Secure: true}})
			next(t, h, addr(4))
			h.bus.Reader(4).SetMode(tc.mode)
			next(t, h, func(e osdp.Offline) bool { return e.Addr == 4 })
			d := next(t, h, func(e osdp.Downgrade) bool { return e.Addr == 4 })
			if !strings.Contains(d.Reason, tc.why) {
				t.Fatalf("downgrade reason %q, want %q", d.Reason, tc.why)
			}
			h.bus.Reader(4).Swipe(8, []byte{1})
			select {
			case ev := <-h.events:
				if _, ok := ev.(osdp.CardRead); ok {
					t.Fatal("card accepted from a downgraded reader")
				}
			case <-time.After(300 * time.Millisecond):
			}
		})
	}
}

// TestUnplug: the bus disappears (pty closed, link removed): every reader
// goes Offline within OfflineAfter (plus a poll), and Online again once
// the port is back.
func TestUnplug(t *testing.T) {
	h := start(t,
		[]sim.ReaderConfig{{Addr: 1, ID: id1, Caps: caps, SCBK: key1}, {Addr: 2, ID: id2, Caps: caps}},
		[]osdp.ReaderConfig{{Addr: 1, SCBK: key1, Secure: true}, {Addr: 2}})
	next(t, h, addr(1))
	next(t, h, addr(2))
	t0 := time.Now()
	if err := h.bus.Unplug(); err != nil {
		t.Fatal(err)
	}
	off := next(t, h, func(e osdp.Offline) bool { return e.Addr == 1 })
	if el := time.Since(t0); el > h.cfg.OfflineAfter+time.Second {
		t.Fatalf("offline after %v (reason %q), configured %v", el, off.Reason, h.cfg.OfflineAfter)
	}
	next(t, h, func(e osdp.Offline) bool { return e.Addr == 2 })
	if err := h.bus.Plug(); err != nil {
		t.Fatal(err)
	}
	if on := next(t, h, addr(1)); !on.Secure {
		t.Fatalf("back online without secure channel: %+v", on)
	}
	next(t, h, addr(2))
	if h.panel.Stats().PortErrors == 0 {
		t.Fatal("port loss not counted")
	}
}

// TestSilentReader: a reader that stops answering on a live bus goes
// Offline, the other keeps working, and it comes back.
func TestSilentReader(t *testing.T) {
	h := start(t,
		[]sim.ReaderConfig{{Addr: 1, ID: id1, Caps: caps, SCBK: key1}, {Addr: 2, ID: id2, Caps: caps}},
		[]osdp.ReaderConfig{{Addr: 1, SCBK: key1, Secure: true}, {Addr: 2}})
	next(t, h, addr(1))
	next(t, h, addr(2))
	h.bus.Reader(1).SetSilent(true)
	if off := next(t, h, func(e osdp.Offline) bool { return e.Addr == 1 }); !strings.Contains(off.Reason, "no reply") {
		t.Fatalf("offline reason %q", off.Reason)
	}
	h.bus.Reader(2).Swipe(8, []byte{7})
	if c := next(t, h, func(e osdp.CardRead) bool { return true }); c.Addr != 2 {
		t.Fatalf("card %+v", c)
	}
	h.bus.Reader(1).SetSilent(false)
	next(t, h, addr(1))
}

func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(wait); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met in time")
}

// TestBadReplies: a reply with a bad CRC, one out of sequence, one behind
// garbage and one with a bad MAC are counted; the first three are
// recovered by retransmission without losing the reader, the bad MAC ends
// the secure session, which is re-established.
func TestBadReplies(t *testing.T) {
	h := start(t, []sim.ReaderConfig{{Addr: 1, ID: id1, Caps: caps, SCBK: key1}},
		[]osdp.ReaderConfig{{Addr: 1, SCBK: key1, Secure: true}})
	next(t, h, addr(1))
	r := h.bus.Reader(1)
	fix := func(b []byte) []byte {
		c := osdp.CRC16(b[:len(b)-2])
		b[len(b)-2], b[len(b)-1] = byte(c), byte(c>>8)
		return b
	}
	steps := []struct {
		name   string
		mangle func([]byte) []byte
		count  func(osdp.Stats) uint64
	}{
		{"crc", func(b []byte) []byte { b[len(b)-1] ^= 0x5A; return b }, func(s osdp.Stats) uint64 { return s.BadCRC }},
		{"sequence", func(b []byte) []byte { b[4] ^= 0x03; return fix(b) }, func(s osdp.Stats) uint64 { return s.BadSequence }},
		{"garbage", func(b []byte) []byte { return append([]byte{0x53, 0x00, 0x53, 0xFF, 0x01}, b...) }, func(s osdp.Stats) uint64 { return s.Skipped }},
	}
	for _, st := range steps {
		before := st.count(h.panel.Stats())
		r.Mangle(st.mangle)
		r.Swipe(8, []byte{0x99})
		if c := next(t, h, func(e osdp.CardRead) bool { return true }); c.Data[0] != 0x99 {
			t.Fatalf("%s: card %+v", st.name, c)
		}
		if st.count(h.panel.Stats()) <= before {
			t.Fatalf("%s: not counted: %+v", st.name, h.panel.Stats())
		}
	}
	r.Mangle(func(b []byte) []byte { b[len(b)-4] ^= 0x01; return fix(b) }) // last MAC byte
	next(t, h, func(e osdp.Offline) bool { return strings.Contains(e.Reason, "MAC") })
	next(t, h, addr(1))
	if h.panel.Stats().BadMAC == 0 {
		t.Fatalf("bad MAC not counted: %+v", h.panel.Stats())
	}
	select {
	case ev := <-h.events:
		if _, ok := ev.(osdp.Downgrade); ok {
			t.Fatal("a bad MAC is not a downgrade")
		}
	default:
	}
}
