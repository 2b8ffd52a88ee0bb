package osdp

import (
	"encoding/binary"
	"fmt"
)

// Wire constants.
const (
	SOM         = 0x53 // start of message
	Mark        = 0xFF // optional mark byte sent before SOM
	Broadcast   = 0x7F // broadcast address
	replyBit    = 0x80
	ctrlSeqMask = 0x03
	ctrlCRC     = 0x04
	ctrlSCB     = 0x08
	headerLen   = 5 // SOM ADDR LEN_LO LEN_HI CTRL
	// MinFrameLen is the shortest frame: header, code and a 1-byte checksum.
	MinFrameLen = headerLen + 2
	// MaxFrameLen bounds LEN. The spec lets a PD announce its receive buffer
	// in PDCAP; readers have a few hundred bytes, so 1 KiB is generous and
	// keeps a garbage LEN from making the framer wait for megabytes.
	MaxFrameLen = 1024
	// MACLen is the number of MAC bytes on the wire.
	MACLen = 4
)

// Security block types (SEC_BLK_TYPE).
const (
	SCS11 = 0x11 // CP→PD CHLNG: begin handshake
	SCS12 = 0x12 // PD→CP CCRYPT
	SCS13 = 0x13 // CP→PD SCRYPT
	SCS14 = 0x14 // PD→CP RMAC_I
	SCS15 = 0x15 // CP→PD secure message, MAC only
	SCS16 = 0x16 // PD→CP secure reply, MAC only
	SCS17 = 0x17 // CP→PD secure message, MAC and encrypted data
	SCS18 = 0x18 // PD→CP secure reply, MAC and encrypted data
)

// Frame is one OSDP message, command or reply, as it is on the wire. Data
// is the plain or the encrypted body, as it was framed: the secure channel
// (Session) turns one into the other.
type Frame struct {
	Addr    byte   // 0x00–0x7F, without the reply bit
	Reply   bool   // PD→CP (ADDR bit 7)
	Seq     byte   // 0–3
	CRC     bool   // CRC-16 trailer; false: 1-byte checksum
	SCBType byte   // 0: no security control block
	SCBData []byte // SEC_BLK_DATA
	Code    byte   // command or reply code
	Data    []byte
	MAC     []byte // MACLen bytes when SCBType is SCS15…SCS18

	// macInput is SOM…end of data as received, what the MAC covers.
	macInput []byte
}

// hasMAC reports whether frames with this security block carry a MAC.
func hasMAC(scbType byte) bool { return scbType >= SCS15 && scbType <= SCS18 }

// Marshal encodes f. A frame whose SCBType calls for a MAC must carry
// MACLen bytes in f.MAC; Session.Seal fills them in.
func Marshal(f Frame) ([]byte, error) { return marshal(f, nil) }

// marshal encodes f; when mac is not nil it computes the MAC over the bytes
// that precede it (SOM…data) instead of taking f.MAC.
func marshal(f Frame, mac func(prefix []byte) ([]byte, error)) ([]byte, error) {
	if f.Addr > 0x7F {
		return nil, fmt.Errorf("%w: ADDR 0x%02X > 0x7F", ErrAddress, f.Addr)
	}
	if f.Seq > 3 {
		return nil, fmt.Errorf("%w: %d > 3", ErrSequence, f.Seq)
	}
	n := headerLen + 1 + len(f.Data)
	if f.SCBType != 0 {
		if len(f.SCBData) > 253 {
			return nil, fmt.Errorf("%w: SEC_BLK_DATA %d bytes", ErrSCB, len(f.SCBData))
		}
		n += 2 + len(f.SCBData)
	}
	withMAC := hasMAC(f.SCBType)
	if withMAC {
		if mac == nil && len(f.MAC) != MACLen {
			return nil, fmt.Errorf("%w: SCS_%02X needs a %d-byte MAC, have %d", ErrMAC, f.SCBType, MACLen, len(f.MAC))
		}
		n += MACLen
	}
	if f.CRC {
		n += 2
	} else {
		n++
	}
	if n > MaxFrameLen {
		return nil, fmt.Errorf("%w: LEN %d > %d", ErrLength, n, MaxFrameLen)
	}
	b := make([]byte, 0, n)
	addr := f.Addr
	if f.Reply {
		addr |= replyBit
	}
	ctrl := f.Seq
	if f.CRC {
		ctrl |= ctrlCRC
	}
	if f.SCBType != 0 {
		ctrl |= ctrlSCB
	}
	b = append(b, SOM, addr, byte(n), byte(n>>8), ctrl)
	if f.SCBType != 0 {
		b = append(b, byte(2+len(f.SCBData)), f.SCBType)
		b = append(b, f.SCBData...)
	}
	b = append(b, f.Code)
	b = append(b, f.Data...)
	if withMAC {
		m := f.MAC
		if mac != nil {
			var err error
			if m, err = mac(b); err != nil {
				return nil, err
			}
		}
		b = append(b, m[:MACLen]...)
	}
	if f.CRC {
		b = binary.LittleEndian.AppendUint16(b, CRC16(b))
	} else {
		b = append(b, Checksum(b))
	}
	return b, nil
}

