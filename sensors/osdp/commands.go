package osdp

import (
	"encoding/binary"
	"fmt"
)

// Command codes (CP→PD).
const (
	CmdPOLL   = 0x60
	CmdID     = 0x61
	CmdCAP    = 0x62
	CmdLSTAT  = 0x64
	CmdLED    = 0x69
	CmdBUZ    = 0x6A
	CmdKEYSET = 0x75
	CmdCHLNG  = 0x76
	CmdSCRYPT = 0x77
)

// Reply codes (PD→CP).
const (
	ReplyACK    = 0x40
	ReplyNAK    = 0x41
	ReplyPDID   = 0x45
	ReplyPDCAP  = 0x46
	ReplyLSTATR = 0x48
	ReplyRAW    = 0x50
	ReplyKEYPAD = 0x53
	ReplyCCRYPT = 0x76
	ReplyRMACI  = 0x78
	ReplyBUSY   = 0x79
)

// NAKReason is the error code of a NAK reply.
type NAKReason byte

// NAK reasons from the spec.
const (
	NAKNone         NAKReason = 0x00
	NAKCheck        NAKReason = 0x01 // message check character(s) error
	NAKLength       NAKReason = 0x02 // command length error
	NAKUnknown      NAKReason = 0x03 // unknown command code
	NAKSequence     NAKReason = 0x04 // unexpected sequence number
	NAKSecurity     NAKReason = 0x05 // security block unsupported / conditions not met
	NAKEncryption   NAKReason = 0x06 // encrypted communication required
	NAKUnprocessing NAKReason = 0x09 // unable to process command record
)

func (r NAKReason) String() string {
	switch r {
	case NAKNone:
		return "no error"
	case NAKCheck:
		return "check character error"
	case NAKLength:
		return "command length error"
	case NAKUnknown:
		return "unknown command"
	case NAKSequence:
		return "sequence number error"
	case NAKSecurity:
		return "security conditions not met"
	case NAKEncryption:
		return "encrypted communication required"
	case NAKUnprocessing:
		return "unable to process command"
	}
	return fmt.Sprintf("NAK 0x%02X", byte(r))
}

func need(name string, data []byte, n int) error {
	if len(data) < n {
		return fmt.Errorf("%w: %s needs %d bytes, have %d", ErrPayload, name, n, len(data))
	}
	return nil
}

// PDID is the body of the PDID reply to ID.
type PDID struct {
	Vendor   [3]byte // IEEE OUI
	Model    byte
	Version  byte
	Serial   uint32
	Firmware [3]byte // major, minor, build
}

// Marshal encodes the 12-byte PDID body.
func (p PDID) Marshal() []byte {
	b := append([]byte{}, p.Vendor[:]...)
	b = append(b, p.Model, p.Version)
	b = binary.LittleEndian.AppendUint32(b, p.Serial)
	return append(b, p.Firmware[:]...)
}

// ClientUID is the 8-byte cUID a PD sends in CCRYPT, derived from its ID.
func (p PDID) ClientUID() [8]byte {
	var u [8]byte
	copy(u[:], p.Vendor[:])
	u[3] = p.Model
	binary.LittleEndian.PutUint32(u[4:], p.Serial)
	return u
}

// ParsePDID decodes a PDID body.
func ParsePDID(data []byte) (PDID, error) {
	if err := need("PDID", data, 12); err != nil {
		return PDID{}, err
	}
	var p PDID
	copy(p.Vendor[:], data[0:3])
	p.Model, p.Version = data[3], data[4]
	p.Serial = binary.LittleEndian.Uint32(data[5:9])
	copy(p.Firmware[:], data[9:12])
	return p, nil
}

// Capability is one PDCAP entry.
type Capability struct {
	Function   byte // function code, e.g. 9 = communication security
	Compliance byte
	Items      byte
}

// Capability function codes used here.
const (
	CapCardFormat    = 4
	CapReaderLED     = 5
	CapReaderAudible = 6
	CapCommSecurity  = 9
)

// MarshalCaps encodes a PDCAP body.
func MarshalCaps(caps []Capability) []byte {
	b := make([]byte, 0, 3*len(caps))
	for _, c := range caps {
		b = append(b, c.Function, c.Compliance, c.Items)
	}
	return b
}

// ParseCaps decodes a PDCAP body.
func ParseCaps(data []byte) ([]Capability, error) {
	if len(data)%3 != 0 {
		return nil, fmt.Errorf("%w: PDCAP length %d is not a multiple of 3", ErrPayload, len(data))
	}
	caps := make([]Capability, 0, len(data)/3)
	for i := 0; i < len(data); i += 3 {
		caps = append(caps, Capability{data[i], data[i+1], data[i+2]})
	}
	return caps, nil
}

// LocalStatus is the LSTATR body.
type LocalStatus struct {
	Tamper     bool
	PowerFault bool
}

// Marshal encodes the LSTATR body.
func (s LocalStatus) Marshal() []byte { return []byte{b2u(s.Tamper), b2u(s.PowerFault)} }

