package rfid

import "fmt"

// Wire constants of the R2000 serial protocol.
const (
	// Head starts every frame, both directions.
	Head = 0xA0
	// AddrPublic is the public address: every reader on the line accepts
	// a command sent to it (and answers with its own address).
	AddrPublic = 0xFF
	// MinLen is the smallest Len field: Addr, Cmd and Check.
	MinLen = 3
	// MaxData is the most data bytes a frame carries: Len is one byte.
	MaxData = 0xFF - MinLen
	// MinFrameLen is the shortest frame on the wire: A0 Len Addr Cmd Check.
	MinFrameLen = MinLen + 2
	// MaxFrameLen is the longest frame on the wire (Len = 0xFF).
	MaxFrameLen = 0xFF + 2
)

// Frame is one message, command or reply: A0 Len Addr Cmd Data… Check.
// Commands and replies have the same shape; a reply carries the command
// code it answers and the reader's own address.
type Frame struct {
	Addr byte
	Cmd  byte
	Data []byte
}

func (f Frame) String() string {
	return fmt.Sprintf("addr 0x%02X cmd 0x%02X data [% X]", f.Addr, f.Cmd, f.Data)
}

// Checksum returns the Check byte for b: the two's complement of the sum
// of its bytes, (~sum + 1) & 0xFF.
func Checksum(b []byte) byte {
	var sum byte
	for _, c := range b {
		sum += c
	}
	return -sum
}

// Marshal encodes f. It fails only when Data is longer than MaxData.
func Marshal(f Frame) ([]byte, error) {
	if len(f.Data) > MaxData {
		return nil, fmt.Errorf("%w: %d data bytes, at most %d fit", ErrLength, len(f.Data), MaxData)
	}
	n := MinFrameLen + len(f.Data)
	b := make([]byte, 0, n)
	b = append(b, Head, byte(n-2), f.Addr, f.Cmd)
	b = append(b, f.Data...)
	return append(b, Checksum(b)), nil
}

// frameLen returns the length of the frame that starts at b[0] (a Head),
// from its Len byte. It needs two bytes.
func frameLen(b []byte) (int, error) {
	if len(b) < 2 {
		return 0, fmt.Errorf("%w: have %d bytes, Len is byte 1", ErrShort, len(b))
	}
	if b[1] < MinLen {
		return 0, fmt.Errorf("%w: Len (byte 1) = %d, want ≥ %d", ErrLength, b[1], MinLen)
	}
	return int(b[1]) + 2, nil
}

// Unmarshal decodes exactly one frame. Data is a copy: b may be reused.
func Unmarshal(b []byte) (Frame, error) {
	if len(b) == 0 {
		return Frame{}, fmt.Errorf("%w: empty input", ErrShort)
	}
	if b[0] != Head {
		return Frame{}, fmt.Errorf("%w: byte 0 = 0x%02X, want 0x%02X", ErrHead, b[0], Head)
	}
	n, err := frameLen(b)
	if err != nil {
		return Frame{}, err
	}
	if len(b) < n {
		return Frame{}, fmt.Errorf("%w: Len (byte 1) = %d needs %d bytes, have %d", ErrShort, b[1], n, len(b))
	}
	if len(b) > n {
		return Frame{}, fmt.Errorf("%w: Len (byte 1) = %d frames %d bytes, have %d", ErrLength, b[1], n, len(b))
	}
	if c := Checksum(b[:n-1]); c != b[n-1] {
		return Frame{}, fmt.Errorf("%w: Check (byte %d) = 0x%02X, computed 0x%02X", ErrChecksum, n-1, b[n-1], c)
	}
	f := Frame{Addr: b[2], Cmd: b[3]}
	if n > MinFrameLen {
		f.Data = append([]byte(nil), b[4:n-1]...)
	}
	return f, nil
}
