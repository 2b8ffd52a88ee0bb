package ingest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/firmware-sim/camera"
	"github.com/palisade/palisade/vision/h264dec"
	"github.com/palisade/palisade/vision/ingest"
)

// A camera with credentials streams its scene: frames arrive at the
// analysis size, at the camera's rate, thinned to the consumer's 5 fps,
// and they show the person where the ground truth says.
func TestStreamsScene(t *testing.T) {
	t.Parallel()
	s := sim(t, camera.Config{Username: "palisade", Password: "yard-7"})
	simCam := addCamera(t, s, "yard", camera.CameraConfig{Scene: "tripwire"})
	cam := start(t, ingest.Config{URL: withCreds(s.URL("yard"), "palisade", "yard-7"), Width: 320})
	waitState(t, cam, 10*time.Second, ingest.Streaming)

	// Analyse at 5 fps for 3 s, as the analytics will.
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var f h264dec.Frame
	var last uint64
	checked := 0
	for range 15 {
		<-tick.C
		next(t, cam, &f, 2*time.Second)
		at := time.Now()
		if f.Width != 320 || f.Height != 180 || f.Format != h264dec.Gray || len(f.Pix) != 320*180 {
			t.Fatalf("frame %dx%d %v, %d bytes; want 320x180 gray", f.Width, f.Height, f.Format, len(f.Pix))
		}
		if f.Seq <= last {
			t.Fatalf("frame seq %d after %d", f.Seq, last)
		}
		last = f.Seq
		if showsPerson(t, simCam, &f, at) {
			checked++
		}
	}
	if checked < 10 {
		t.Errorf("the person was where the ground truth says in %d of 15 frames, want ≥10", checked)
	}
	st := cam.Stats()
	t.Logf("stats %+v", st)
	if st.DecodedFPS < 12 || st.DecodedFPS > 18 || st.ReceivedFPS < 12 || st.ReceivedFPS > 18 {
		t.Errorf("received %.1f fps, decoded %.1f fps; the camera sends 15", st.ReceivedFPS, st.DecodedFPS)
	}
	if st.DeliveredFPS < 3.5 || st.DeliveredFPS > 6 {
		t.Errorf("delivered %.1f fps to a 5 fps consumer", st.DeliveredFPS)
	}
	if st.Dropped < st.Decoded/2 || st.Bytes == 0 || st.Width != 640 || st.Height != 360 || st.DecodeErrors != 0 {
		t.Errorf("stats %+v: want about two thirds dropped, bytes counted, 640x360, no decode errors", st)
	}
}

// showsPerson checks that a frame received at `at` is dark at the centre
// of the figure's box in one of the frames sent just before — the decoded
// picture lags the last frame sent by a frame or two — and bright beside
// it. It reports false when the truth has no figure then.
func showsPerson(t *testing.T, c *camera.Camera, f *h264dec.Frame, at time.Time) bool {
	t.Helper()
	i, ok := c.FrameAt(at)
	tr := c.Truth()
	if !ok {
		return false
	}
	sx, sy := float64(f.Width)/float64(tr.Width), float64(f.Height)/float64(tr.Height)
	for lag := range 3 {
		ft := tr.Frames[(i-lag+len(tr.Frames))%len(tr.Frames)]
		if len(ft.Boxes) != 1 {
			continue
		}
		b := ft.Boxes[0]
		cx, cy := int((float64(b.X)+float64(b.W)/2)*sx), int((float64(b.Y)+float64(b.H)/2)*sy)
		side := cx + int(2*float64(b.W)*sx)
		if side >= f.Width {
			side = cx - int(2*float64(b.W)*sx)
		}
		if mean3(f, cx, cy) < 80 && mean3(f, side, cy) > 95 {
			return true
		}
	}
	return false
}

func mean3(f *h264dec.Frame, x, y int) int {
	sum := 0
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			sum += int(f.At(min(max(x+dx, 0), f.Width-1), min(max(y+dy, 0), f.Height-1))[0])
		}
	}
	return sum / 9
}

