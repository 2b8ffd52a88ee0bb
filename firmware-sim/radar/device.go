package radar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/palisade/palisade/firmware-sim/pty"
	wire "github.com/palisade/palisade/sensors/radar"
)

// Header values the device reports unless the Source sets them.
const (
	Version  = 0x03060000 // SDK 3.6.0.0
	Platform = 0xA6843
)

// DeviceConfig configures a simulated radar.
type DeviceConfig struct {
	// Dir holds the two links the driver opens, Dir/cli and Dir/data. Empty:
	// a new temporary directory, removed by Close.
	Dir string
	// FramePeriod is the time between frames while streaming; default
	// 100 ms (the frameCfg periodicity is not interpreted).
	FramePeriod time.Duration
	// CorruptEvery damages every n-th frame (0: none). The TI format has
	// no checksum, so a flipped payload bit cannot be detected by anyone;
	// the damage therefore goes where a receiver can see it, in turn:
	// garbage (a partial magic word, a fake header with an impossible
	// length) before an intact frame; a flipped magic-word byte; a
	// garbled TLV length; a totalPacketLen that lies upwards.
	CorruptEvery int
	// StopAfter makes the radar go silent after that many frames, ports
	// open and CLI answering, until Resume (0: never).
	StopAfter int
	// Seed seeds the garbage.
	Seed uint64
}

// Device is a simulated radar on two pseudo-terminals. Its methods are
// safe for concurrent use.
type Device struct {
	src    Source
	cfg    DeviceConfig
	log    *slog.Logger
	dir    string
	ownDir bool
	boot   time.Time

	plugMu sync.Mutex // serialises Start, Unplug, Replug, Close; guards cli…closed
	cli    *pty.Pair
	data   *pty.Pair
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed bool

	mu           sync.Mutex // guards the state below, shared with the serving goroutines
	streaming    bool       // between sensorStart and sensorStop
	silent       bool       // StopAfter reached
	sceneOver    bool
	stopAfter    int // frames left before going silent; 0: not armed
	corruptEvery int
	frameNo      uint32
	damagedN     int
	muted        map[string]bool
	commands     []string
	sent         []wire.Frame
	damaged      []uint32
	rng          *rand.Rand
}

// NewDevice builds an unplugged radar playing src; Start plugs it in.
// log may be nil.
func NewDevice(src Source, cfg DeviceConfig, log *slog.Logger) (*Device, error) {
	if src == nil {
		return nil, errors.New("radarsim: no source")
	}
	if cfg.FramePeriod <= 0 {
		cfg.FramePeriod = 100 * time.Millisecond
	}
	if cfg.CorruptEvery < 0 || cfg.StopAfter < 0 {
		return nil, fmt.Errorf("radarsim: corrupt_every %d, stop_after %d: want ≥ 0", cfg.CorruptEvery, cfg.StopAfter)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Device{
		src: src, cfg: cfg, log: log.With("component", "radarsim"), dir: cfg.Dir, boot: time.Now(),
		stopAfter: cfg.StopAfter, corruptEvery: cfg.CorruptEvery, muted: map[string]bool{},
		rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9E3779B97F4A7C15)),
	}
	if d.dir != "" {
		if err := os.MkdirAll(d.dir, 0o700); err != nil {
			return nil, fmt.Errorf("radarsim: %w", err)
		}
	}
	if d.dir == "" {
		dir, err := os.MkdirTemp("", "radarsim-")
		if err != nil {
			return nil, fmt.Errorf("radarsim: %w", err)
		}
		d.dir, d.ownDir = dir, true
	}
	return d, nil
}

// CLIPath is the name of the CLI UART to give to the driver: a link to the
// current pseudo-terminal, stable across Unplug and Replug as
// /dev/serial/by-id names are.
func (d *Device) CLIPath() string { return filepath.Join(d.dir, "cli") }

// DataPath is the name of the data UART, stable like CLIPath.
func (d *Device) DataPath() string { return filepath.Join(d.dir, "data") }

// Start plugs the radar in: it opens both pseudo-terminals, prints the
// boot banner on the CLI and waits for commands. Starting a plugged radar
// does nothing.
func (d *Device) Start() error { return d.plug() }

