package camera

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
)

// Codec is what a simulated camera announces in its SDP.
type Codec string

// Codecs. Only H.264 carries pictures; the others exist to see how a client
// reacts to a camera set to a codec it does not decode.
const (
	H264  Codec = "h264"
	H265  Codec = "h265"
	MJPEG Codec = "mjpeg"
)

// CameraConfig shapes one simulated camera.
type CameraConfig struct {
	Scene         string // one of Scenes()
	Width, Height int    // default 640×360
	FPS           int    // default 15
	Codec         Codec  // default H264
	// CorruptEvery damages the slice data of every n-th frame sent (never
	// a key frame), as a lossy link or a buggy encoder would; 0 never.
	CorruptEvery int
}

// Camera is a simulated camera streaming a scene in a loop at its frame
// rate, like a real one: it streams whether anyone watches or not, and
// every reader sees the same packets.
type Camera struct {
	path    string
	cfg     CameraConfig
	clip    *Clip
	stream  *gortsplib.ServerStream
	media   *description.Media
	enc     *rtph264.Encoder
	stalled atomic.Bool

	mu        sync.Mutex
	frames    uint64 // frames sent
	packets   uint64
	bytes     uint64
	corrupted uint64
	lastSent  time.Time
	sent      []sentFrame // the last sentLog frames, oldest first
}

type sentFrame struct {
	at    time.Time
	index int
}

const sentLog = 512

// CameraStats counts what a camera sent.
type CameraStats struct {
	Frames, Packets, Bytes uint64
	Corrupted              uint64    // frames sent damaged
	LastSent               time.Time // when the last packet went out
}

// AddCamera puts a simulated camera on path (e.g. "cam1"), encoding its
// scene first if it is not cached, and starts it.
func (s *Server) AddCamera(ctx context.Context, path string, cfg CameraConfig) (*Camera, error) {
	path = "/" + strings.TrimPrefix(path, "/")
	var err error
	switch cfg.Codec {
	case "":
		cfg.Codec = H264
	case H264, H265, MJPEG:
	default:
		return nil, fmt.Errorf("camera sim: unknown codec %q (want h264, h265 or mjpeg)", cfg.Codec)
	}
	opts := ClipOptions{Width: cfg.Width, Height: cfg.Height, FPS: cfg.FPS, CacheDir: s.cfg.CacheDir}
	var clip *Clip
	if cfg.Codec == H264 {
		clip, err = LoadClip(ctx, cfg.Scene, opts)
	} else {
		// Nothing is sent for other codecs: no need to encode.
		clip = &Clip{}
		clip.Truth, err = TruthOf(cfg.Scene, opts)
	}
	if err != nil {
		return nil, err
	}
	c := &Camera{path: path, cfg: cfg, clip: clip}
	var forma format.Format
	switch cfg.Codec {
	case H264:
		h := &format.H264{PayloadTyp: 96, PacketizationMode: 1, SPS: clip.SPS, PPS: clip.PPS}
		if c.enc, err = h.CreateEncoder(); err != nil {
			return nil, err
		}
		forma = h
	case H265:
		forma = &format.H265{PayloadTyp: 96}
	case MJPEG:
		forma = &format.MJPEG{}
	}
	c.media = &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{forma}}
	c.stream = &gortsplib.ServerStream{Server: s.rtsp, Desc: &description.Session{Medias: []*description.Media{c.media}}}
	if err := c.stream.Initialize(); err != nil {
		return nil, fmt.Errorf("camera sim: %w", err)
	}
	s.mu.Lock()
	if _, dup := s.cams[path]; dup {
		s.mu.Unlock()
		c.stream.Close()
		return nil, fmt.Errorf("camera sim: path %s already has a camera", path)
	}
	s.cams[path] = c
	s.mu.Unlock()
	if c.enc != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			c.run(s.ctx)
		}()
	}
	s.log.Info("camera added", "path", path, "scene", cfg.Scene, "codec", cfg.Codec)
	return c, nil
}

// Truth returns the ground truth of the camera's scene.
func (c *Camera) Truth() *Truth { return c.clip.Truth }

