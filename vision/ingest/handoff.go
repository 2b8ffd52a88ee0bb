package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/palisade/palisade/vision/h264dec"
)

// Next waits for a picture newer than the one dst holds (by dst.Seq; 0 for
// an empty Frame) and converts the latest one into dst, at the configured
// analysis size and format. A consumer slower than the camera gets the
// latest picture, never a backlog: pictures nobody took are counted as
// dropped. Next returns ctx's error when ctx ends first.
//
// dst.Seq numbers pictures across reconnections; dst.PTS is the stream's
// presentation time and restarts with each session. dst.Damaged is set for
// a picture libavcodec concealed errors in, and for every picture after
// lost or undecodable data until the next key frame — those pictures may
// hold smeared areas that analytics should not take for motion.
func (c *Camera) Next(ctx context.Context, dst *h264dec.Frame) error {
	for {
		c.mu.Lock()
		if c.pic != nil && c.picSeq > dst.Seq {
			p, err := c.pic.Clone()
			seq, hurt := c.picSeq, c.picHurt
			c.handedSeq = max(c.handedSeq, seq)
			c.mu.Unlock()
			if err != nil {
				return err
			}
			c.convMu.Lock()
			if c.scaler == nil {
				c.scaler = h264dec.NewScaler(c.cfg.Width, c.cfg.Height, c.cfg.Format)
			}
			err = c.scaler.Convert(p, dst)
			c.convMu.Unlock()
			p.Release()
			if err != nil {
				return fmt.Errorf("camera %q: %w", c.cfg.Name, err)
			}
			dst.Seq = seq
			dst.Damaged = dst.Damaged || hurt
			c.n.deliveredN.Add(1)
			c.mu.Lock()
			c.delivered.mark(c.clk.Now())
			c.mu.Unlock()
			return nil
		}
		wake := c.picCh
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

// publish makes p the latest picture; damaged marks it as following a
// loss or decoding error since the last key frame; anchor is the
// session's presentation time 0 on the clock (nil: unknown).
func (c *Camera) publish(p *h264dec.Picture, damaged bool, anchor *time.Time) {
	now := c.clk.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pic != nil {
		if c.picSeq > c.handedSeq {
			c.n.skipped.Add(1)
		}
		c.pic.Release()
	}
	c.pic, c.picHurt = p, damaged
	c.picSeq++
	if anchor != c.anchor {
		c.anchor, c.anchorSeq = anchor, c.picSeq
	}
	c.width, c.height = p.Width(), p.Height()
	c.decoded.mark(now)
	close(c.picCh)
	c.picCh = make(chan struct{})
	switch {
	case c.status.State != Streaming && c.status.State != DecodeErrors:
		c.setStatusLocked(Streaming, "Live video is arriving.", "", 0, time.Time{})
	case c.status.State == DecodeErrors && (len(c.errTimes) == 0 || now.Sub(c.errTimes[len(c.errTimes)-1]) >= c.cfg.DecodeErrorHold):
		c.errTimes = c.errTimes[:0]
		c.setStatusLocked(Streaming, "Live video is arriving.", "", 0, time.Time{})
	}
}

// dropPicture forgets the latest picture when its session ends, so that
// nobody analyses a stale one.
func (c *Camera) dropPicture() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pic != nil {
		if c.picSeq > c.handedSeq {
			c.n.skipped.Add(1)
		}
		c.pic.Release()
		c.pic = nil
	}
}

// FrameTime returns the presentation time of a frame Next returned, on the
// camera's Clock — the clock OnAccessUnit dates access units with, so a
// frame and the access unit it was decoded from have the same time. It
// returns the zero time for a frame of an earlier session (Next hands out
// only the latest picture, so only a caller holding on to an old frame
// sees one) or while the session's clock is unknown.
func (c *Camera) FrameTime(f *h264dec.Frame) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.anchor == nil || f.Seq < c.anchorSeq {
		return time.Time{}
	}
	return c.anchor.Add(f.PTS)
}
