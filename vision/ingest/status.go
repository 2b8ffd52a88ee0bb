package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
)

// State is where a camera's connection stands.
type State int

// States, in the words a status line shows.
const (
	// Connecting: the first attempt to reach the camera is under way.
	Connecting State = iota
	// Streaming: pictures arrive and decode.
	Streaming
	// DecodeErrors: pictures arrive but some were damaged recently.
	DecodeErrors
	// Stalled: the camera was reached but its video stopped or never
	// started; Palisade reconnects.
	Stalled
	// Unreachable: no RTSP session could be set up (network, address, or
	// a camera-side error); Palisade retries with backoff.
	Unreachable
	// Unauthorized: the camera refused the configured credentials.
	Unauthorized
	// UnsupportedCodec: the camera offers no H.264 video.
	UnsupportedCodec
	// Stopped: Run has returned.
	Stopped
)

var stateNames = [...]string{"connecting", "streaming", "decode_errors", "stalled", "unreachable", "unauthorized", "unsupported_codec", "stopped"}

// String returns the state's stable snake_case name (for logs and metrics).
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Status is a camera's state with its explanation.
type Status struct {
	State State
	// Reason says what is wrong and what to do, for an officer or an
	// installer: "The camera refused the user name or password …".
	Reason string
	// Detail is the technical cause (an error text), for the log.
	Detail string
	// Since is when the camera entered State.
	Since time.Time
	// Failures counts connection attempts that failed since video last
	// arrived.
	Failures int
	// NextAttempt is when the next connection attempt starts; zero while
	// connected.
	NextAttempt time.Time
}

// Errors that end a session, besides those of the network and RTSP.
var (
	// errStalled: no RTP packet within StallTimeout.
	errStalled = errors.New("ingest: no RTP packet within the stall timeout")
)

// codecError: the camera offers no H.264 video; offered names what it has.
type codecError struct{ offered string }

func (e *codecError) Error() string {
	return "ingest: no H.264 video track; the camera offers " + e.offered
}

// failure is how a session ended, in the terms of a Status.
type failure struct {
	state       State
	reason      string
	configFault bool // retrying soon will not help
}

