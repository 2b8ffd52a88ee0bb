package radar_test

import (
	"context"
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	sim "github.com/palisade/palisade/firmware-sim/radar"
	"github.com/palisade/palisade/sensors/radar"
)

// TestConfigureAndStream: the default configuration is sent line by line
// (comments left out) and acknowledged, the radar comes Online, and frames
// arrive intact, in order, none lost.
func TestConfigureAndStream(t *testing.T) {
	h := start(t, sim.DeviceConfig{}, nil)
	next[radar.Online](t, h, nil)
	got := frames(t, h, 20)
	checkIntact(t, h.dev, got)
	for i := 1; i < len(got); i++ {
		if got[i].Frame.Header.FrameNumber != got[i-1].Frame.Header.FrameNumber+1 {
			t.Fatalf("frame %d follows %d", got[i].Frame.Header.FrameNumber, got[i-1].Frame.Header.FrameNumber)
		}
	}
	var want []string
	for _, c := range radar.DefaultCommands() {
		if !strings.HasPrefix(c, "%") {
			want = append(want, c)
		}
	}
	if cmds := h.dev.Commands(); !reflect.DeepEqual(cmds, want) {
		t.Fatalf("radar received %q\nwant %q", cmds, want)
	}
	if s := h.r.Stats(); s.Online != 1 || s.BadLength != 0 || s.BadTLV != 0 || s.Skipped != 0 || s.Frames < 20 {
		t.Fatalf("stats %+v", s)
	}
}

// TestUnknownCommand: a command the firmware does not know is a clear
// Offline error naming it and quoting the radar; configuration stops there
// (no sensorStart) and is retried, without a second Offline.
func TestUnknownCommand(t *testing.T) {
	h := start(t, sim.DeviceConfig{}, func(c *radar.Config) {
		c.Commands = append(c.Commands[:5:5], append([]string{"fooCfg 1 2"}, c.Commands[5:]...)...)
	})
	off := next[radar.Offline](t, h, nil)
	if !errors.Is(off.Err, radar.ErrCommand) || !strings.Contains(off.Err.Error(), `"fooCfg 1 2"`) ||
		!strings.Contains(off.Err.Error(), "Error -1") {
		t.Fatalf("offline: %v", off.Err)
	}
	tries := func() int {
		n := 0
		for _, c := range h.dev.Commands() {
			if c == "sensorStart" {
				t.Fatal("sensorStart sent after a refused command")
			}
			if c == "fooCfg 1 2" {
				n++
			}
		}
		return n
	}
	for end := time.Now().Add(wait); tries() < 3; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("configuration not retried")
		}
	}
	h.mu.Lock()
	events := append([]radar.Event(nil), h.events...)
	h.mu.Unlock()
	if count[radar.Offline](events) != 1 || count[radar.Online](events) != 0 {
		t.Fatalf("events %v", events)
	}
	if s := h.r.Stats(); s.CommandErrors < 3 {
		t.Fatalf("stats %+v", s)
	}
}

// TestCommandTimeout: a command the firmware swallows is an Offline error
// naming it; once the firmware answers again the radar comes Online.
func TestCommandTimeout(t *testing.T) {
	h := start(t, sim.DeviceConfig{}, func(c *radar.Config) { c.ReplyTimeout = 200 * time.Millisecond })
	h.dev.Mute("sensorStart")
	off := next[radar.Offline](t, h, nil)
	if !errors.Is(off.Err, radar.ErrNoReply) || !strings.Contains(off.Err.Error(), `"sensorStart"`) ||
		!strings.Contains(off.Err.Error(), "200ms") {
		t.Fatalf("offline: %v", off.Err)
	}
	h.dev.Mute()
	next[radar.Online](t, h, nil)
	next[radar.FrameEvent](t, h, nil)
}