// Over UDP, in colour, at the camera's own size.
func TestStreamsUDPInColour(t *testing.T) {
	t.Parallel()
	s := sim(t, camera.Config{UDP: true})
	addCamera(t, s, "gate", camera.CameraConfig{Scene: "perimeter", Width: 320, Height: 180})
	cam := start(t, ingest.Config{URL: s.URL("gate"), Transport: "udp", Format: h264dec.BGR})
	var f h264dec.Frame
	for range 5 {
		next(t, cam, &f, 10*time.Second)
	}
	if f.Width != 320 || f.Height != 180 || f.Stride != 320*3 || len(f.Pix) != 320*180*3 {
		t.Fatalf("frame %dx%d stride %d, %d bytes; want 320x180 BGR", f.Width, f.Height, f.Stride, len(f.Pix))
	}
	if px := f.At(160, 150); px[0] != px[1] || px[1] != px[2] {
		// The yard is grey: the three channels agree (within rounding).
		if d := int(px[0]) - int(px[2]); d > 3 || d < -3 {
			t.Errorf("grey yard pixel is % x in BGR", px)
		}
	}
	if st := cam.Status(); st.State != ingest.Streaming {
		t.Errorf("status %+v", st)
	}
}

// Corrupt slices: decode errors are counted and shown, and the stream goes
// on decoding.
func TestCorruptNALUs(t *testing.T) {
	t.Parallel()
	s := sim(t, camera.Config{})
	simCam := addCamera(t, s, "yard", camera.CameraConfig{Scene: "tripwire", Width: 320, Height: 180, CorruptEvery: 10})
	cam := start(t, ingest.Config{URL: s.URL("yard")})
	st := waitState(t, cam, 10*time.Second, ingest.DecodeErrors)
	if !strings.Contains(st.Reason, "damaged") {
		t.Errorf("reason %q", st.Reason)
	}
	before := cam.Stats()
	var f h264dec.Frame
	damaged, clean := 0, 0
	for range 30 { // two seconds of pictures keep coming
		next(t, cam, &f, 2*time.Second)
		if f.Damaged {
			damaged++
		} else {
			clean++
		}
	}
	// Pictures after a corrupt one are marked until the next key frame;
	// the key frames (never corrupted here) start clean runs.
	if damaged == 0 || clean == 0 {
		t.Errorf("%d damaged and %d clean pictures, want both", damaged, clean)
	}
	after := cam.Stats()
	t.Logf("after: %+v; camera corrupted %d frames", after, simCam.Stats().Corrupted)
	if after.DecodeErrors < 3 || after.Decoded-before.Decoded < 25 {
		t.Errorf("decode errors %d, decoded %d more: want errors counted and decoding going on", after.DecodeErrors, after.Decoded-before.Decoded)
	}
	if got := cam.Status().State; got != ingest.DecodeErrors && got != ingest.Streaming {
		t.Errorf("state %v", got)
	}
}

// A consumer that pauses gets the newest picture at once when it comes
// back — not a backlog: analysis never falls behind real time.
func TestSlowConsumerGetsLatest(t *testing.T) {
	t.Parallel()
	s := sim(t, camera.Config{})
	addCamera(t, s, "yard", camera.CameraConfig{Scene: "quiet-yard", Width: 320, Height: 180})
	cam := start(t, ingest.Config{URL: s.URL("yard")})
	var f h264dec.Frame
	next(t, cam, &f, 10*time.Second)
	first := f.Seq
	// Be busy for a second, as a slow analysis step would be.
	busy := time.NewTimer(time.Second)
	<-busy.C
	begin := time.Now()
	next(t, cam, &f, time.Second)
	wait := time.Since(begin)
	latest := cam.Stats().Decoded
	if f.Seq-first < 8 {
		t.Errorf("after a 1 s pause the next picture is %d ahead, want the latest (~15)", f.Seq-first)
	}
	if wait > 100*time.Millisecond {
		t.Errorf("Next waited %v although newer pictures were there", wait)
	}
	t.Logf("jumped %d pictures; %d decoded; Next took %v", f.Seq-first, latest, wait)
}
