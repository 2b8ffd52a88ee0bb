package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/palisade/palisade/vision/h264dec"
)

// Config shapes one camera's ingest.
type Config struct {
	// Name identifies the camera in logs and metrics ("yard-north").
	Name string
	// URL is the camera's stream, rtsp://[user:password@]host[:port]/path.
	URL string
	// Username and Password, when Username is set, replace the URL's
	// credentials (so the URL can be logged and shown as it is).
	Username, Password string
	// Transport is "tcp" (the default: survives busy switches and NAT),
	// "udp", or "auto" (UDP first, then TCP).
	Transport string

	// Width and Height are the analysis size of the frames Next returns
	// (both 0: the camera's own size; one 0: keep its aspect ratio).
	Width, Height int
	// Format is the pixel layout of the frames Next returns (Gray by
	// default, BGR for colour analytics).
	Format h264dec.PixelFormat
	// Threads is the number of decoding threads (default 1).
	Threads int

	// StallTimeout: a stream with no RTP packet for this long is stalled
	// and reconnected. Default 1.5 s, so loss is noticed within 2 s.
	StallTimeout time.Duration
	// FirstRetry is the wait before the first reconnection after a
	// failure (default 0.5 s); each further failure doubles it up to
	// MaxRetry (default 30 s), which is also the wait after a
	// configuration fault (wrong credentials, unsupported codec).
	FirstRetry, MaxRetry time.Duration
	// Jitter shortens each wait by up to this fraction (default 0.2; a
	// negative value disables it).
	Jitter float64
	// DialTimeout bounds the TCP connection and each RTSP request
	// (default 5 s).
	DialTimeout time.Duration
	// QueueFrames is how many received access units may wait for the
	// decoder (default 8, about half a second at 15 fps). When the decoder
	// falls that far behind, access units are shed up to the next key
	// frame rather than queued.
	QueueFrames int
	// DecodeErrorHold is how long a camera stays in DecodeErrors after
	// its last damaged picture (default 5 s).
	DecodeErrorHold time.Duration

	// OnAccessUnit, when set, receives every access unit depacketised
	// from the camera, in decode order, from the first key frame of each
	// session on — before the decoder's queue, so access units the
	// decoder sheds because it lags still reach it (evidence clips keep
	// every picture while analysis thins them). Key frames carry SPS and
	// PPS (from the SDP when the camera sends them out of band). t is the
	// picture's presentation time on Clock: the time the session's first
	// packet with a presentation time arrived, minus that time, plus the
	// access unit's own — exact frame spacing, no receive jitter.
	//
	// It runs on the session's RTP goroutine and must not block: a slow
	// callback stalls the stream (and, past StallTimeout, reconnects it).
	// The NAL units are shared with the decoder: the callback may keep
	// them but must not modify them.
	OnAccessUnit func(au [][]byte, t time.Time)

	// Clock is the time source (nil: the wall clock).
	Clock Clock
	// Dial opens TCP connections (nil: net.Dialer).
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// DefaultConfig returns the configuration of a camera with every default
// filled in.
func DefaultConfig(name, rawURL string) Config {
	c := Config{Name: name, URL: rawURL}
	c.defaults()
	return c
}

func (c *Config) defaults() {
	if c.Transport == "" {
		c.Transport = "tcp"
	}
	if c.Threads == 0 {
		c.Threads = 1
	}
	if c.StallTimeout == 0 {
		c.StallTimeout = 1500 * time.Millisecond
	}
	if c.FirstRetry == 0 {
		c.FirstRetry = 500 * time.Millisecond
	}
	if c.MaxRetry == 0 {
		c.MaxRetry = 30 * time.Second
	}
	if c.Jitter == 0 {
		c.Jitter = 0.2
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.QueueFrames == 0 {
		c.QueueFrames = 8
	}
	if c.DecodeErrorHold == 0 {
		c.DecodeErrorHold = 5 * time.Second
	}
	if c.Clock == nil {
		c.Clock = wallClock{}
	}
}

// Validate fills in defaults and checks the configuration. Errors name
// the field.
func (c *Config) Validate() error {
	c.defaults()
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("camera %q: %s: %s", c.Name, field, fmt.Sprintf(format, args...)))
	}
	if c.Name == "" {
		bad("name", "required")
	}
	u, err := url.Parse(c.URL)
	switch {
	case err != nil:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, password and all
		}
		bad("url", "cannot be parsed: %v", err)
	case u.Scheme != "rtsp" && u.Scheme != "rtsps":
		bad("url", "scheme %q, want rtsp or rtsps", u.Scheme)
	case u.Host == "":
		bad("url", "no host in %q", redact(c.URL))
	}
	if c.Transport != "tcp" && c.Transport != "udp" && c.Transport != "auto" {
		bad("transport", "%q, want tcp, udp or auto", c.Transport)
	}
	if err := (h264dec.Config{Width: c.Width, Height: c.Height, Format: c.Format, Threads: c.Threads}).Validate(); err != nil {
		bad("decoder", "%v", err)
	}
	if c.StallTimeout < 100*time.Millisecond {
		bad("stall_timeout", "%v is below 100ms", c.StallTimeout)
	}
	if c.FirstRetry < 0 || c.MaxRetry < c.FirstRetry {
		bad("retry", "first %v, max %v: want 0 ≤ first ≤ max", c.FirstRetry, c.MaxRetry)
	}
	if c.Jitter >= 1 {
		bad("jitter", "%v, want below 1", c.Jitter)
	}
	if c.QueueFrames < 1 || c.QueueFrames > 1000 {
		bad("queue_frames", "%d, want 1..1000", c.QueueFrames)
	}
	return errors.Join(errs...)
}

// redact hides the password of a URL for logs and status texts.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
