package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/base"

	"github.com/palisade/palisade/vision/h264dec"
)

// ErrRunning is returned by Run while another Run of the same Camera is
// active.
var ErrRunning = errors.New("ingest: Run already active")

// Camera ingests one RTSP camera: it keeps a session open (reconnecting
// with backoff), decodes every picture, and hands the latest one to
// whoever asks, at their own pace.
//
// Run owns the connection; Next, Watch, Status and Stats may be called
// from any goroutine, before, during and after Run.
type Camera struct {
	cfg Config
	log *slog.Logger
	clk Clock
	url *base.URL // with the configured credentials

	mu        sync.Mutex
	status    Status
	statusCh  chan struct{} // closed and replaced when status changes
	pic       *h264dec.Picture
	picHurt   bool          // pic follows a loss or error since the last key frame
	picSeq    uint64        // camera-wide number of the latest picture
	picCh     chan struct{} // closed and replaced when a picture arrives
	handedSeq uint64        // latest picture handed to a consumer
	errTimes  []time.Time   // damaged pictures within DecodeErrorHold
	received  meter
	decoded   meter
	delivered meter
	width     int
	height    int
	anchor    *time.Time // presentation time 0 of the latest picture's session
	anchorSeq uint64     // the first picture with that anchor

	convMu sync.Mutex      // serialises conversions
	scaler *h264dec.Scaler // created by Next, freed when Run ends

	running atomic.Bool
	n       counters
}

// counters are the totals in Stats.
type counters struct {
	packets, bytes, lost         atomic.Uint64
	frames, decodedN, deliveredN atomic.Uint64
	skipped, shed, decodeErrs    atomic.Uint64
	sessions, superseded         atomic.Uint64
	lastPacket                   atomic.Int64 // UnixNano, clock time
}

// New builds a Camera; Run starts it.
func New(cfg Config, log *slog.Logger) (*Camera, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, err := base.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("camera %q: url: %w", cfg.Name, err)
	}
	if cfg.Username != "" {
		u.User = urlUser(cfg.Username, cfg.Password)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Camera{
		cfg:      cfg,
		log:      log.With("component", "camera", "camera", cfg.Name),
		clk:      cfg.Clock,
		url:      u,
		statusCh: make(chan struct{}),
		picCh:    make(chan struct{}),
	}
	c.status = Status{State: Connecting, Reason: "Connecting to the camera.", Since: c.clk.Now()}
	return c, nil
}

// Name returns the camera's configured name.
func (c *Camera) Name() string { return c.cfg.Name }

// Run connects and keeps the camera streaming until ctx ends, then returns
// nil with the status Stopped. Connection failures are not errors of Run:
// they show in the status, and Run retries — after FirstRetry, doubling up
// to MaxRetry while failures repeat, and after MaxRetry at once for a
// configuration fault.
func (c *Camera) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer c.running.Store(false)
	defer c.stop()
	c.setStatus(Connecting, "Connecting to the camera.", "", 0, time.Time{})
	failures := 0
	for {
		streamed, err := c.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if streamed {
			failures = 0
		}
		f := c.classify(err, streamed)
		delay := retryDelay(&c.cfg, failures, f.configFault, nil)
		failures++
		next := c.clk.Now().Add(delay)
		c.setStatus(f.state, f.reason, errText(err), failures, next)
		c.log.Warn("camera down", "state", f.state.String(), "err", err, "retry_in", delay, "failures", failures)
		select {
		case <-ctx.Done():
			return nil
		case <-c.clk.After(delay):
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// stop records that Run ended and drops the last picture.
func (c *Camera) stop() {
	c.dropPicture()
	c.setStatus(Stopped, "Video ingest for this camera is stopped.", "", 0, time.Time{})
	c.convMu.Lock()
	defer c.convMu.Unlock()
	if c.scaler != nil {
		c.scaler.Close()
		c.scaler = nil
	}
}
