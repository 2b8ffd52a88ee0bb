package radar_test

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	sim "github.com/palisade/palisade/firmware-sim/radar"
	"github.com/palisade/palisade/sensors/radar"
)

const wait = 5 * time.Second // generous: pty I/O under -race

// scene is a few frames with every TLV type, for the simulator to loop.
func scene() []radar.Frame {
	var out []radar.Frame
	for i := range 6 {
		p := uint32(i % 2)
		f := radar.Frame{
			Points:   []radar.Point{{X: float32(i) / 10, Y: 1.2, Z: 0.4, Doppler: 0}, {X: -0.3, Y: 2, Z: 0.9, Doppler: 0.01}},
			Presence: &p,
			Stats:    []byte{byte(i), 0, 0, 0, 1, 0, 0, 0},
		}
		if i%2 == 1 {
			v := radar.VitalSigns{ID: 0, RangeBin: 17, BreathDeviation: 0.02, HeartRate: 70 + float32(i), BreathRate: 14}
			for k := range 15 {
				v.HeartWaveform[k], v.BreathWaveform[k] = float32(k)/15, -float32(k)/15
			}
			f.Vitals = []radar.VitalSigns{v}
			f.Tracks = []radar.Track{{ID: 1, Pos: [3]float32{0.2, 1.1, 0.8}, Confidence: 0.9}}
		}
		if i == 4 {
			f.Unknown = []radar.TLV{{Type: 1020, Payload: []byte{1, 2, 3, 4}}}
		}
		out = append(out, f)
	}
	return out
}

// harness is a simulated radar on pseudo-terminals and a driver running
// against it through OpenSerial (tarm/serial), recording every event.
type harness struct {
	dev *sim.Device
	r   *radar.Radar
	cfg radar.Config

	mu     sync.Mutex
	events []radar.Event
	cursor int
	hook   func(radar.Event) // called before an event is recorded; guarded by mu
	notify chan struct{}
}

func start(t *testing.T, dcfg sim.DeviceConfig, mod func(*radar.Config)) *harness {
	t.Helper()
	if dcfg.FramePeriod == 0 {
		dcfg.FramePeriod = 5 * time.Millisecond
	}
	dev, err := sim.NewDevice(&sim.Slice{Frames: scene(), Loop: true}, dcfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	cfg := serialConfig(dev)
	if mod != nil {
		mod(&cfg)
	}
	r, err := radar.New(cfg, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{dev: dev, r: r, cfg: cfg, notify: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, h.publish) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(wait):
			t.Error("Run did not return after cancel")
		}
		if err := dev.Close(); err != nil {
			t.Error(err)
		}
	})
	return h
}

func serialConfig(dev *sim.Device) radar.Config {
	cfg := radar.DefaultConfig()
	cfg.Name = "test"
	cfg.CLI = func() (io.ReadWriteCloser, error) { return radar.OpenSerial(dev.CLIPath(), radar.CLIBaud) }
	cfg.Data = func() (io.ReadWriteCloser, error) { return radar.OpenSerial(dev.DataPath(), radar.DataBaud) }
	cfg.ReplyTimeout = time.Second
	cfg.StallAfter = 150 * time.Millisecond
	cfg.ReconnectBackoff = 20 * time.Millisecond
	cfg.MaxBackoff = 100 * time.Millisecond
	return cfg
}

func (h *harness) publish(ev radar.Event) {
	h.mu.Lock()
	hook := h.hook
	h.mu.Unlock()
	if hook != nil {
		hook(ev)
	}
	h.mu.Lock()
	h.events = append(h.events, ev)
	h.mu.Unlock()
	select {
	case h.notify <- struct{}{}:
	default:
	}
}

// next waits for the first event after the last one taken for which match
// returns true, and takes it.
func next[E radar.Event](t *testing.T, h *harness, match func(E) bool) E {
	t.Helper()
	deadline := time.After(wait)
	for {
		h.mu.Lock()
		for ; h.cursor < len(h.events); h.cursor++ {
			if e, ok := h.events[h.cursor].(E); ok && (match == nil || match(e)) {
				h.cursor++
				h.mu.Unlock()
				return e
			}
		}
		h.mu.Unlock()
		select {
		case <-h.notify:
		case <-deadline:
			var zero E
			t.Fatalf("no %T within %v; stats %+v", zero, wait, h.r.Stats())
			return zero
		}
	}
}

// taken returns the events taken so far.
func (h *harness) taken() []radar.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]radar.Event(nil), h.events[:h.cursor]...)
}

// frames takes the next n frame events.
func frames(t *testing.T, h *harness, n int) []radar.FrameEvent {
	t.Helper()
	var out []radar.FrameEvent
	for range n {
		out = append(out, next[radar.FrameEvent](t, h, nil))
	}
	return out
}

// checkIntact asserts that each frame is the one the simulator sent under
// its number.
func checkIntact(t *testing.T, dev *sim.Device, got []radar.FrameEvent) {
	t.Helper()
	sent := map[uint32]radar.Frame{}
	for end := time.Now().Add(wait); ; time.Sleep(5 * time.Millisecond) {
		for _, f := range dev.Sent() { // a frame is recorded once its write returned
			sent[f.Header.FrameNumber] = f
		}
		if _, ok := sent[got[len(got)-1].Frame.Header.FrameNumber]; ok || time.Now().After(end) {
			break
		}
	}
	for _, ev := range got {
		n := ev.Frame.Header.FrameNumber
		if want, ok := sent[n]; !ok || !reflect.DeepEqual(ev.Frame, want) {
			t.Fatalf("frame %d: got %+v\nsent %+v", n, ev.Frame, want)
		}
	}
}

func count[E radar.Event](events []radar.Event) int {
	n := 0
	for _, ev := range events {
		if _, ok := ev.(E); ok {
			n++
		}
	}
	return n
}