// ParseLocalStatus decodes an LSTATR body.
func ParseLocalStatus(data []byte) (LocalStatus, error) {
	if err := need("LSTATR", data, 2); err != nil {
		return LocalStatus{}, err
	}
	return LocalStatus{Tamper: data[0] != 0, PowerFault: data[1] != 0}, nil
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// LED colours.
const (
	ColorBlack = 0
	ColorRed   = 1
	ColorGreen = 2
	ColorAmber = 3
	ColorBlue  = 4
)

// LEDCommand is one 14-byte LED record: a temporary pattern that runs for
// TempTimer×100 ms and then falls back to the permanent one. Times are in
// units of 100 ms; control codes: 0 no change, 1 cancel/off-set, 2 set.
type LEDCommand struct {
	Reader, LED               byte
	TempCode, TempOn, TempOff byte
	TempOnColor, TempOffColor byte
	TempTimer                 uint16
	PermCode, PermOn, PermOff byte
	PermOnColor, PermOffColor byte
}

const ledRecordLen = 14

// Marshal encodes the record.
func (l LEDCommand) Marshal() []byte {
	b := []byte{l.Reader, l.LED, l.TempCode, l.TempOn, l.TempOff, l.TempOnColor, l.TempOffColor}
	b = binary.LittleEndian.AppendUint16(b, l.TempTimer)
	return append(b, l.PermCode, l.PermOn, l.PermOff, l.PermOnColor, l.PermOffColor)
}

// ParseLEDs decodes an LED command body (one or more records).
func ParseLEDs(data []byte) ([]LEDCommand, error) {
	if len(data) == 0 || len(data)%ledRecordLen != 0 {
		return nil, fmt.Errorf("%w: LED length %d is not a multiple of %d", ErrPayload, len(data), ledRecordLen)
	}
	var out []LEDCommand
	for d := data; len(d) > 0; d = d[ledRecordLen:] {
		out = append(out, LEDCommand{
			Reader: d[0], LED: d[1], TempCode: d[2], TempOn: d[3], TempOff: d[4],
			TempOnColor: d[5], TempOffColor: d[6], TempTimer: binary.LittleEndian.Uint16(d[7:9]),
			PermCode: d[9], PermOn: d[10], PermOff: d[11], PermOnColor: d[12], PermOffColor: d[13],
		})
	}
	return out, nil
}

// BuzzerCommand is the BUZ body. Tone 0 none, 1 off, 2 default tone; On
// and Off in units of 100 ms; Count 0 means until told otherwise.
type BuzzerCommand struct {
	Reader, Tone, On, Off, Count byte
}

// Marshal encodes the BUZ body.
func (z BuzzerCommand) Marshal() []byte { return []byte{z.Reader, z.Tone, z.On, z.Off, z.Count} }

// ParseBuzzer decodes a BUZ body.
func ParseBuzzer(data []byte) (BuzzerCommand, error) {
	if err := need("BUZ", data, 5); err != nil {
		return BuzzerCommand{}, err
	}
	return BuzzerCommand{data[0], data[1], data[2], data[3], data[4]}, nil
}

// KeyTypeSCBK is the KEYSET key type of a secure channel base key.
const KeyTypeSCBK = 0x01

// MarshalKeySet encodes a KEYSET body carrying a new SCBK.
func MarshalKeySet(key []byte) ([]byte, error) {
	if len(key) != 16 {
		return nil, fmt.Errorf("%w: SCBK is %d bytes, want 16", ErrKey, len(key))
	}
	return append([]byte{KeyTypeSCBK, 16}, key...), nil
}

// ParseKeySet decodes a KEYSET body and returns the new SCBK.
func ParseKeySet(data []byte) ([]byte, error) {
	if err := need("KEYSET", data, 2); err != nil {
		return nil, err
	}
	if data[0] != KeyTypeSCBK {
		return nil, fmt.Errorf("%w: KEYSET key type (byte 0) = 0x%02X, want 0x01", ErrPayload, data[0])
	}
	if data[1] != 16 || len(data) != 18 {
		return nil, fmt.Errorf("%w: KEYSET key length (byte 1) = %d with %d key bytes, want 16", ErrPayload, data[1], len(data)-2)
	}
	return append([]byte(nil), data[2:]...), nil
}

// Card formats in a RAW reply.
const (
	FormatRaw     = 0x00 // not specified, raw bit array
	FormatWiegand = 0x01
)

// RawCard is the RAW card-data reply body.
type RawCard struct {
	Reader byte
	Format byte
	Bits   int    // number of valid bits
	Data   []byte // ⌈Bits/8⌉ bytes, MSB first
}

// Marshal encodes the RAW body.
func (c RawCard) Marshal() []byte {
	b := []byte{c.Reader, c.Format, byte(c.Bits), byte(c.Bits >> 8)}
	return append(b, c.Data...)
}

// ParseRawCard decodes a RAW body.
func ParseRawCard(data []byte) (RawCard, error) {
	if err := need("RAW", data, 4); err != nil {
		return RawCard{}, err
	}
	c := RawCard{Reader: data[0], Format: data[1], Bits: int(binary.LittleEndian.Uint16(data[2:4]))}
	if want := (c.Bits + 7) / 8; len(data)-4 != want {
		return RawCard{}, fmt.Errorf("%w: RAW bit count (bytes 2-3) = %d needs %d data bytes, have %d", ErrPayload, c.Bits, want, len(data)-4)
	}
	c.Data = append([]byte(nil), data[4:]...)
	return c, nil
}

// KeypadData is the KEYPAD reply body: digits as ASCII ('0'–'9', '*' 0x7F
// and '#' 0x0D per the spec's keypad table; passed through as sent).
type KeypadData struct {
	Reader byte
	Digits string
}

// Marshal encodes the KEYPAD body.
func (k KeypadData) Marshal() []byte {
	return append([]byte{k.Reader, byte(len(k.Digits))}, k.Digits...)
}

// ParseKeypad decodes a KEYPAD body.
func ParseKeypad(data []byte) (KeypadData, error) {
	if err := need("KEYPAD", data, 2); err != nil {
		return KeypadData{}, err
	}
	if int(data[1]) != len(data)-2 {
		return KeypadData{}, fmt.Errorf("%w: KEYPAD digit count (byte 1) = %d, have %d digits", ErrPayload, data[1], len(data)-2)
	}
	return KeypadData{Reader: data[0], Digits: string(data[2:])}, nil
}
