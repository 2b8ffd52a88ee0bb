package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// Every way a session ends maps to a state, and the reason tells an
// officer what is wrong without jargon or the password.
func TestClassify(t *testing.T) {
	cam, err := New(Config{Name: "gate", URL: "rtsp://admin:hunter2@10.1.2.3:554/stream1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	anon, err := New(Config{Name: "gate", URL: "rtsp://10.1.2.3:554/stream1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	cases := []struct {
		name     string
		cam      *Camera
		err      error
		streamed bool
		state    State
		says     string
		config   bool
	}{
		{"stalled after video", cam, fmt.Errorf("%w (1.5s)", errStalled), true, Stalled, "stopped: nothing for 1.5 s", false},
		{"never sent video", cam, errStalled, false, Stalled, "sent no video", false},
		{"wrong password", cam, liberrors.ErrClientBadStatusCode{Code: base.StatusUnauthorized}, false, Unauthorized, "refused the user name or password", true},
		{"no password", anon, liberrors.ErrClientBadStatusCode{Code: base.StatusUnauthorized}, false, Unauthorized, "none is configured", true},
		{"forbidden", cam, liberrors.ErrClientBadStatusCode{Code: base.StatusForbidden}, false, Unauthorized, "refused access", true},
		{"no such path", cam, liberrors.ErrClientBadStatusCode{Code: base.StatusNotFound}, false, Unreachable, "no stream at /stream1", false},
		{"transport", cam, liberrors.ErrClientBadStatusCode{Code: base.StatusUnsupportedTransport}, false, Unreachable, "does not accept the TCP transport", false},
		{"camera error", cam, liberrors.ErrClientBadStatusCode{Code: 503, Message: "Service Unavailable"}, false, Unreachable, "503 Service Unavailable", false},
		{"codec", cam, &codecError{offered: "H.265 (HEVC) video"}, false, UnsupportedCodec, "sends H.265 (HEVC) video", true},
		{"refused", cam, refused, false, Unreachable, "refused the connection", false},
		{"no route", cam, &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}, false, Unreachable, "no network route", false},
		{"dns", cam, &net.DNSError{Err: "no such host", Name: "cam.local", IsNotFound: true}, false, Unreachable, "cannot be found", false},
		{"no answer", cam, &net.OpError{Op: "dial", Err: timeoutErr{}}, false, Unreachable, "does not answer", false},
		{"deadline", cam, context.DeadlineExceeded, false, Unreachable, "does not answer", false},
		{"closed while streaming", cam, io.EOF, true, Stalled, "closed the connection", false},
		{"closed before video", cam, io.EOF, false, Unreachable, "closed the connection before", false},
		{"other", cam, errors.New("weird"), false, Unreachable, "could not open a video session", false},
	}
	for _, c := range cases {
		f := c.cam.classify(c.err, c.streamed)
		if f.state != c.state || !strings.Contains(f.reason, c.says) || f.configFault != c.config {
			t.Errorf("%s: %v %q config=%v; want %v, %q, config=%v", c.name, f.state, f.reason, f.configFault, c.state, c.says, c.config)
		}
		if strings.Contains(f.reason, "hunter2") {
			t.Errorf("%s: reason shows the password: %q", c.name, f.reason)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	cfg := DefaultConfig("c", "rtsp://c/x")
	cfg.Jitter = -1
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, w := range want {
		if d := retryDelay(&cfg, i, false, nil); d != w {
			t.Errorf("after %d failures: %v, want %v", i, d, w)
		}
	}
	if d := retryDelay(&cfg, 0, true, nil); d != 30*time.Second {
		t.Errorf("configuration fault: %v, want 30s", d)
	}
	cfg.Jitter = 0.2
	for _, r := range []float64{0, 0.5, 0.999} {
		d := retryDelay(&cfg, 0, false, func() float64 { return r })
		if d > 500*time.Millisecond || d < 400*time.Millisecond {
			t.Errorf("jitter %v: first retry %v, want 0.4–0.5 s", r, d)
		}
	}
}

func TestMeter(t *testing.T) {
	var m meter
	t0 := time.Unix(1000, 0)
	for i := range 60 { // 15 fps for 4 s
		m.mark(t0.Add(time.Duration(i) * time.Second / 15))
	}
	now := t0.Add(4 * time.Second)
	if r := m.rate(now); r < 14.4 || r > 15.6 {
		t.Errorf("rate %v, want 15", r)
	}
	if r := m.rate(now.Add(10 * time.Second)); r != 0 {
		t.Errorf("rate after silence %v, want 0", r)
	}
	var fast meter
	for i := range 400 { // 200 fps for 2 s: more than the ring holds
		fast.mark(t0.Add(time.Duration(i) * 5 * time.Millisecond))
	}
	if r := fast.rate(t0.Add(2 * time.Second)); r < 180 || r > 220 {
		t.Errorf("fast rate %v, want 200", r)
	}
}
