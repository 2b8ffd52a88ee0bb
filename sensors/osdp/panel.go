package osdp

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// ReaderConfig is one PD on the bus.
type ReaderConfig struct {
	Addr int // 0x00–0x7E
	// SCBK is the reader's own secure channel base key. nil means the
	// reader is not commissioned: with Secure, the panel opens the secure
	// channel with SCBK-D, ready for Panel.Commission.
	SCBK   []byte
	Secure bool // talk to this reader only over the secure channel
}

// Config configures a Panel. Zero durations take the defaults.
type Config struct {
	Port         string // serial device, e.g. /dev/ttyUSB0 (used by New's opener)
	Baud         int    // default 9600
	Readers      []ReaderConfig
	PollInterval time.Duration // time between polls of each reader; default 200 ms
	ReplyTimeout time.Duration // wait for a reply; default 200 ms
	OfflineAfter time.Duration // silence before Offline; default 1 s (≈3 missed polls)
	ReopenEvery  time.Duration // retry interval when the port is gone; default 1 s
	Mark         bool          // send the 0xFF mark byte before each frame
	Logger       *slog.Logger
	Now          func() time.Time // clock for event times and offline decisions
	Rand         io.Reader        // source of cp_random; default crypto/rand
}

// Validate fills in defaults and checks the configuration.
func (c *Config) Validate() error {
	if c.Baud == 0 {
		c.Baud = 9600
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 200 * time.Millisecond
	}
	if c.ReplyTimeout <= 0 {
		c.ReplyTimeout = 200 * time.Millisecond
	}
	if c.OfflineAfter <= 0 {
		c.OfflineAfter = time.Second
	}
	if c.ReopenEvery <= 0 {
		c.ReopenEvery = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if len(c.Readers) == 0 {
		return fmt.Errorf("osdp: readers: none configured")
	}
	seen := map[int]bool{}
	for i, r := range c.Readers {
		if r.Addr < 0 || r.Addr > 0x7E {
			return fmt.Errorf("osdp: readers[%d].addr: %d outside 0…126", i, r.Addr)
		}
		if seen[r.Addr] {
			return fmt.Errorf("osdp: readers[%d].addr: %d used twice", i, r.Addr)
		}
		seen[r.Addr] = true
		if r.SCBK != nil && len(r.SCBK) != 16 {
			return fmt.Errorf("osdp: readers[%d].scbk: %d bytes, want 16", i, len(r.SCBK))
		}
		if r.SCBK != nil && !r.Secure {
			return fmt.Errorf("osdp: readers[%d]: scbk set but secure is off", i)
		}
	}
	return nil
}

// Opener opens the bus; the panel calls it again after the port fails.
type Opener func() (io.ReadWriteCloser, error)

// Stats counts frames and faults seen by a Panel. Read with Panel.Stats.
type Stats struct {
	Frames, BadCRC, BadLength, BadOther, Skipped uint64 // framing layer
	BadMAC, BadSequence, Timeouts, PortErrors    uint64
}

// Panel is an OSDP control panel: it owns one bus and polls the readers
// on it. Build it with New, run it with Run, read Events.
type Panel struct {
	cfg    Config
	open   Opener
	log    *slog.Logger
	events chan Event
	pds    []*pd
	byAddr map[int]*pd

	mu                                 sync.Mutex // guards pd.queue
	dec                                Decoder
	badMAC, badSeq, timeouts, portErrs atomic.Uint64

	// owned by Run
	port io.ReadWriteCloser
	rbuf []byte
}

// maxQueue bounds the commands waiting for one reader.
const maxQueue = 16

type queued struct {
	code byte
	data []byte
	key  []byte // KEYSET: the new SCBK
}

// New builds a Panel that opens cfg.Port with tarm/serial.
func New(cfg Config) (*Panel, error) {
	return NewWithOpener(cfg, func() (io.ReadWriteCloser, error) { return OpenSerial(cfg.Port, cfg.Baud) })
}

// NewWithOpener builds a Panel on any byte transport. Reads must return
// within a short time when no data comes (a serial read timeout), with
// (0, io.EOF) or (0, nil).
func NewWithOpener(cfg Config, open Opener) (*Panel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Panel{
		cfg: cfg, open: open, events: make(chan Event, 64), byAddr: map[int]*pd{},
		log:  cfg.Logger.With("component", "osdp", "port", cfg.Port),
		rbuf: make([]byte, 512),
	}
	for _, rc := range cfg.Readers {
		d := &pd{cfg: rc, addr: byte(rc.Addr), scbk: rc.SCBK}
		p.pds = append(p.pds, d)
		p.byAddr[rc.Addr] = d
	}
	return p, nil
}

// Events delivers what the panel observes. Run blocks on a full channel
// (64 events) until the consumer catches up or ctx ends, so read it.
func (p *Panel) Events() <-chan Event { return p.events }

// Stats returns the counters. Safe to call at any time.
func (p *Panel) Stats() Stats {
	d := &p.dec.Stats
	return Stats{
		Frames: d.Frames.Load(), BadCRC: d.BadCRC.Load(), BadLength: d.BadLength.Load(),
		BadOther: d.BadOther.Load(), Skipped: d.Skipped.Load(),
		BadMAC: p.badMAC.Load(), BadSequence: p.badSeq.Load(),
		Timeouts: p.timeouts.Load(), PortErrors: p.portErrs.Load(),
	}
}

// LED queues an LED command for the reader at addr; it is sent by the
// poll loop once the reader is online. Safe for concurrent use.
func (p *Panel) LED(addr int, cmd LEDCommand) error {
	return p.enqueue(addr, queued{code: CmdLED, data: cmd.Marshal()})
}

// Buzz queues a buzzer command. Safe for concurrent use.
func (p *Panel) Buzz(addr int, cmd BuzzerCommand) error {
	return p.enqueue(addr, queued{code: CmdBUZ, data: cmd.Marshal()})
}

// Commission queues KEYSET: inside the current secure channel (SCBK-D for
// a new reader) the reader is given key as its SCBK, then the panel
// re-establishes the channel with it and reports Commissioned. The reader
// must be configured Secure. Keep key: it is the reader's only key now.
func (p *Panel) Commission(addr int, key []byte) error {
	data, err := MarshalKeySet(key)
	if err != nil {
		return err
	}
	if d := p.byAddr[addr]; d != nil && !d.cfg.Secure {
		return fmt.Errorf("osdp: reader %d: commissioning needs secure: true", addr)
	}
	return p.enqueue(addr, queued{code: CmdKEYSET, data: data, key: append([]byte(nil), key...)})
}

func (p *Panel) enqueue(addr int, q queued) error {
	d := p.byAddr[addr]
	if d == nil {
		return fmt.Errorf("%w: address %d", ErrUnknownReader, addr)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(d.queue) >= maxQueue {
		return fmt.Errorf("%w: reader %d has %d waiting", ErrQueueFull, addr, len(d.queue))
	}
	d.queue = append(d.queue, q)
	return nil
}

func (p *Panel) dequeue(d *pd) (queued, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(d.queue) == 0 {
		return queued{}, false
	}
	q := d.queue[0]
	d.queue = d.queue[1:]
	return q, true
}
