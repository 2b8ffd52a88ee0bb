package rfid

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/palisade/palisade/firmware-sim/pty"
	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	wire "github.com/palisade/palisade/sensors/rfid"
)

// Config describes a simulated doorway reader.
type Config struct {
	// Link is where the serial port appears: a symlink (in a temporary
	// directory) to the pseudo-terminal's slave, stable across Unplug and
	// Plug.
	Link string
	// Scenario and Doorway say which tags the antennas see: antenna 0
	// faces the doorway's zone A, antenna 1 zone B.
	Scenario *scenario.Scenario
	Doorway  string
	// Now is the scenario clock: who is in view is decided at Now() when
	// a round starts. Default time.Now.
	Now func() time.Time
	// Addr is the reader's address; it answers commands to Addr and to
	// wire.AddrPublic, from Addr.
	Addr byte
	// Firmware is what CmdGetFirmwareVersion answers. Default 1.7.
	Firmware wire.Version
	// Ports is the number of antennas connected (ports 0…Ports-1); an
	// inventory on another port fails with antenna_missing_error.
	// Default 2.
	Ports int
	// RoundTime is how long an inventory round takes, tag reports first,
	// then the end of round. Default 20 ms.
	RoundTime time.Duration
	// MissRate is the chance that a tag in view is not read in a round
	// (e.g. 0.05).
	MissRate float64
	// CorruptRate is the chance that a frame the reader sends is damaged
	// on the line (see radio.damage).
	CorruptRate float64
	// NoiseDB is the RSSI noise's standard deviation; 0 means 2 dB, a
	// negative value none.
	NoiseDB float64
	// Seed makes misses, noise, hops and damage reproducible.
	Seed int64
}

// Stats counts what the simulated reader did. The ground truth of who
// walked where is in the Scenario.
type Stats struct {
	Commands   uint64    // commands accepted (own or public address)
	Ignored    uint64    // commands for another address
	Rounds     [4]uint64 // inventory rounds run, per antenna
	TagReports uint64    // tag reports sent (before any damage)
	Missed     uint64    // reads of tags in view left out by MissRate
	Refused    uint64    // error replies sent
	Corrupted  uint64    // frames damaged on the way out
	Rejected   uint64    // bytes of commands that did not decode
}

// Reader is a simulated R2000 doorway reader on a pseudo-terminal. Its
// methods are safe for concurrent use with the serving goroutine.
type Reader struct {
	cfg Config

	mu      sync.Mutex // guards the state below
	radio   *radio
	ant     int
	power   [4]int
	beeper  byte
	silent  bool
	corrupt float64
	missing [4]bool
	stats   Stats

	plugMu sync.Mutex // guards pair, cancel; serialises Plug and Unplug
	pair   *pty.Pair
	cancel context.CancelFunc
	wg     sync.WaitGroup
	dec    wire.Decoder // used by the serving goroutine only
}

// Open starts a reader: it opens a pseudo-terminal, links cfg.Link to it
// and answers commands until Close.
func Open(cfg Config) (*Reader, error) {
	if cfg.Link == "" {
		return nil, errors.New("rfidsim: no link path")
	}
	if cfg.Scenario == nil {
		return nil, errors.New("rfidsim: no scenario")
	}
	if _, ok := cfg.Scenario.Doorway(cfg.Doorway); !ok {
		return nil, fmt.Errorf("rfidsim: doorway %q is not in the scenario", cfg.Doorway)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Firmware == (wire.Version{}) {
		cfg.Firmware = wire.Version{Major: 1, Minor: 7}
	}
	if cfg.Ports <= 0 {
		cfg.Ports = 2
	}
	if cfg.RoundTime <= 0 {
		cfg.RoundTime = 20 * time.Millisecond
	}
	r := &Reader{cfg: cfg, radio: newRadio(cfg.Seed, cfg.MissRate, cfg.NoiseDB), corrupt: cfg.CorruptRate,
		power: [4]int{wire.MaxPower, wire.MaxPower, wire.MaxPower, wire.MaxPower}}
	for p := cfg.Ports; p < 4; p++ {
		r.missing[p] = true
	}
	if err := r.Plug(); err != nil {
		return nil, err
	}
	return r, nil
}

// Path is the port name to give the driver.
func (r *Reader) Path() string { return r.cfg.Link }

// Plug opens a fresh pseudo-terminal, points the link at it and starts
// answering. Plugging a plugged reader does nothing.
func (r *Reader) Plug() error {
	r.plugMu.Lock()
	defer r.plugMu.Unlock()
	if r.pair != nil {
		return nil
	}
	p, err := pty.Open()
	if err != nil {
		return err
	}
	if err := p.Link(r.cfg.Link); err != nil {
		p.Close()
		return err
	}
	r.dec.Reset()
	ctx, cancel := context.WithCancel(context.Background())
	r.pair, r.cancel = p, cancel
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.serve(ctx, p.Master)
	}()
	return nil
}

// Unplug removes the link and closes the pseudo-terminal, as pulling the
// USB adapter would: the driver's port hangs up and reopening it fails
// until Plug. It waits for the serving goroutine.
func (r *Reader) Unplug() error {
	r.plugMu.Lock()
	defer r.plugMu.Unlock()
	if r.pair == nil {
		return nil
	}
	r.cancel()
	err := errors.Join(os.Remove(r.cfg.Link), r.pair.Close()) // Close interrupts a blocked write
	r.wg.Wait()
	r.pair = nil
	return err
}

// Close unplugs the reader.
func (r *Reader) Close() error { return r.Unplug() }

// SetSilent makes the reader ignore every command (true), as a hung
// reader on a live line would, or answer again.
func (r *Reader) SetSilent(s bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.silent = s
}

// SetMissRate changes the chance that a tag in view goes unread.
func (r *Reader) SetMissRate(p float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.radio.miss = p
}

// SetCorruptRate changes the chance that a frame is damaged on the line.
func (r *Reader) SetCorruptRate(p float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.corrupt = p
}

// SetAntennaMissing disconnects (true) or reconnects the antenna on port
// ant: inventories there fail with antenna_missing_error.
func (r *Reader) SetAntennaMissing(ant int, missing bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ant >= 0 && ant < 4 {
		r.missing[ant] = missing
	}
}

// Power returns the output power of port ant, in dBm.
func (r *Reader) Power(ant int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.power[ant&3]
}

// WorkAntenna returns the antenna selected by the last set-work-antenna.
func (r *Reader) WorkAntenna() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ant
}

// Stats returns the counters.
func (r *Reader) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.Rejected = r.dec.Stats.Skipped.Load()
	return s
}
