package rfid

import (
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"
)

// Defaults for zero Config fields.
const (
	DefaultPower        = 30 // dBm
	DefaultRepeat       = 1
	DefaultReplyTimeout = 500 * time.Millisecond
	DefaultMaxMisses    = 3
	DefaultBackoff      = 250 * time.Millisecond
	DefaultMaxBackoff   = 10 * time.Second
)

// Config configures a Reader. Zero fields take the defaults above.
type Config struct {
	// Name identifies the reader in logs and events: the facility's device
	// id, e.g. "hb-a-rfid".
	Name string
	// Open opens the port. It is called again after the port fails. Reads
	// on the port must return within a short time when no data comes
	// (a serial read timeout), with (0, io.EOF) or (0, nil): see
	// SerialOpener.
	Open func() (io.ReadWriteCloser, error)
	// Addr is the reader's address on the line. Commands go to it and only
	// replies from it are accepted; AddrPublic (0xFF) reaches, and accepts,
	// any reader. Most readers leave the factory at 0x01.
	Addr byte
	// Antennas are the ports cycled, in order, one inventory round each:
	// a doorway reader has {0, 1}, one antenna facing each side. Each
	// 0–3. Default {0, 1}.
	Antennas []int
	// Power is the output power in dBm, 1–33, set on every (re)connect.
	Power int
	// Repeat is the repeat byte of each real-time inventory command,
	// 1–255: how many inventory rounds the reader runs on the antenna
	// before the end-of-round reply.
	Repeat int
	// ReplyTimeout is the longest silence tolerated while waiting for a
	// reply; within an inventory round each tag report restarts it, and
	// the whole round may last at most ten of them.
	ReplyTimeout time.Duration
	// MaxMisses is how many commands in a row may go unanswered before
	// the port is closed and reopened. The second miss in a row raises a
	// ReaderError.
	MaxMisses int
	// Backoff is the first wait before reopening a failed port; it
	// doubles up to MaxBackoff and starts over once the reader is online.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Now stamps events. Give the driver the simulator's clock in tests so
	// that Read.At compares with the simulator's ground truth. Timeouts
	// and backoff run on the real clock: they are about the serial line.
	Now func() time.Time
}

// Validate fills in defaults and checks the configuration.
func (c *Config) Validate() error {
	if c.Open == nil {
		return fmt.Errorf("%w: open: no port opener", ErrConfig)
	}
	if c.Antennas == nil {
		c.Antennas = []int{0, 1}
	}
	if len(c.Antennas) == 0 {
		return fmt.Errorf("%w: antennas: none", ErrConfig)
	}
	for i, a := range c.Antennas {
		if a < 0 || a > 3 {
			return fmt.Errorf("%w: antennas[%d]: %d outside 0…3", ErrConfig, i, a)
		}
	}
	if c.Power == 0 {
		c.Power = DefaultPower
	}
	if c.Power < 1 || c.Power > MaxPower {
		return fmt.Errorf("%w: power: %d dBm outside 1…%d", ErrConfig, c.Power, MaxPower)
	}
	if c.Repeat == 0 {
		c.Repeat = DefaultRepeat
	}
	if c.Repeat < 1 || c.Repeat > 255 {
		return fmt.Errorf("%w: repeat: %d outside 1…255", ErrConfig, c.Repeat)
	}
	if c.ReplyTimeout <= 0 {
		c.ReplyTimeout = DefaultReplyTimeout
	}
	if c.MaxMisses <= 0 {
		c.MaxMisses = DefaultMaxMisses
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultBackoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.MaxBackoff < c.Backoff {
		c.MaxBackoff = c.Backoff
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Stats counts what a Reader saw. Read with Reader.Stats.
type Stats struct {
	Frames, BadChecksum, BadLength, Skipped uint64 // framing layer
	BadPayload                              uint64 // frames that framed but did not parse
	Stray                                   uint64 // frames from another address, or late replies
	Reads                                   uint64 // Read events
	Rounds                                  uint64 // completed inventory rounds
	Timeouts                                uint64 // commands unanswered within ReplyTimeout
	Refusals                                uint64 // error replies
	PortErrors                              uint64 // opens or I/O that failed
	Connects                                uint64 // times Online was reached
	Panics                                  uint64 // recovered panics
}

// Reader drives one R2000-class reader. Build it with New and run it
// with Run.
type Reader struct {
	cfg Config
	log *slog.Logger

	running atomic.Bool
	dec     Decoder // owned by Run; its Stats are atomic

	badPayload, stray, reads, rounds, timeouts atomic.Uint64
	refusals, portErrs, connects, panics       atomic.Uint64
}

// New builds a Reader. logger may be nil.
func New(cfg Config, logger *slog.Logger) (*Reader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg.Antennas = append([]int(nil), cfg.Antennas...)
	return &Reader{cfg: cfg, log: logger.With("component", "rfid", "device", cfg.Name)}, nil
}

// Stats returns the counters. Safe to call at any time.
func (r *Reader) Stats() Stats {
	d := &r.dec.Stats
	return Stats{
		Frames: d.Frames.Load(), BadChecksum: d.BadChecksum.Load(), BadLength: d.BadLength.Load(),
		Skipped: d.Skipped.Load(), BadPayload: r.badPayload.Load(), Stray: r.stray.Load(),
		Reads: r.reads.Load(), Rounds: r.rounds.Load(), Timeouts: r.timeouts.Load(),
		Refusals: r.refusals.Load(), PortErrors: r.portErrs.Load(), Connects: r.connects.Load(),
		Panics: r.panics.Load(),
	}
}
