package ingest

import "time"

// Stats counts what the camera received, decoded and handed out.
type Stats struct {
	Packets     uint64 // RTP packets received
	Bytes       uint64 // RTP bytes received (headers included)
	PacketsLost uint64 // RTP packets the sequence numbers say were lost
	Frames      uint64 // access units received
	Decoded     uint64 // pictures decoded
	Delivered   uint64 // pictures handed out by Next
	// Dropped counts pictures that never reached a consumer: decoded and
	// superseded before anyone asked (the normal thinning from the
	// camera's rate to the analysis rate), or shed undecoded (Shed).
	Dropped uint64
	// Shed counts access units discarded undecoded because the decoder
	// fell behind or a session began between key frames.
	Shed uint64
	// DecodeErrors counts damaged pictures and access units the RTP
	// depacketiser or the decoder refused.
	DecodeErrors uint64
	// Sessions counts RTSP sessions attempted.
	Sessions uint64
	// ReceivedFPS, DecodedFPS and DeliveredFPS are rates over the last 2 s.
	ReceivedFPS, DecodedFPS, DeliveredFPS float64
	// Width and Height are the camera's picture size (0 before the first
	// picture).
	Width, Height int
	// LastPacket is when the last RTP packet arrived (zero before one).
	LastPacket time.Time
}

// Stats returns the camera's counters.
func (c *Camera) Stats() Stats {
	now := c.clk.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{
		Packets: c.n.packets.Load(), Bytes: c.n.bytes.Load(), PacketsLost: c.n.lost.Load(),
		Frames: c.n.frames.Load(), Decoded: c.n.decodedN.Load(), Delivered: c.n.deliveredN.Load(),
		Shed: c.n.shed.Load(), DecodeErrors: c.n.decodeErrs.Load(), Sessions: c.n.sessions.Load(),
		ReceivedFPS: c.received.rate(now), DecodedFPS: c.decoded.rate(now), DeliveredFPS: c.delivered.rate(now),
		Width: c.width, Height: c.height,
	}
	if ns := c.n.lastPacket.Load(); ns != 0 {
		s.LastPacket = time.Unix(0, ns)
	}
	s.Dropped = c.n.skipped.Load() + c.n.superseded.Load() + s.Shed
	return s
}