// classify turns the error that ended a session into a state and a reason.
// streamed says whether pictures had arrived in that session; host is the
// camera's address for the reason text.
func (c *Camera) classify(err error, streamed bool) failure {
	host := c.url.Host
	var bad liberrors.ErrClientBadStatusCode
	var codec *codecError
	var dns *net.DNSError
	var nerr net.Error
	switch {
	case errors.Is(err, errStalled):
		if streamed {
			return failure{state: Stalled, reason: fmt.Sprintf("Video from the camera stopped: nothing for %s. Reconnecting.", seconds(c.cfg.StallTimeout))}
		}
		return failure{state: Stalled, reason: fmt.Sprintf("The camera accepted the connection but sent no video for %s. Reconnecting.", seconds(c.cfg.StallTimeout))}
	case errors.As(err, &codec):
		return failure{state: UnsupportedCodec, configFault: true, reason: fmt.Sprintf(
			"The camera sends %s, which Palisade cannot decode. Set the camera's stream to H.264.", codec.offered)}
	case errors.As(err, &bad):
		switch bad.Code {
		case base.StatusUnauthorized:
			if c.url.User == nil {
				return failure{state: Unauthorized, configFault: true, reason: "The camera asks for a user name and password, and none is configured for it."}
			}
			return failure{state: Unauthorized, configFault: true, reason: "The camera refused the user name or password configured for it. Correct the camera's credentials."}
		case base.StatusForbidden:
			return failure{state: Unauthorized, configFault: true, reason: "The camera refused access to this user. Give the user permission to view the stream on the camera."}
		case base.StatusNotFound:
			return failure{state: Unreachable, reason: fmt.Sprintf("The camera at %s has no stream at %s. Check the stream address.", host, c.url.Path)}
		case base.StatusUnsupportedTransport:
			return failure{state: Unreachable, reason: fmt.Sprintf("The camera at %s does not accept the %s transport. Choose the other transport for it.", host, strings.ToUpper(c.cfg.Transport))}
		}
		return failure{state: Unreachable, reason: fmt.Sprintf("The camera at %s answered with an error (%d %s).", host, int(bad.Code), bad.Message)}
	case errors.As(err, &dns):
		return failure{state: Unreachable, reason: fmt.Sprintf("The camera's address %s cannot be found on the network. Check the address.", host)}
	case errors.Is(err, syscall.ECONNREFUSED):
		return failure{state: Unreachable, reason: fmt.Sprintf("The camera at %s refused the connection: it is not accepting video clients on that port. Check that it is powered on and the port is right.", host)}
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return failure{state: Unreachable, reason: fmt.Sprintf("There is no network route to the camera at %s. Check its cable and the network.", host)}
	case errors.As(err, &nerr) && nerr.Timeout(), errors.Is(err, context.DeadlineExceeded):
		if streamed {
			return failure{state: Stalled, reason: "Video from the camera stopped: the connection timed out. Reconnecting."}
		}
		return failure{state: Unreachable, reason: fmt.Sprintf("The camera at %s does not answer. Check that it is powered on and connected.", host)}
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed):
		if streamed {
			return failure{state: Stalled, reason: "Video from the camera stopped: it closed the connection. Reconnecting."}
		}
		return failure{state: Unreachable, reason: fmt.Sprintf("The camera at %s closed the connection before sending video.", host)}
	}
	if streamed {
		return failure{state: Stalled, reason: "Video from the camera stopped because of a protocol error. Reconnecting."}
	}
	return failure{state: Unreachable, reason: fmt.Sprintf("Palisade could not open a video session with the camera at %s.", host)}
}

func seconds(d time.Duration) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", d.Seconds()), ".0") + " s"
}

// Status returns the camera's current status.
func (c *Camera) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Watch returns the current status and a channel that is closed at the
// next change, so a caller can wait for changes without polling.
func (c *Camera) Watch() (Status, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status, c.statusCh
}

// setStatus changes the status and wakes watchers; Since moves only when
// the state changes.
func (c *Camera) setStatus(state State, reason, detail string, failures int, next time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setStatusLocked(state, reason, detail, failures, next)
}

func (c *Camera) setStatusLocked(state State, reason, detail string, failures int, next time.Time) {
	s := c.status
	if s.State == state && s.Reason == reason && s.Detail == detail && s.Failures == failures && s.NextAttempt.Equal(next) {
		return
	}
	if s.State != state {
		s.Since = c.clk.Now()
		c.log.Info("camera state", "state", state.String(), "reason", reason)
	}
	s.State, s.Reason, s.Detail, s.Failures, s.NextAttempt = state, reason, detail, failures, next
	c.status = s
	close(c.statusCh)
	c.statusCh = make(chan struct{})
}

// decodeError counts a damaged or undecodable picture and shows it in the
// status while video keeps arriving.
func (c *Camera) decodeError(err error) {
	c.n.decodeErrs.Add(1)
	now := c.clk.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := c.errTimes[:0]
	for _, t := range c.errTimes {
		if now.Sub(t) < c.cfg.DecodeErrorHold {
			keep = append(keep, t)
		}
	}
	c.errTimes = append(keep, now)
	if c.status.State == Streaming || c.status.State == DecodeErrors {
		reason := fmt.Sprintf("Video arrives, but %d pictures in the last %s were damaged; parts of the picture may smear until the next key frame.",
			len(c.errTimes), seconds(c.cfg.DecodeErrorHold))
		if len(c.errTimes) == 1 {
			reason = "Video arrives, but a picture was damaged; parts of the picture may smear until the next key frame."
		}
		c.setStatusLocked(DecodeErrors, reason, errText(err), 0, time.Time{})
	}
}
