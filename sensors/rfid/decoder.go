package rfid

import (
	"bytes"
	"errors"
	"sync/atomic"
)

// MaxBuffered bounds the bytes a Decoder holds. A caller that calls Next
// until it reports nothing after each Write never gets near it; written
// beyond it, the oldest bytes are dropped (and counted as skipped).
const MaxBuffered = 8 * MaxFrameLen

// DecoderStats counts what a Decoder saw. Safe to read concurrently.
type DecoderStats struct {
	Frames      atomic.Uint64 // good frames returned
	BadChecksum atomic.Uint64 // complete candidates whose Check did not match
	BadLength   atomic.Uint64 // candidates with Len < 3, or cut short by a quiet line
	Skipped     atomic.Uint64 // bytes dropped while resynchronising
}

// Decoder splits a byte stream into frames. It resynchronises on the next
// 0xA0 after garbage: a candidate that fails is abandoned one byte at a
// time, so a good frame that follows noise (or hides behind a false 0xA0
// with a large Len) is still found. It does no I/O and knows no clock:
// feed it with Write, take frames with Next, and call Idle when the line
// has gone quiet. A Decoder is not safe for concurrent use (its Stats are).
type Decoder struct {
	buf   []byte
	Stats DecoderStats
}

// Write appends stream bytes. It never fails.
func (d *Decoder) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	if over := len(d.buf) - MaxBuffered; over > 0 {
		d.drop(over)
	}
	return len(p), nil
}

// Reset discards buffered bytes (counted as skipped), e.g. on reopening
// the port.
func (d *Decoder) Reset() { d.drop(len(d.buf)) }

// Buffered returns the number of bytes waiting.
func (d *Decoder) Buffered() int { return len(d.buf) }

func (d *Decoder) drop(n int) {
	if n <= 0 {
		return
	}
	d.Stats.Skipped.Add(uint64(n))
	d.buf = append(d.buf[:0], d.buf[n:]...)
}

// Next returns the next good frame. ok is false when more bytes are
// needed. Each call returns at most one rejected candidate as err (with ok
// false) so the caller can log it; call Next again until it returns
// neither a frame nor an error.
func (d *Decoder) Next() (f Frame, ok bool, err error) {
	i := bytes.IndexByte(d.buf, Head)
	if i < 0 {
		d.drop(len(d.buf))
		return Frame{}, false, nil
	}
	d.drop(i)
	n, err := frameLen(d.buf)
	switch {
	case errors.Is(err, ErrShort):
		return Frame{}, false, nil
	case err != nil:
		d.Stats.BadLength.Add(1)
		d.drop(1)
		return Frame{}, false, err
	case len(d.buf) < n:
		return Frame{}, false, nil
	}
	f, err = Unmarshal(d.buf[:n])
	if err != nil {
		// Only the checksum can fail here; resume at the next byte, since
		// a real frame may start inside this false one.
		d.Stats.BadChecksum.Add(1)
		d.drop(1)
		return Frame{}, false, err
	}
	d.buf = append(d.buf[:0], d.buf[n:]...)
	d.Stats.Frames.Add(1)
	return f, true, nil
}

// Idle tells the decoder that the line has been quiet for longer than a
// frame takes to arrive: a candidate still waiting for bytes at the head
// (a stray 0xA0 whose Len promised more than came) will never complete,
// so it is abandoned, as are any like it behind it, until a complete
// candidate or nothing is at the head. It reports whether it dropped
// anything; if so, call Next again.
func (d *Decoder) Idle() bool {
	dropped := false
	for {
		i := bytes.IndexByte(d.buf, Head)
		if i < 0 {
			if len(d.buf) > 0 {
				d.drop(len(d.buf))
				dropped = true
			}
			return dropped
		}
		d.drop(i)
		n, err := frameLen(d.buf)
		if (err == nil && len(d.buf) >= n) || (err != nil && !errors.Is(err, ErrShort)) {
			return dropped || i > 0 // complete (good or bad): Next's to judge
		}
		d.Stats.BadLength.Add(1) // cut short: Len promised more than came
		d.drop(1)
		dropped = true
	}
}