// frameLen returns the LEN of the frame at the start of b, or an error if
// b does not start like a frame. It needs headerLen bytes.
func frameLen(b []byte) (int, error) {
	if len(b) < headerLen {
		return 0, fmt.Errorf("%w: %d bytes, header needs %d", ErrShort, len(b), headerLen)
	}
	if b[0] != SOM {
		return 0, fmt.Errorf("%w: byte 0 = 0x%02X, want 0x53", ErrSOM, b[0])
	}
	n := int(binary.LittleEndian.Uint16(b[2:4]))
	if n < MinFrameLen || n > MaxFrameLen {
		return 0, fmt.Errorf("%w: LEN (bytes 2-3) = %d, want %d…%d", ErrLength, n, MinFrameLen, MaxFrameLen)
	}
	return n, nil
}

// Unmarshal decodes the single frame that b holds exactly (no mark byte).
// It checks the CRC or checksum and the layout, not the MAC: that is the
// Session's job.
func Unmarshal(b []byte) (Frame, error) {
	n, err := frameLen(b)
	if err != nil {
		return Frame{}, err
	}
	if len(b) < n {
		return Frame{}, fmt.Errorf("%w: LEN (bytes 2-3) = %d, have %d bytes", ErrShort, n, len(b))
	}
	if len(b) > n {
		return Frame{}, fmt.Errorf("%w: LEN (bytes 2-3) = %d, have %d bytes", ErrLength, n, len(b))
	}
	ctrl := b[4]
	f := Frame{
		Addr:  b[1] &^ replyBit,
		Reply: b[1]&replyBit != 0,
		Seq:   ctrl & ctrlSeqMask,
		CRC:   ctrl&ctrlCRC != 0,
	}
	end := n - 1
	if f.CRC {
		end = n - 2
		got := binary.LittleEndian.Uint16(b[end:])
		if want := CRC16(b[:end]); got != want {
			return Frame{}, fmt.Errorf("%w: CRC (bytes %d-%d) = 0x%04X, computed 0x%04X", ErrCRC, end, end+1, got, want)
		}
	} else if got, want := b[end], Checksum(b[:end]); got != want {
		return Frame{}, fmt.Errorf("%w: checksum (byte %d) = 0x%02X, computed 0x%02X", ErrCRC, end, got, want)
	}
	p := headerLen
	if ctrl&ctrlSCB != 0 {
		if p+2 > end {
			return Frame{}, fmt.Errorf("%w: CTRL 0x%02X announces an SCB, LEN %d leaves no room", ErrLength, ctrl, n)
		}
		sl := int(b[p])
		if sl < 2 || p+sl >= end { // at least the code must follow
			return Frame{}, fmt.Errorf("%w: SEC_BLK_LEN (byte %d) = %d, frame LEN %d", ErrSCB, p, sl, n)
		}
		f.SCBType = b[p+1]
		if f.SCBType == 0 {
			return Frame{}, fmt.Errorf("%w: SEC_BLK_TYPE (byte %d) = 0x00", ErrSCB, p+1)
		}
		f.SCBData = append([]byte(nil), b[p+2:p+sl]...)
		p += sl
	}
	if p >= end {
		return Frame{}, fmt.Errorf("%w: LEN %d leaves no room for the code", ErrLength, n)
	}
	f.Code = b[p]
	p++
	dataEnd := end
	if hasMAC(f.SCBType) {
		dataEnd = end - MACLen
		if dataEnd < p {
			return Frame{}, fmt.Errorf("%w: LEN %d leaves no room for the MAC of SCS_%02X", ErrLength, n, f.SCBType)
		}
		f.MAC = append([]byte(nil), b[dataEnd:end]...)
		f.macInput = append([]byte(nil), b[:dataEnd]...)
	}
	if dataEnd > p {
		f.Data = append([]byte(nil), b[p:dataEnd]...)
	}
	return f, nil
}

// CRC16 is the OSDP CRC: polynomial 0x1021, initial value 0x1D0F, not
// reflected, no final XOR (CRC-16/AUG-CCITT). It is sent low byte first.
func CRC16(b []byte) uint16 {
	crc := uint16(0x1D0F)
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// Checksum is the 1-byte alternative to the CRC: the two's complement of
// the sum of the bytes.
func Checksum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return -s
}
