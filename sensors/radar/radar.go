package radar

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// Stats counts what a Radar saw. Read with Radar.Stats.
type Stats struct {
	Frames, BadLength, BadTLV, Skipped uint64 // framing layer (DecoderStats)

	Online        uint64 // times the radar was configured and came online
	Stalls        uint64 // Stalled events
	PortErrors    uint64 // ports that failed to open, hung up or failed a read or write
	CommandErrors uint64 // CLI commands refused or not answered
	Panics        uint64 // panics recovered while handling data
}

// Radar is the driver of one TI mmWave radar: it owns the CLI and data
// UARTs, configures the radar and publishes what it reports. Build it with
// New and run it with Run.
type Radar struct {
	cfg Config
	log *slog.Logger

	running atomic.Bool // a Run is going

	online, stalls, portErrs, cmdErrs, panics atomic.Uint64

	// owned by Run
	dec    Decoder
	badLog limiter
}

// New builds a Radar. cfg is validated (see Config.Validate); log may be
// nil.
func New(cfg Config, log *slog.Logger) (*Radar, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Radar{cfg: cfg, log: log.With("component", "radar", "device", cfg.Name)}, nil
}

// Stats returns the counters. Safe to call at any time.
func (r *Radar) Stats() Stats {
	d := &r.dec.Stats
	return Stats{
		Frames: d.Frames.Load(), BadLength: d.BadLength.Load(), BadTLV: d.BadTLV.Load(), Skipped: d.Skipped.Load(),
		Online: r.online.Load(), Stalls: r.stalls.Load(), PortErrors: r.portErrs.Load(),
		CommandErrors: r.cmdErrs.Load(), Panics: r.panics.Load(),
	}
}

// limiter lets one log line through per interval and counts the rest.
type limiter struct {
	last       time.Time
	suppressed int
}

// allow reports whether to log now, and how many were suppressed since
// the last line that was let through.
func (l *limiter) allow(now time.Time, every time.Duration) (bool, int) {
	if !l.last.IsZero() && now.Sub(l.last) < every {
		l.suppressed++
		return false, 0
	}
	n := l.suppressed
	l.last, l.suppressed = now, 0
	return true, n
}
