package radar

import (
	"bytes"
	"errors"
	"sync/atomic"
)

// DecoderStats counts what a Decoder saw. Safe to read concurrently.
type DecoderStats struct {
	Frames    atomic.Uint64 // good frames returned
	BadLength atomic.Uint64 // candidates rejected for totalPacketLen (out of range, lying)
	BadTLV    atomic.Uint64 // candidates rejected for their TLVs
	Skipped   atomic.Uint64 // bytes dropped while resynchronising
}

// Decoder splits the data-UART byte stream into frames. It looks for the
// magic word, waits for totalPacketLen bytes and decodes them; after
// garbage, a wrong magic word, a length out of range or a frame whose TLVs
// do not add up it resynchronises at the next magic word. A length that
// lies upwards is caught without waiting for it: once a later magic word
// starts a complete good frame, the waiting candidate is dropped. The
// buffer never holds more than 2×MaxFrameLen bytes.
//
// Every byte written ends up in exactly one of: a returned frame
// (TotalPacketLen bytes), Stats.Skipped, or Buffered. The Decoder does no
// I/O: feed it with Write and take frames with Next. It is not safe for
// concurrent use (its Stats are).
type Decoder struct {
	buf   []byte
	fresh bool // bytes arrived since the last look-ahead scan
	Stats DecoderStats
}

// Write appends stream bytes. It never fails.
func (d *Decoder) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	d.fresh = d.fresh || len(p) > 0
	if over := len(d.buf) - 2*MaxFrameLen; over > 0 {
		d.drop(over)
	}
	return len(p), nil
}

// Reset discards buffered bytes (counted as skipped), e.g. when the port
// is reopened.
func (d *Decoder) Reset() { d.drop(len(d.buf)) }

// Buffered returns the number of bytes waiting.
func (d *Decoder) Buffered() int { return len(d.buf) }

func (d *Decoder) drop(n int) {
	d.Stats.Skipped.Add(uint64(n))
	d.buf = append(d.buf[:0], d.buf[n:]...)
}

// Next returns the next good frame. ok is false when more bytes are
// needed. Each call returns at most one rejected candidate as err (with ok
// false) so the caller can log it; call Next again until it returns
// neither a frame nor an error.
func (d *Decoder) Next() (f Frame, ok bool, err error) {
	for {
		i := bytes.Index(d.buf, Magic[:])
		if i < 0 {
			// Keep a tail that may be the start of a magic word.
			d.drop(max(0, len(d.buf)-(len(Magic)-1)))
			return Frame{}, false, nil
		}
		if i > 0 {
			d.drop(i)
		}
		f, n, err := tryFrame(d.buf)
		switch {
		case err == nil:
			d.buf = append(d.buf[:0], d.buf[n:]...)
			d.Stats.Frames.Add(1)
			return f, true, nil
		case errors.Is(err, ErrShort):
			// Incomplete. If a later magic word already starts a whole
			// good frame, this candidate's length lied: skip to it. The
			// scan costs a decode per later complete candidate, so it
			// runs once per Write, not once per call.
			if !d.fresh {
				return Frame{}, false, nil
			}
			d.fresh = false
			if j := d.laterFrame(); j > 0 {
				claimed := le.Uint32(d.buf[12:16])
				d.Stats.BadLength.Add(1)
				d.drop(j)
				return Frame{}, false, errorf(ErrLength, "totalPacketLen %d, but another frame starts at byte %d", claimed, j)
			}
			return Frame{}, false, nil
		default:
			if errors.Is(err, ErrLength) {
				d.Stats.BadLength.Add(1)
			} else {
				d.Stats.BadTLV.Add(1)
			}
			d.drop(1)
			return Frame{}, false, err
		}
	}
}

// laterFrame returns the index of the first magic word after byte 0 that
// starts a complete good frame, or -1.
func (d *Decoder) laterFrame() int {
	for j := 1; j < len(d.buf); j++ {
		k := bytes.Index(d.buf[j:], Magic[:])
		if k < 0 {
			return -1
		}
		j += k
		if _, _, err := tryFrame(d.buf[j:]); err == nil {
			return j
		}
	}
	return -1
}

// tryFrame decodes the frame at the start of b (which starts with the
// magic word) and returns its length. ErrShort means: wait for more.
func tryFrame(b []byte) (Frame, int, error) {
	n, err := frameLen(b)
	if err != nil {
		return Frame{}, 0, err
	}
	if len(b) < n {
		return Frame{}, 0, ErrShort
	}
	f, err := Unmarshal(b[:n])
	return f, n, err
}
