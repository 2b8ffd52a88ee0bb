package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/pion/rtp"

	"github.com/palisade/palisade/vision/h264dec"
)

// accessUnit is one H.264 picture's NAL units as depacketised.
type accessUnit struct {
	nalus [][]byte
	pts   time.Duration
}

// session is one RTSP connection: DESCRIBE, SETUP, PLAY, then RTP until the
// stream stalls, the connection fails, or ctx ends.
type session struct {
	c      *Camera
	client *gortsplib.Client
	media  *description.Media
	forma  *format.H264
	rtpDec *rtph264.Decoder

	last     atomic.Int64 // clock time of the last RTP packet, UnixNano
	queue    chan accessUnit
	done     chan struct{} // closed to stop the decoder
	streamed atomic.Bool   // a picture was decoded
	// lost is set by the RTP side when data went missing; the decoder
	// then marks pictures damaged until the next key frame.
	lost atomic.Bool

	// anchor is the clock time of presentation time 0 of this session
	// (nil until the first packet with a presentation time); set once by
	// the RTP goroutine, read by the decoder's. anchorAt is the same
	// time, for the RTP goroutine.
	anchor   atomic.Pointer[time.Time]
	anchorAt time.Time

	// Owned by the RTP callback goroutine.
	waitKey  bool
	shedding bool
}

// session runs one connection to the end and reports whether pictures
// arrived and why it ended.
func (c *Camera) session(ctx context.Context) (streamed bool, err error) {
	c.n.sessions.Add(1)
	s := &session{c: c, queue: make(chan accessUnit, c.cfg.QueueFrames), done: make(chan struct{}), waitKey: true}
	transport := map[string]*gortsplib.Transport{
		"tcp": ptr(gortsplib.TransportTCP), "udp": ptr(gortsplib.TransportUDP), "auto": nil,
	}[c.cfg.Transport]
	s.client = &gortsplib.Client{
		Scheme:       c.url.Scheme,
		Host:         c.url.Host,
		Transport:    transport,
		ReadTimeout:  c.cfg.DialTimeout,
		WriteTimeout: c.cfg.DialTimeout,
		DialContext:  c.cfg.Dial,
		UserAgent:    "Palisade",
		OnPacketsLost: func(n uint64) {
			c.n.lost.Add(n)
			s.lost.Store(true)
		},
		OnDecodeError: func(err error) {
			c.log.Debug("rtp decode error", "err", err)
		},
		OnTransportSwitch: func(err error) {
			c.log.Info("transport switched", "err", err)
		},
	}
	if err := s.client.Start2(); err != nil {
		return false, err
	}
	// The RTSP calls below block up to DialTimeout and take no context:
	// closing the client is what interrupts them.
	stop := context.AfterFunc(ctx, s.client.Close)
	defer stop()
	defer s.client.Close()

	if err := s.setup(); err != nil {
		return false, err
	}
	dec, err := h264dec.New(h264dec.Config{Threads: c.cfg.Threads})
	if err != nil {
		return false, err
	}
	var wg sync.WaitGroup
	wg.Go(func() { s.decode(dec) })
	defer func() {
		// Close the client first: once Close returns, no RTP callback
		// runs any more. Then stop the decoder.
		s.client.Close()
		close(s.done)
		wg.Wait()
		dec.Close()
		c.dropPicture()
	}()

	s.last.Store(c.clk.Now().UnixNano())
	if _, err := s.client.Play(nil); err != nil {
		return false, err
	}
	c.log.Info("playing", "url", redact(c.cfg.URL), "transport", c.cfg.Transport)
	err = s.watch(ctx)
	return s.streamed.Load(), err
}

func ptr[T any](v T) *T { return &v }

// setup describes the stream, picks its H.264 track and sets it up.
func (s *session) setup() error {
	desc, _, err := s.client.Describe(s.c.url)
	if err != nil {
		return err
	}
	s.media = desc.FindFormat(&s.forma)
	if s.media == nil {
		return &codecError{offered: describeCodecs(desc)}
	}
	if s.rtpDec, err = s.forma.CreateDecoder(); err != nil {
		return fmt.Errorf("ingest: H.264 track: %w", err)
	}
	if _, err := s.client.Setup(desc.BaseURL, s.media, 0, 0); err != nil {
		return err
	}
	s.client.OnPacketRTP(s.media, s.forma, s.onPacket)
	return nil
}

// describeCodecs names what a camera offers, for a reason text.
func describeCodecs(desc *description.Session) string {
	names := map[string]string{"H265": "H.265 (HEVC)", "M-JPEG": "Motion JPEG", "MPEG-4 Video": "MPEG-4 Part 2", "VP8": "VP8", "VP9": "VP9", "AV1": "AV1"}
	var video, other []string
	for _, m := range desc.Medias {
		for _, f := range m.Formats {
			n := f.Codec()
			if v, ok := names[n]; ok {
				n = v
			}
			if m.Type == description.MediaTypeVideo {
				video = append(video, n)
			} else {
				other = append(other, n)
			}
		}
	}
	switch {
	case len(video) > 0:
		return strings.Join(video, " and ") + " video"
	case len(other) > 0:
		return "no video, only " + strings.Join(other, " and ")
	}
	return "no media at all"
}

