package clips

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"

	"github.com/palisade/palisade/firmware-sim/camera"
)

// TestRTSPLoopback records a clip from a simulated camera over RTSP on
// loopback. vision/ingest does not hand out its access units yet, so a
// bare gortsplib client stands in for it, doing what the hook proposed in
// DESIGN.md would: depacketise, put SPS and PPS before key frames, and
// date each access unit at the wall-clock time of presentation time 0
// (taken at the first packet gortsplib gives a time) plus its RTP
// presentation time.
func TestRTSPLoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("streams for about 6 s")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := camera.Listen(camera.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.AddCamera(ctx, "gate", camera.CameraConfig{Scene: "perimeter", Width: 320, Height: 180}); err != nil {
		t.Skipf("simulated camera: %v", err)
	}
	r, _ := newRecorder(t, Config{Camera: "gate", History: 5 * time.Second, Pre: 2 * time.Second, Post: 2 * time.Second}, nil)

	u, err := base.ParseURL(srv.URL("gate"))
	if err != nil {
		t.Fatal(err)
	}
	tcp := gortsplib.TransportTCP
	c := &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Transport: &tcp}
	if err := c.Start2(); err != nil {
		t.Fatal(err)
	}
	defer c.Close() // stops the client's goroutines, the RTP callback's among them
	desc, _, err := c.Describe(u)
	if err != nil {
		t.Fatal(err)
	}
	var forma *format.H264
	media := desc.FindFormat(&forma)
	if media == nil {
		t.Fatal("no H.264 track")
	}
	dec, err := forma.CreateDecoder()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Setup(desc.BaseURL, media, 0, 0); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var pushErrs []error
	var anchor time.Time // wall clock of presentation time 0
	c.OnPacketRTP(media, forma, func(pkt *rtp.Packet) {
		pts, ok := c.PacketPTS2(media, pkt)
		if !ok {
			// gortsplib has no time for this packet yet (it did not for
			// the first second of this stream, joined mid-GOP): an
			// anchor taken here would be off by that much.
			return
		}
		if anchor.IsZero() {
			anchor = time.Now().Add(-fromTicks(pts))
		}
		au, err := dec.Decode(pkt)
		if err != nil {
			return
		}
		if isIDR(au) && forma.SPS != nil && forma.PPS != nil {
			au = append([][]byte{forma.SPS, forma.PPS}, au...)
		}
		err = r.Push(AccessUnit{NALUs: au, Time: anchor.Add(fromTicks(pts))})
		if err != nil && !errors.Is(err, ErrWaitingForKey) {
			mu.Lock()
			pushErrs = append(pushErrs, err)
			mu.Unlock()
		}
	})
	if _, err := c.Play(nil); err != nil {
		t.Fatal(err)
	}

	// Once 3 s are buffered, an alarm "now".
	for r.Stats().Stored < 45 {
		select {
		case <-ctx.Done():
			t.Fatalf("buffered %+v", r.Stats())
		case <-time.After(50 * time.Millisecond):
		}
	}
	event := time.Now()
	began := time.Now()
	clip, err := r.Record(ctx, Request{AlarmID: "A-rtsp", Event: event})
	if err != nil {
		t.Fatal(err)
	}
	waited := time.Since(began)
	t.Logf("clip %s: %d frames, %v, written %v after the event", clip.Name, clip.Frames, clip.Duration, waited)
	mu.Lock()
	if len(pushErrs) > 0 {
		t.Errorf("Push refused access units from the camera: %v", pushErrs)
	}
	mu.Unlock()
	// Record returned when the stream's own times passed event+2 s: not
	// before that in real time (the pictures are live), nor much later.
	if waited < 1500*time.Millisecond || waited > 3*time.Second {
		t.Errorf("Record returned %v after the event, want about 2 s", waited)
	}
	if !clip.Complete() || clip.Duration < 4*time.Second || clip.Duration > 5*time.Second+100*time.Millisecond {
		t.Errorf("clip of %v (complete %v, %s), want 4–5 s", clip.Duration, clip.Complete(), clip.Note)
	}
	p := checkClip(t, clip)
	if p.Frames < 58 || p.Frames > 77 {
		t.Errorf("ffprobe counted %d frames, want about 60–75 (4–5 s at 15 fps)", p.Frames)
	}
}
