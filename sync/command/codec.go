package command

import (
	"encoding/binary"
	"fmt"
	"time"
)

const (
	version   = 1
	batchMark = 'B'
)

// Append appends the encoding of c to b. c must be valid (see Validate).
func Append(b []byte, c *Command) []byte {
	b = append(b, version)
	b = append(b, c.ID[:]...)
	b = appendString(b, c.Kind)
	b = appendString(b, c.Node)
	b = appendString(b, c.Actor)
	b = appendString(b, c.Terminal)
	var t int64
	if !c.Time.IsZero() {
		t = c.Time.UnixNano()
	}
	b = binary.AppendVarint(b, t)
	b = binary.AppendUvarint(b, uint64(len(c.Body)))
	return append(b, c.Body...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Encode returns the encoding of one command after validating it.
func Encode(c *Command) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return Append(nil, c), nil
}

// EncodeBatch encodes commands as one log entry. Each must be valid.
func EncodeBatch(cs []*Command) ([]byte, error) {
	if len(cs) == 0 || len(cs) > MaxBatch {
		return nil, fmt.Errorf("%w: batch of %d commands (want 1..%d)", ErrMalformed, len(cs), MaxBatch)
	}
	b := make([]byte, 0, 64*len(cs))
	b = append(b, batchMark)
	b = binary.AppendUvarint(b, uint64(len(cs)))
	var scratch []byte
	for _, c := range cs {
		if err := c.Validate(); err != nil {
			return nil, err
		}
		scratch = Append(scratch[:0], c)
		b = binary.AppendUvarint(b, uint64(len(scratch)))
		b = append(b, scratch...)
	}
	return b, nil
}

// decoder reads fields and remembers where it is, so that an error names the
// field and the offset of the offending byte.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(field, format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at byte %d: %s", ErrMalformed, field, d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) uvarint(field string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail(field, "bad varint")
		return 0
	}
	var tmp [binary.MaxVarintLen64]byte
	if n != len(binary.AppendUvarint(tmp[:0], v)) {
		d.fail(field, "varint not in its shortest form") // one encoding per command
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint(field string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail(field, "bad varint")
		return 0
	}
	var tmp [binary.MaxVarintLen64]byte
	if n != len(binary.AppendVarint(tmp[:0], v)) {
		d.fail(field, "varint not in its shortest form")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) bytes(field string, max int) []byte {
	n := d.uvarint(field + " length")
	if d.err != nil {
		return nil
	}
	if n > uint64(max) {
		d.fail(field, "length %d exceeds %d", n, max)
		return nil
	}
	if n > uint64(len(d.b)-d.off) {
		d.fail(field, "length %d but only %d bytes left", n, len(d.b)-d.off)
		return nil
	}
	v := d.b[d.off : d.off+int(n)]
	d.off += int(n)
	return v
}

func (d *decoder) command(c *Command) {
	if d.off >= len(d.b) {
		d.fail("version", "truncated")
		return
	}
	if v := d.b[d.off]; v != version {
		d.fail("version", "got 0x%02x, want 0x%02x", v, version)
		return
	}
	d.off++
	if len(d.b)-d.off < len(c.ID) {
		d.fail("id", "truncated")
		return
	}
	copy(c.ID[:], d.b[d.off:])
	d.off += len(c.ID)
	c.Kind = string(d.bytes("kind", MaxString))
	c.Node = string(d.bytes("node", MaxString))
	c.Actor = string(d.bytes("actor", MaxString))
	c.Terminal = string(d.bytes("terminal", MaxString))
	if t := d.varint("time"); t != 0 {
		c.Time = time.Unix(0, t).UTC()
	}
	if body := d.bytes("body", MaxBody); len(body) > 0 {
		c.Body = append([]byte(nil), body...)
	}
	if d.err == nil {
		if err := c.Validate(); err != nil {
			d.err = err
		}
	}
}

// Decode decodes one command encoded by Encode. Trailing bytes are an error.
func Decode(b []byte) (*Command, error) {
	d := decoder{b: b}
	c := new(Command)
	d.command(c)
	if d.err == nil && d.off != len(b) {
		d.fail("end", "%d trailing bytes", len(b)-d.off)
	}
	if d.err != nil {
		return nil, d.err
	}
	return c, nil
}

// DecodeBatch decodes a log entry produced by EncodeBatch.
func DecodeBatch(b []byte) ([]*Command, error) {
	d := decoder{b: b}
	if len(b) == 0 || b[0] != batchMark {
		d.fail("batch mark", "want 'B'")
		return nil, d.err
	}
	d.off = 1
	n := d.uvarint("count")
	if d.err == nil && (n == 0 || n > MaxBatch) {
		d.fail("count", "%d commands (want 1..%d)", n, MaxBatch)
	}
	if d.err != nil {
		return nil, d.err
	}
	// Each command takes at least 22 bytes; do not trust n for allocation.
	cs := make([]*Command, 0, min(int(n), len(b)/22+1))
	for i := uint64(0); i < n; i++ {
		raw := d.bytes(fmt.Sprintf("command[%d]", i), MaxBody+5*MaxString+64)
		if d.err != nil {
			return nil, d.err
		}
		c, err := Decode(raw)
		if err != nil {
			return nil, fmt.Errorf("command[%d] at byte %d: %w", i, d.off-len(raw), err)
		}
		cs = append(cs, c)
	}
	if d.off != len(b) {
		d.fail("end", "%d trailing bytes", len(b)-d.off)
		return nil, d.err
	}
	return cs, nil
}
