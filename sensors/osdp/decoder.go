package osdp

import (
	"errors"
	"sync/atomic"
)

// DecoderStats counts what a Decoder saw. Safe to read concurrently.
type DecoderStats struct {
	Frames    atomic.Uint64 // good frames returned
	BadCRC    atomic.Uint64 // candidate frames rejected for CRC/checksum
	BadLength atomic.Uint64 // candidate frames rejected for LEN
	BadOther  atomic.Uint64 // candidate frames rejected for another reason
	Skipped   atomic.Uint64 // bytes dropped while resynchronising
}

// Decoder splits a byte stream into frames. It resynchronises after
// garbage: it skips to the next SOM that starts a frame which checks out,
// tolerates the optional 0xFF mark byte, and never buffers more than two
// maximum-length frames. It does no I/O: feed it with Write and take frames
// with Next. A Decoder is not safe for concurrent use (its Stats are).
type Decoder struct {
	buf   []byte
	fresh bool // bytes arrived since the last look-ahead scan
	Stats DecoderStats
}

// Write appends stream bytes. It never fails.
func (d *Decoder) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	d.fresh = len(p) > 0
	if over := len(d.buf) - 2*MaxFrameLen; over > 0 {
		d.drop(over)
	}
	return len(p), nil
}

// Reset discards buffered bytes, e.g. after a reply timeout.
func (d *Decoder) Reset() {
	d.Stats.Skipped.Add(uint64(len(d.buf)))
	d.buf = d.buf[:0]
}

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
		i := indexSOM(d.buf, 0)
		if i < 0 {
			d.drop(len(d.buf))
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
			// Incomplete. A later SOM may already hold a whole good
			// frame (this SOM was noise inside garbage): take it.
			// The scan costs a CRC per later SOM, so it runs once per
			// Write, not once per call: noise cannot make Next quadratic.
			if !d.fresh {
				return Frame{}, false, nil
			}
			d.fresh = false
			if j := d.laterFrame(); j > 0 {
				d.count(err)
				d.drop(j)
				continue
			}
			return Frame{}, false, nil
		default:
			d.count(err)
			d.drop(1)
			return Frame{}, false, err
		}
	}
}

// laterFrame returns the index of the first SOM after byte 0 that starts
// a complete good frame, or -1.
func (d *Decoder) laterFrame() int {
	for j := indexSOM(d.buf, 1); j >= 0; j = indexSOM(d.buf, j+1) {
		if _, _, err := tryFrame(d.buf[j:]); err == nil {
			return j
		}
	}
	return -1
}

func (d *Decoder) count(err error) {
	switch {
	case errors.Is(err, ErrCRC):
		d.Stats.BadCRC.Add(1)
	case errors.Is(err, ErrLength), errors.Is(err, ErrShort):
		d.Stats.BadLength.Add(1)
	default:
		d.Stats.BadOther.Add(1)
	}
}

func indexSOM(b []byte, from int) int {
	for i := from; i < len(b); i++ {
		if b[i] == SOM {
			return i
		}
	}
	return -1
}

// tryFrame decodes the frame at the start of b (which starts with SOM) and
// returns its length.
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