// watch waits until the stream stalls, the client fails, or ctx ends.
func (s *session) watch(ctx context.Context) error {
	failed := make(chan error, 1)
	go func() { failed <- s.client.Wait() }()
	clk, limit := s.c.clk, s.c.cfg.StallTimeout
	for {
		quiet := clk.Now().Sub(time.Unix(0, s.last.Load()))
		if quiet >= limit {
			return fmt.Errorf("%w (%v)", errStalled, quiet.Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-failed:
			if err == nil {
				err = errors.New("ingest: connection closed")
			}
			return err
		case <-clk.After(limit - quiet):
		}
	}
}

// onPacket runs on the client's reader goroutine for each RTP packet.
func (s *session) onPacket(pkt *rtp.Packet) {
	c := s.c
	defer func() {
		// One malformed packet must not take the node down.
		if r := recover(); r != nil {
			s.lost.Store(true)
			c.decodeError(fmt.Errorf("ingest: panic on an RTP packet: %v", r))
		}
	}()
	now := c.clk.Now()
	s.last.Store(now.UnixNano())
	c.n.lastPacket.Store(now.UnixNano())
	c.n.packets.Add(1)
	c.n.bytes.Add(uint64(pkt.MarshalSize()))
	if s.anchorAt.IsZero() {
		// gortsplib dates packets from the first key frame of the
		// session on; the first one it dates fixes the session's clock.
		if pts, ok := s.client.PacketPTS2(s.media, pkt); ok {
			s.anchorAt = now.Add(-ticks90k(pts))
			s.anchor.Store(&s.anchorAt)
		}
	}
	au, err := s.rtpDec.Decode(pkt)
	if err != nil {
		if !errors.Is(err, rtph264.ErrMorePacketsNeeded) && !errors.Is(err, rtph264.ErrNonStartingPacketAndNoPrevious) {
			// A lost or malformed packet loses its access unit; the
			// following ones decode with damage until a key frame.
			s.lost.Store(true)
			c.decodeError(fmt.Errorf("ingest: rtp: %w", err))
		}
		return
	}
	c.n.frames.Add(1)
	c.mu.Lock()
	c.received.mark(now)
	c.mu.Unlock()
	key := h264dec.IsKey(au)
	if s.waitKey {
		if !key {
			c.n.shed.Add(1)
			return
		}
		s.waitKey = false
	}
	if key && s.forma.SPS != nil && s.forma.PPS != nil && !hasParams(au) {
		au = append([][]byte{s.forma.SPS, s.forma.PPS}, au...)
	}
	pts, ok := s.client.PacketPTS2(s.media, pkt)
	if ok && !s.anchorAt.IsZero() && c.cfg.OnAccessUnit != nil {
		// Before the decoder's queue: a clip keeps the pictures the
		// decoder sheds.
		c.cfg.OnAccessUnit(au, s.anchorAt.Add(ticks90k(pts)))
	}
	if s.shedding {
		if !key {
			c.n.shed.Add(1)
			return
		}
		s.shedding = false
	}
	select {
	case s.queue <- accessUnit{nalus: au, pts: ticks90k(pts)}:
	default:
		// The decoder is a queue behind: shed up to the next key frame
		// rather than fall further behind real time.
		s.shedding = true
		c.n.shed.Add(1)
	}
}

// ticks90k converts a 90 kHz RTP time to a duration without overflowing
// in long sessions.
func ticks90k(t int64) time.Duration {
	return time.Duration(t/90000)*time.Second + time.Duration(t%90000)*time.Second/90000
}

func hasParams(au [][]byte) bool {
	for _, n := range au {
		if h264dec.NALUType(n) == 7 {
			return true
		}
	}
	return false
}

// decode runs the decoder until done is closed.
func (s *session) decode(dec *h264dec.Decoder) {
	c := s.c
	superseded := uint64(0)
	damaged := false // pictures since an error, until a key frame
	for {
		select {
		case <-s.done:
			return
		case au := <-s.queue:
			if s.lost.Swap(false) {
				damaged = true
			}
			p, err := s.decodeOne(dec, au)
			if n := dec.Superseded(); n != superseded {
				c.n.superseded.Add(n - superseded)
				c.n.decodedN.Add(n - superseded)
				superseded = n
			}
			if err != nil {
				damaged = true
				c.decodeError(err)
				continue
			}
			if p == nil {
				continue
			}
			c.n.decodedN.Add(1)
			if p.Key() {
				damaged = false
			}
			if p.Damaged() {
				damaged = true
				c.decodeError(errors.New("h264dec: picture concealed after a decoding error"))
			}
			s.streamed.Store(true)
			c.publish(p, damaged, s.anchor.Load())
		}
	}
}

// decodeOne decodes with a recover boundary: a bug on one access unit
// costs that picture, not the node.
func (s *session) decodeOne(dec *h264dec.Decoder, au accessUnit) (p *h264dec.Picture, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("ingest: panic decoding an access unit: %v", r)
		}
	}()
	return dec.Decode(au.nalus, au.pts)
}

func urlUser(name, password string) *url.Userinfo {
	return url.UserPassword(name, password)
}
