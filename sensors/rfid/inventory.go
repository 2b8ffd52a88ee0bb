package rfid

import (
	"encoding/binary"
	"fmt"
)

// RSSIOffset converts the RSSI byte of a tag report to dBm:
// dBm ≈ RSSI − RSSIOffset.
const RSSIOffset = 129

// MaxEPC is the longest EPC a PC word can announce: 31 words.
const MaxEPC = 62

// roundEndLen is the data size of the end-of-round reply (Len 0x0A).
const roundEndLen = 7

// TagReport is one tag read reported during a real-time inventory round:
// data FreqAnt PC(2) EPC… RSSI.
type TagReport struct {
	Antenna   int    // FreqAnt & 3
	FreqIndex int    // FreqAnt >> 2: index into the region's channel table
	PC        uint16 // protocol-control word; bits 15–11 are the EPC length in words
	EPC       []byte
	RSSI      byte // raw; see DBm
}

// DBm returns the received signal strength in dBm.
func (t TagReport) DBm() int { return int(t.RSSI) - RSSIOffset }

// PCLength returns the EPC length in bytes that a PC word announces:
// (PC & 0xF800) >> 10.
func PCLength(pc uint16) int { return int(pc&0xF800) >> 10 }

// PCFor returns a PC word announcing an EPC of n bytes (n even, at most
// MaxEPC), with the other bits (UMI, XI, numbering system) clear.
func PCFor(n int) uint16 { return uint16(n/2) << 11 }

// Marshal encodes the tag report body.
func (t TagReport) Marshal() ([]byte, error) {
	if t.Antenna < 0 || t.Antenna > 3 {
		return nil, fmt.Errorf("%w: tag report antenna %d outside 0…3", ErrPayload, t.Antenna)
	}
	if t.FreqIndex < 0 || t.FreqIndex > 63 {
		return nil, fmt.Errorf("%w: tag report frequency index %d outside 0…63", ErrPayload, t.FreqIndex)
	}
	if n := PCLength(t.PC); n != len(t.EPC) {
		return nil, fmt.Errorf("%w: PC 0x%04X announces a %d-byte EPC, have %d", ErrPayload, t.PC, n, len(t.EPC))
	}
	b := make([]byte, 0, 4+len(t.EPC))
	b = append(b, byte(t.FreqIndex<<2|t.Antenna))
	b = binary.BigEndian.AppendUint16(b, t.PC)
	b = append(b, t.EPC...)
	return append(b, t.RSSI), nil
}

// ParseTagReport decodes a tag report body. The EPC length comes from the
// PC word and must account for every byte: a frame that passed the 8-bit
// checksum by chance rarely also agrees with its PC.
func ParseTagReport(data []byte) (TagReport, error) {
	if len(data) < 4 {
		return TagReport{}, fmt.Errorf("%w: tag report has %d data bytes, need ≥ 4 (FreqAnt PC RSSI)", ErrPayload, len(data))
	}
	pc := binary.BigEndian.Uint16(data[1:3])
	n := PCLength(pc)
	if len(data) != 4+n {
		return TagReport{}, fmt.Errorf("%w: tag report PC 0x%04X announces a %d-byte EPC, frame holds %d", ErrPayload, pc, n, len(data)-4)
	}
	return TagReport{
		Antenna:   int(data[0] & 3),
		FreqIndex: int(data[0] >> 2),
		PC:        pc,
		EPC:       append([]byte{}, data[3:3+n]...),
		RSSI:      data[3+n],
	}, nil
}

// RoundEnd closes a real-time inventory round: data AntID ReadRate(2)
// TotalRead(4).
type RoundEnd struct {
	Antenna  int    // the work antenna of the round
	ReadRate uint16 // tag reads per second during the round
	Total    uint32 // tag reads in the round, repeats included
}

// Marshal encodes the end-of-round body.
func (e RoundEnd) Marshal() ([]byte, error) {
	if e.Antenna < 0 || e.Antenna > 0xFF {
		return nil, fmt.Errorf("%w: end of round antenna %d outside 0…255", ErrPayload, e.Antenna)
	}
	b := make([]byte, 0, roundEndLen)
	b = append(b, byte(e.Antenna))
	b = binary.BigEndian.AppendUint16(b, e.ReadRate)
	return binary.BigEndian.AppendUint32(b, e.Total), nil
}

// ParseRoundEnd decodes an end-of-round body.
func ParseRoundEnd(data []byte) (RoundEnd, error) {
	if len(data) != roundEndLen {
		return RoundEnd{}, fmt.Errorf("%w: end of round has %d data bytes, want %d", ErrPayload, len(data), roundEndLen)
	}
	return RoundEnd{
		Antenna:  int(data[0]),
		ReadRate: binary.BigEndian.Uint16(data[1:3]),
		Total:    binary.BigEndian.Uint32(data[3:7]),
	}, nil
}

// InventoryKind tells the three replies to CmdRealTimeInventory apart.
type InventoryKind int

// Kinds of real-time inventory replies.
const (
	InventoryTag   InventoryKind = iota + 1 // a TagReport
	InventoryEnd                            // a RoundEnd
	InventoryError                          // an error code: the round failed
)

// InventoryReply is one reply to CmdRealTimeInventory; Kind says which
// field is set.
type InventoryReply struct {
	Kind InventoryKind
	Tag  TagReport
	End  RoundEnd
	Code ErrorCode
}

// ParseInventory decodes a reply to CmdRealTimeInventory. The three kinds
// are told apart by size, without ambiguity: an error has 1 data byte
// (Len 0x04), an end of round 7 (Len 0x0A), and a tag report 4 plus an
// even number of EPC bytes, so never 1 or 7.
func ParseInventory(data []byte) (InventoryReply, error) {
	switch len(data) {
	case 1:
		return InventoryReply{Kind: InventoryError, Code: ErrorCode(data[0])}, nil
	case roundEndLen:
		e, err := ParseRoundEnd(data)
		return InventoryReply{Kind: InventoryEnd, End: e}, err
	}
	t, err := ParseTagReport(data)
	if err != nil {
		return InventoryReply{}, err
	}
	return InventoryReply{Kind: InventoryTag, Tag: t}, nil
}