// TestCorruptFrames: with every third frame damaged on the wire, the
// damage is counted and reported as BadFrame, and every intact frame still
// arrives intact; no damaged frame is delivered.
func TestCorruptFrames(t *testing.T) {
	h := start(t, sim.DeviceConfig{CorruptEvery: 3, Seed: 1}, nil)
	next[radar.Online](t, h, nil)
	got := frames(t, h, 30)
	checkIntact(t, h.dev, got)
	last := got[len(got)-1].Frame.Header.FrameNumber
	var want, have []uint32
	for _, f := range h.dev.Sent() {
		if n := f.Header.FrameNumber; n <= last {
			want = append(want, n)
		}
	}
	for _, ev := range got {
		have = append(have, ev.Frame.Header.FrameNumber)
	}
	if !reflect.DeepEqual(have, want) {
		t.Fatalf("received %v\nintact   %v\ndamaged  %v", have, want, h.dev.Damaged())
	}
	s := h.r.Stats()
	if s.Skipped == 0 || s.BadLength == 0 || s.BadTLV == 0 {
		t.Fatalf("damage not counted: %+v", s)
	}
	var length, tlv bool
	for _, ev := range h.taken() {
		if b, ok := ev.(radar.BadFrame); ok {
			length = length || errors.Is(b.Err, radar.ErrLength)
			tlv = tlv || errors.Is(b.Err, radar.ErrTLV)
		}
	}
	if !length || !tlv {
		t.Fatalf("BadFrame events: length %v tlv %v", length, tlv)
	}
}

// TestStallAndResume: a radar that goes silent with its ports open raises
// Stalled (since its last frame), and Resumed before the next frame when
// it speaks again; it is not taken offline.
func TestStallAndResume(t *testing.T) {
	h := start(t, sim.DeviceConfig{StopAfter: 10}, nil)
	next[radar.Online](t, h, nil)
	got := frames(t, h, 10)
	st := next[radar.Stalled](t, h, nil)
	if !st.Since.Equal(got[9].At) || st.At.Sub(st.Since) < h.cfg.StallAfter {
		t.Fatalf("stalled %+v, last frame at %v", st, got[9].At)
	}
	h.dev.Resume()
	res := next[radar.Resumed](t, h, nil)
	f := next[radar.FrameEvent](t, h, nil)
	if !res.Since.Equal(st.Since) || f.Frame.Header.FrameNumber != 11 {
		t.Fatalf("resumed %+v, then frame %d", res, f.Frame.Header.FrameNumber)
	}
	events := h.taken()
	if count[radar.FrameEvent](events) != 11 || count[radar.Offline](events) != 0 || h.r.Stats().Stalls != 1 {
		t.Fatalf("events %v, stats %+v", events, h.r.Stats())
	}
}

// TestRestartAfterSilence: a radar silent for RestartAfter is taken
// Offline (ErrSilent), reopened and configured again.
func TestRestartAfterSilence(t *testing.T) {
	h := start(t, sim.DeviceConfig{StopAfter: 3}, func(c *radar.Config) { c.RestartAfter = 300 * time.Millisecond })
	next[radar.Online](t, h, nil)
	next[radar.Stalled](t, h, nil)
	if off := next[radar.Offline](t, h, nil); !errors.Is(off.Err, radar.ErrSilent) {
		t.Fatalf("offline: %v", off.Err)
	}
	next[radar.Online](t, h, nil)
	starts := 0
	for _, c := range h.dev.Commands() {
		if c == "sensorStart" {
			starts++
		}
	}
	if starts != 2 {
		t.Fatalf("sensorStart sent %d times", starts)
	}
	h.dev.Resume()
	next[radar.FrameEvent](t, h, nil)
}

