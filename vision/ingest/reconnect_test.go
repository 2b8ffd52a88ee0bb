package ingest_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/h264dec"
	"github.com/palisade/palisade/vision/ingest"
	"github.com/palisade/palisade/vision/ingest/ingesttest"
)

// An unreachable camera: the status says so, and attempts back off 0.5 s,
// 1 s, 2 s … up to MaxRetry — timed exactly with a fake clock.
func TestUnreachableBacksOff(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now: connection refused
	clk := ingesttest.NewClock(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC))
	dials := 0
	dial := func(ctx context.Context, network, address string) (net.Conn, error) {
		dials++ // only the Run goroutine dials
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	}
	cam := start(t, ingest.Config{URL: "rtsp://" + addr + "/cam", Clock: clk, Jitter: -1, MaxRetry: 8 * time.Second, Dial: dial})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}
	for i, w := range want {
		d, err := clk.NextTimer(ctx)
		if err != nil {
			t.Fatalf("attempt %d: no retry scheduled: %v", i+1, err)
		}
		st := cam.Status()
		if st.State != ingest.Unreachable || !strings.Contains(st.Reason, "refused the connection") || st.Failures != i+1 {
			t.Fatalf("attempt %d: status %+v", i+1, st)
		}
		if d != w || !st.NextAttempt.Equal(clk.Now().Add(w)) {
			t.Fatalf("attempt %d: retry in %v (next attempt %v), want %v", i+1, d, st.NextAttempt, w)
		}
		clk.Advance(d)
	}
	if _, err := clk.NextTimer(ctx); err != nil {
		t.Fatal(err)
	}
	if dials != len(want)+1 {
		t.Errorf("%d dials, want %d", dials, len(want)+1)
	}
}

// The camera stops sending mid-stream: the status turns stalled within 2 s
// of the last packet, the first reconnection attempt follows within 0.5 s,
// and video returns when the camera does. Real time on loopback; the exact
// timing policy is TestStallTimingExact's.
func TestStallAndReconnect(t *testing.T) {
	t.Parallel()
	s := sim(t, camera.Config{})
	simCam := addCamera(t, s, "yard", camera.CameraConfig{Scene: "tripwire", Width: 320, Height: 180})
	dials := make(chan time.Time, 16)
	dial := func(ctx context.Context, network, address string) (net.Conn, error) {
		dials <- time.Now()
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	}
	cam := start(t, ingest.Config{URL: s.URL("yard"), Dial: dial})
	waitState(t, cam, 10*time.Second, ingest.Streaming)
	<-dials // the first connection

	simCam.Stall(true)
	st := waitState(t, cam, 5*time.Second, ingest.Stalled)
	// Measured from the last packet the ingest received: on a loaded
	// machine the simulator's packets may wait in its write queue.
	detect := st.Since.Sub(cam.Stats().LastPacket)
	if detect > 2*time.Second {
		t.Errorf("stall noticed %v after the last packet, want within 2 s", detect)
	}
	if !strings.Contains(st.Reason, "stopped") {
		t.Errorf("reason %q", st.Reason)
	}
	var attempt time.Time
	select {
	case attempt = <-dials:
	case <-time.After(5 * time.Second):
		t.Fatal("no reconnection attempt within 5 s")
	}
	retry := attempt.Sub(st.Since)
	planned := st.NextAttempt.Sub(st.Since)
	t.Logf("stall noticed %v after the last packet received (%v after the camera's last send); reconnection planned after %v, dialled after %v",
		detect, st.Since.Sub(simCam.Stats().LastSent), planned, retry)
	if planned > 500*time.Millisecond {
		t.Errorf("reconnection planned %v after the stall, want within 0.5 s", planned)
	}
	// Timers fire late on a loaded machine; allow that much.
	if retry > 700*time.Millisecond {
		t.Errorf("reconnection dialled %v after the stall, want within 0.5 s (+0.2 s slack)", retry)
	}
	simCam.Stall(false)
	waitState(t, cam, 10*time.Second, ingest.Streaming)
	var f h264dec.Frame
	next(t, cam, &f, 5*time.Second)
	if cam.Stats().Sessions < 2 {
		t.Errorf("sessions %d", cam.Stats().Sessions)
	}
}

// With a fake clock, the timing policy is exact: a camera that accepts the
// session but sends nothing is stalled after 1.5 s, retried after 0.5 s,
// then after 1 s; once video has flowed, the count starts again.
func TestStallTimingExact(t *testing.T) {
	t.Parallel()
	s := sim(t, camera.Config{})
	simCam := addCamera(t, s, "yard", camera.CameraConfig{Scene: "quiet-yard", Width: 320, Height: 180})
	simCam.Stall(true)
	clk := ingesttest.NewClock(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC))
	cam := start(t, ingest.Config{URL: s.URL("yard"), Clock: clk, Jitter: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	expect := func(step string, want time.Duration) {
		t.Helper()
		d, err := clk.NextTimer(ctx)
		if err != nil {
			t.Fatalf("%s: no timer: %v (status %+v)", step, err, cam.Status())
		}
		if d != want {
			t.Fatalf("%s: waits %v, want %v (status %+v)", step, d, want, cam.Status())
		}
		clk.Advance(d)
	}
	expect("watch for packets", 1500*time.Millisecond)
	expect("first retry", 500*time.Millisecond)
	st := cam.Status()
	if st.State != ingest.Stalled || !strings.Contains(st.Reason, "sent no video") || st.Since != clk.Now().Add(-500*time.Millisecond) {
		t.Errorf("status %+v", st)
	}
	expect("watch for packets", 1500*time.Millisecond)
	expect("second retry", time.Second)
	simCam.Stall(false)
	waitState(t, cam, 10*time.Second, ingest.Streaming)
	if st := cam.Status(); st.Failures != 0 || !st.NextAttempt.IsZero() {
		t.Errorf("streaming status %+v", st)
	}
}