// Clip returns the camera's encoded scene.
func (c *Camera) Clip() *Clip { return c.clip }

// Stall stops (true) or resumes (false) sending, without closing any
// connection: the network goes quiet, as when a cable is cut upstream.
// After a stall the camera resumes at its next key frame.
func (c *Camera) Stall(on bool) { c.stalled.Store(on) }

// Stats returns what the camera has sent so far.
func (c *Camera) Stats() CameraStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CameraStats{Frames: c.frames, Packets: c.packets, Bytes: c.bytes, Corrupted: c.corrupted, LastSent: c.lastSent}
}

// FrameAt returns the scene frame that was the latest sent at time t, so
// that a picture received at t can be matched with its ground truth. On
// loopback the answer is exact unless t falls within the transit time of a
// frame (well under a frame interval); it is false for times before the
// first frame or older than the last few hundred frames.
func (c *Camera) FrameAt(t time.Time) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := sort.Search(len(c.sent), func(i int) bool { return c.sent[i].at.After(t) })
	if i == 0 {
		return 0, false
	}
	return c.sent[i-1].index, true
}

// run sends the clip in a loop, one access unit per frame interval, with
// RTP timestamps that advance by exactly one frame each. Frame n is due at
// start + n/fps: a pump delayed by a loaded machine catches up with a short
// burst, as a camera's network buffer would, so the rate stays exact; one
// delayed by more than a second skips ahead instead, as a live encoder
// would.
func (c *Camera) run(ctx context.Context) {
	tr := c.clip.Truth
	period := time.Second / time.Duration(tr.FPS)
	timer := time.NewTimer(0)
	defer timer.Stop()
	base := rand.Uint32()
	start := time.Now()
	waitKey := false
	for n := 0; ; n++ {
		due := start.Add(time.Duration(n) * period)
		if late := time.Since(due); late > time.Second {
			n += int(late / period)
			due = start.Add(time.Duration(n) * period)
		}
		timer.Reset(time.Until(due))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		i := n % len(c.clip.AUs)
		au := c.clip.AUs[i]
		send := !tr.Frames[i].Cut && !c.stalled.Load()
		if !send {
			waitKey = true
		} else if waitKey {
			waitKey = !isKey(au)
			send = !waitKey
		}
		if send {
			corrupt := c.cfg.CorruptEvery > 0 && n%c.cfg.CorruptEvery == c.cfg.CorruptEvery-1 && !isKey(au)
			if corrupt {
				au = damage(au, n)
			}
			ts := base + uint32(int64(n)*90000/int64(tr.FPS))
			c.send(au, ts, due, i, corrupt)
		}
	}
}

func (c *Camera) send(au [][]byte, ts uint32, ntp time.Time, index int, corrupt bool) {
	pkts, err := c.enc.Encode(au)
	if err != nil {
		return
	}
	var size int
	for _, p := range pkts {
		p.Timestamp = ts
		size += len(p.Payload) + 12
		c.stream.WritePacketRTPWithNTP(c.media, p, ntp) //nolint:errcheck // closed at shutdown
	}
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frames++
	c.packets += uint64(len(pkts))
	c.bytes += uint64(size)
	if corrupt {
		c.corrupted++
	}
	c.lastSent = now
	if len(c.sent) == sentLog {
		copy(c.sent, c.sent[1:])
		c.sent = c.sent[:sentLog-1]
	}
	c.sent = append(c.sent, sentFrame{at: now, index: index})
}

// damage returns a copy of au whose slices have a run of bytes in the
// middle flipped, leaving NAL headers intact so that the damage reaches the
// decoder.
func damage(au [][]byte, seed int) [][]byte {
	out := make([][]byte, len(au))
	for i, n := range au {
		t := n[0] & 0x1f
		if t != 1 && t != 5 || len(n) < 16 {
			out[i] = n
			continue
		}
		d := append([]byte(nil), n...)
		from := len(d)/3 + seed%7
		for j := from; j < min(from+48, len(d)); j++ {
			d[j] ^= 0xa5
		}
		out[i] = d
	}
	return out
}