// TestUnplugReconnect: pulling the radar's cable takes it Offline with
// ErrHangup; plugged back (new pseudo-terminals, same names) it is
// configured again, comes Online and frames flow.
func TestUnplugReconnect(t *testing.T) {
	h := start(t, sim.DeviceConfig{}, nil)
	next[radar.Online](t, h, nil)
	before := next[radar.FrameEvent](t, h, nil)
	if err := h.dev.Unplug(); err != nil {
		t.Fatal(err)
	}
	if off := next[radar.Offline](t, h, nil); !errors.Is(off.Err, radar.ErrHangup) {
		t.Fatalf("offline: %v", off.Err)
	}
	if err := h.dev.Replug(); err != nil {
		t.Fatal(err)
	}
	next[radar.Online](t, h, nil)
	got := frames(t, h, 5)
	if got[0].Frame.Header.FrameNumber <= before.Frame.Header.FrameNumber {
		t.Fatalf("frame %d after reconnect, %d before", got[0].Frame.Header.FrameNumber, before.Frame.Header.FrameNumber)
	}
	checkIntact(t, h.dev, got)
	if s := h.r.Stats(); s.Online != 2 || s.PortErrors == 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestPanicInPublish: a panic while a frame is handled costs that frame,
// not the driver: frames keep coming, the panic is counted.
func TestPanicInPublish(t *testing.T) {
	var once sync.Once
	h := start(t, sim.DeviceConfig{}, nil)
	h.mu.Lock()
	h.hook = func(ev radar.Event) {
		if _, ok := ev.(radar.FrameEvent); ok {
			once.Do(func() { panic("consumer bug") })
		}
	}
	h.mu.Unlock()
	next[radar.Online](t, h, nil)
	frames(t, h, 5)
	if s := h.r.Stats(); s.Panics != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// TestShutdown: Run returns promptly when ctx ends, even with publish
// blocked and after a reconnect; a second Run at the same time is refused;
// no goroutine of the driver or the simulator is left behind.
func TestShutdown(t *testing.T) {
	base := runtime.NumGoroutine()
	dev, err := sim.NewDevice(&sim.Slice{Frames: scene(), Loop: true}, sim.DeviceConfig{FramePeriod: 5 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	r, err := radar.New(serialConfig(dev), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan radar.Event) // unbuffered: publish blocks when not read
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, radar.SendTo(ctx, events)) }()
	take := func(want func(radar.Event) bool) {
		t.Helper()
		for deadline := time.After(wait); ; {
			select {
			case ev := <-events:
				if want(ev) {
					return
				}
			case <-deadline:
				t.Fatal("event did not come")
			}
		}
	}
	is := func(ev radar.Event) bool { _, ok := ev.(radar.FrameEvent); return ok }
	take(is)
	if err := r.Run(ctx, func(radar.Event) {}); err == nil {
		t.Fatal("second Run accepted")
	}
	dev.Unplug()
	take(func(ev radar.Event) bool { _, ok := ev.(radar.Offline); return ok })
	dev.Replug()
	take(is)
	// Stop reading: Run blocks in publish, and must still stop.
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(wait):
		t.Fatal("Run did not return")
	}
	if err := dev.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

// TestConfigValidate: openers are required, the commands must end with
// sensorStart and hold one line each, RestartAfter covers StallAfter.
func TestConfigValidate(t *testing.T) {
	open := func() (io.ReadWriteCloser, error) { return nil, errors.New("no port") }
	good := radar.DefaultConfig()
	good.CLI, good.Data = open, open
	if _, err := radar.New(good, nil); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*radar.Config)
		msg  string
	}{
		{"no opener", func(c *radar.Config) { c.Data = nil }, "openers are required"},
		{"no sensorStart", func(c *radar.Config) { c.Commands = c.Commands[:len(c.Commands)-1] }, `the last command is "motionDetection 1 20 2.0 0", want sensorStart`},
		{"line break", func(c *radar.Config) { c.Commands = append([]string{"sensorStop\nsensorStart"}, c.Commands...) }, "commands[0]"},
		{"restart before stall", func(c *radar.Config) { c.RestartAfter = time.Millisecond }, "restart_after 1ms is shorter than stall_after 1s"},
	} {
		c := good
		c.Commands = append([]string(nil), good.Commands...)
		tc.mod(&c)
		_, err := radar.New(c, nil)
		if !errors.Is(err, radar.ErrConfig) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
