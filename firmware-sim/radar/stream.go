package radar

import (
	"context"
	"os"
	"time"

	wire "github.com/palisade/palisade/sensors/radar"
)

// stream sends a frame every FramePeriod while the radar is started and
// not silent, until ctx ends or the pseudo-terminal closes.
func (d *Device) stream(ctx context.Context, m *os.File) {
	tick := time.NewTicker(d.cfg.FramePeriod)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !d.due() {
			continue
		}
		f, ok := d.src.Next()
		if !ok {
			d.mu.Lock()
			d.sceneOver = true
			d.mu.Unlock()
			d.log.Info("scene over")
			continue
		}
		b, sent, damaged := d.encode(f)
		if b == nil {
			continue
		}
		// A UART does not wait for the host: what cannot be written within
		// a frame period is lost.
		m.SetWriteDeadline(time.Now().Add(max(d.cfg.FramePeriod, 50*time.Millisecond)))
		n, err := m.Write(b)
		d.mu.Lock()
		switch {
		case n < len(b):
		case sent != nil:
			d.sent = append(d.sent, *sent)
		default:
			d.damaged = append(d.damaged, damaged)
		}
		d.mu.Unlock()
		if err != nil && !os.IsTimeout(err) {
			return
		}
	}
}

// due reports whether a frame goes out now, counting down StopAfter.
func (d *Device) due() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.streaming || d.silent || d.sceneOver {
		return false
	}
	if d.stopAfter > 0 {
		if d.stopAfter--; d.stopAfter == 0 {
			d.silent = true
		}
	}
	return true
}

// encode fills in the header and returns the bytes to send: the intact
// frame (sent is it, decoded back) or a damaged one (damaged is its
// number).
func (d *Device) encode(f wire.Frame) (b []byte, sent *wire.Frame, damaged uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.frameNo++
	h := &f.Header
	if h.FrameNumber > d.frameNo {
		d.frameNo = h.FrameNumber // the scene's own count: frames it lost stay lost
	}
	h.FrameNumber = d.frameNo
	if h.Version == 0 {
		h.Version = Version
	}
	if h.Platform == 0 {
		h.Platform = Platform
	}
	if h.TimeCPUCycles == 0 {
		h.TimeCPUCycles = uint32(time.Since(d.boot).Nanoseconds() / 5) // 200 MHz R4F
	}
	if h.NumDetectedObj == 0 {
		h.NumDetectedObj = uint32(len(f.Points))
	}
	b, err := wire.MarshalPadded(f)
	if err != nil {
		d.log.Error("source frame does not encode", "frame", d.frameNo, "err", err)
		return nil, nil, 0
	}
	if d.corruptEvery > 0 && d.frameNo%uint32(d.corruptEvery) == 0 {
		mode := d.damagedN % 4
		d.damagedN++
		if mode == 2 && b[32]|b[33]|b[34]|b[35] == 0 {
			mode = 3 // numTLVs 0: no TLV to garble
		}
		switch mode {
		case 0: // garbage before an intact frame
			intact := b
			b = append(d.garbage(), b...)
			return b, d.decoded(intact), 0
		case 1: // a flipped byte in the magic word
			b[3] ^= 0xFF
			return b, nil, d.frameNo
		case 2: // the first TLV's length garbled: it overruns the frame
			b[wire.HeaderLen+4+3] = 0xFF
			return b, nil, d.frameNo
		case 3: // totalPacketLen lies upwards
			b[12], b[13], b[14], b[15] = 0, 0, 1, 0 // 65536
			return b, nil, d.frameNo
		}
	}
	return b, d.decoded(b), 0
}

// decoded is the frame as a receiver decodes b.
func (d *Device) decoded(b []byte) *wire.Frame {
	f, err := wire.Unmarshal(b)
	if err != nil {
		panic("radarsim: own frame does not decode: " + err.Error())
	}
	return &f
}

// garbage is line noise: random bytes, the start of a magic word, and a
// whole header with an impossible length.
func (d *Device) garbage() []byte {
	g := make([]byte, 3+d.rng.IntN(20))
	for i := range g {
		g[i] = byte(d.rng.UintN(256))
	}
	g = append(g, wire.Magic[:5]...)
	g = append(g, 0x55, 0xAA)
	fake := make([]byte, wire.HeaderLen)
	copy(fake, wire.Magic[:])
	fake[12], fake[13], fake[14], fake[15] = 0xFF, 0xFF, 0xFF, 0x7F
	return append(g, fake...)
}