// Replug plugs an unplugged radar back in. It behaves like a power cycle:
// new pseudo-terminals (new /dev/pts numbers) behind the same CLIPath and
// DataPath, and a radar that forgot its configuration and does not stream
// until sensorStart. Frame numbers carry on from before the unplug (a real
// radar starts again at 1) so that tests can match frames to Sent
// unambiguously.
func (d *Device) Replug() error { return d.plug() }

func (d *Device) plug() error {
	d.plugMu.Lock()
	defer d.plugMu.Unlock()
	if d.closed {
		return errors.New("radarsim: closed")
	}
	if d.cli != nil {
		return nil
	}
	cli, err := pty.Open()
	if err != nil {
		return err
	}
	data, err := pty.Open()
	if err != nil {
		cli.Close()
		return err
	}
	if _, err := cli.Master.Write([]byte(banner + prompt)); err != nil {
		return errors.Join(err, cli.Close(), data.Close())
	}
	if err := errors.Join(cli.Link(d.CLIPath()), data.Link(d.DataPath())); err != nil {
		return errors.Join(err, cli.Close(), data.Close())
	}
	d.mu.Lock()
	d.streaming = false
	d.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	d.cli, d.data, d.cancel = cli, data, cancel
	d.wg.Add(2)
	go func() {
		defer d.wg.Done()
		d.serveCLI(cli.Master)
	}()
	go func() {
		defer d.wg.Done()
		d.stream(ctx, data.Master)
	}()
	d.log.Info("radar plugged in", "cli", cli.Path, "data", data.Path)
	return nil
}

// Unplug pulls the cable: the links disappear and both pseudo-terminals
// close, so a driver holding them open sees its ports hang up. It waits
// for the serving goroutines. Unplugging an unplugged radar does nothing.
func (d *Device) Unplug() error {
	d.plugMu.Lock()
	defer d.plugMu.Unlock()
	return d.unplug()
}

func (d *Device) unplug() error {
	if d.cli == nil {
		return nil
	}
	err := errors.Join(os.Remove(d.CLIPath()), os.Remove(d.DataPath()))
	d.cancel()
	err = errors.Join(err, d.cli.Close(), d.data.Close()) // ends pending reads and writes
	d.wg.Wait()
	d.cli, d.data = nil, nil
	d.log.Info("radar unplugged")
	return err
}

// Close unplugs the radar for good and removes the directory it made.
func (d *Device) Close() error {
	d.plugMu.Lock()
	defer d.plugMu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	err := d.unplug()
	if d.ownDir {
		err = errors.Join(err, os.RemoveAll(d.dir))
	}
	return err
}

// SetCorruptEvery changes DeviceConfig.CorruptEvery.
func (d *Device) SetCorruptEvery(n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.corruptEvery = n
}

// SetStopAfter makes the radar go silent after n more frames (0 disarms).
func (d *Device) SetStopAfter(n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopAfter = n
}

// Resume ends a silence caused by StopAfter (and disarms it): frames flow
// again if the radar is started.
func (d *Device) Resume() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.silent, d.stopAfter = false, 0
}

// Mute makes the CLI swallow the named commands (e.g. "sensorStart"):
// echo, but no Done, no Error, no prompt, as a wedged firmware does. Mute()
// answers everything again.
func (d *Device) Mute(names ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.muted = map[string]bool{}
	for _, n := range names {
		d.muted[n] = true
	}
}

// Commands returns the command lines received, in order, since NewDevice.
func (d *Device) Commands() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.commands)
}

// Sent returns the frames written intact to the data UART, as they decode
// from the bytes sent (header filled in, padding counted).
func (d *Device) Sent() []wire.Frame {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.sent)
}

// Damaged returns the frame numbers of the frames sent damaged.
func (d *Device) Damaged() []uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.damaged)
}

// Streaming reports whether the radar is between sensorStart and
// sensorStop.
func (d *Device) Streaming() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.streaming
}

// SceneOver reports whether the Source has ended.
func (d *Device) SceneOver() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sceneOver
}
