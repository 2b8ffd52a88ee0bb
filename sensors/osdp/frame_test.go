package osdp

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestCRCCheckVector(t *testing.T) {
	if got := CRC16([]byte{0x53, 0x65, 0x09, 0x00, 0x04, 0x61, 0x00}); got != 0x7AD9 {
		t.Fatalf("CRC16 = 0x%04X, want 0x7AD9", got)
	}
}

// frameCases are valid frames; they also seed the fuzzer.
var frameCases = []struct {
	name string
	f    Frame
}{
	{"poll crc", Frame{Addr: 0x65, Seq: 1, CRC: true, Code: CmdPOLL}},
	{"id checksum", Frame{Addr: 0, Seq: 0, Code: CmdID, Data: []byte{0}}},
	{"reply ack", Frame{Addr: 3, Reply: true, Seq: 3, CRC: true, Code: ReplyACK}},
	{"raw card", Frame{Addr: 1, Reply: true, Seq: 2, CRC: true, Code: ReplyRAW,
		Data: RawCard{Format: FormatWiegand, Bits: 26, Data: []byte{0x12, 0x34, 0x56, 0x40}}.Marshal()}},
	{"chlng scb", Frame{Addr: 1, Seq: 0, CRC: true, SCBType: SCS11, SCBData: []byte{1}, Code: CmdCHLNG,
		Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}}},
	{"secure mac", Frame{Addr: 1, Seq: 1, CRC: true, SCBType: SCS15, Code: CmdPOLL, MAC: []byte{9, 8, 7, 6}}},
	{"broadcast", Frame{Addr: Broadcast, Seq: 2, CRC: true, Code: CmdLSTAT}},
}

func TestFrameRoundTrip(t *testing.T) {
	for _, tc := range frameCases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Marshal(tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if int(b[2])|int(b[3])<<8 != len(b) {
				t.Fatalf("LEN %d, frame is %d bytes", int(b[2])|int(b[3])<<8, len(b))
			}
			got, err := Unmarshal(b)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Marshal(got)
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("re-marshal % X, %v; want % X", again, err, b)
			}
			if got.Code != tc.f.Code || got.Addr != tc.f.Addr || got.Reply != tc.f.Reply || got.Seq != tc.f.Seq ||
				!bytes.Equal(got.Data, tc.f.Data) || !bytes.Equal(got.MAC, tc.f.MAC) || got.SCBType != tc.f.SCBType {
				t.Fatalf("decoded %+v, want %+v", got, tc.f)
			}
		})
	}
}

func TestUnmarshalRejects(t *testing.T) {
	good, _ := Marshal(Frame{Addr: 1, Seq: 1, CRC: true, Code: CmdID, Data: []byte{0}})
	goodSum, _ := Marshal(Frame{Addr: 1, Seq: 1, Code: CmdID, Data: []byte{0}})
	mod := func(b []byte, f func([]byte)) []byte { c := append([]byte(nil), b...); f(c); return c }
	cases := []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"bad crc", mod(good, func(b []byte) { b[len(b)-1] ^= 1 }), ErrCRC, "CRC (bytes 7-8)"},
		{"bad checksum", mod(goodSum, func(b []byte) { b[len(b)-1]++ }), ErrCRC, "checksum (byte 7)"},
		{"bad data under crc", mod(good, func(b []byte) { b[6] = 1 }), ErrCRC, "computed"},
		{"som", mod(good, func(b []byte) { b[0] = 0x54 }), ErrSOM, "byte 0 = 0x54"},
		{"len too small", mod(good, func(b []byte) { b[2] = 3 }), ErrLength, "LEN (bytes 2-3) = 3"},
		{"len too big", mod(good, func(b []byte) { b[3] = 0x10 }), ErrLength, "LEN (bytes 2-3) = 4105"},
		{"len beyond input", mod(good, func(b []byte) { b[2]++ }), ErrShort, "have 9 bytes"},
		{"trailing bytes", append(append([]byte(nil), good...), 0), ErrLength, "have 10 bytes"},
		{"header only", good[:4], ErrShort, "4 bytes"},
	}
	scb, _ := Marshal(Frame{Addr: 1, CRC: true, SCBType: SCS11, SCBData: []byte{1}, Code: CmdCHLNG})
	bad := mod(scb, func(b []byte) { b[5] = 1 })
	fixCRC(bad)
	cases = append(cases, struct {
		name string
		in   []byte
		want error
		msg  string
	}{"scb len", bad, ErrSCB, "SEC_BLK_LEN (byte 5) = 1"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Unmarshal(tc.in)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tc.want, tc.msg)
			}
		})
	}
}

func fixCRC(b []byte) {
	c := CRC16(b[:len(b)-2])
	b[len(b)-2], b[len(b)-1] = byte(c), byte(c>>8)
}

func TestDecoderResync(t *testing.T) {
	f1, _ := Marshal(Frame{Addr: 1, Seq: 1, CRC: true, Code: CmdPOLL})
	f2, _ := Marshal(Frame{Addr: 2, Reply: true, Seq: 2, CRC: true, Code: ReplyKEYPAD, Data: KeypadData{Digits: "1234#"}.Marshal()})
	corrupt := append([]byte(nil), f1...)
	corrupt[len(corrupt)-1] ^= 0xFF
	falseStart := []byte{SOM, 0x01, 0xFF, 0x03, 0x04} // claims 1023 bytes, never comes
	var stream []byte
	stream = append(stream, 0x00, 0x12, SOM) // garbage including a lone SOM
	stream = append(stream, Mark)
	stream = append(stream, f1...)
	stream = append(stream, corrupt...)
	stream = append(stream, falseStart...)
	stream = append(stream, Mark)
	stream = append(stream, f2...)

	var d Decoder
	var got []Frame
	for i := range stream { // one byte at a time: worst-case splitting
		d.Write(stream[i : i+1])
		for {
			f, ok, err := d.Next()
			if err != nil {
				continue
			}
			if !ok {
				break
			}
			got = append(got, f)
		}
	}
	if len(got) != 2 || got[0].Addr != 1 || got[1].Addr != 2 || string(got[1].Data[2:]) != "1234#" {
		t.Fatalf("frames %+v, want POLL to 1 and KEYPAD from 2", got)
	}
	if d.Stats.Frames.Load() != 2 || d.Stats.BadCRC.Load() != 1 || d.Stats.BadLength.Load() == 0 {
		t.Fatalf("stats frames=%d crc=%d len=%d", d.Stats.Frames.Load(), d.Stats.BadCRC.Load(), d.Stats.BadLength.Load())
	}
	if d.Buffered() != 0 {
		t.Fatalf("%d bytes left buffered", d.Buffered())
	}
}

func TestDecoderBounded(t *testing.T) {
	var d Decoder
	junk := bytes.Repeat([]byte{SOM, 0x00, 0x00, 0x04}, 3*MaxFrameLen)
	d.Write(junk)
	for {
		if _, ok, err := d.Next(); !ok && err == nil {
			break
		}
	}
	if d.Buffered() > 2*MaxFrameLen {
		t.Fatalf("buffered %d bytes", d.Buffered())
	}
}

func TestPayloads(t *testing.T) {
	id := PDID{Vendor: [3]byte{0x5C, 0x26, 0x23}, Model: 7, Version: 2, Serial: 0xA1B2C3D4, Firmware: [3]byte{1, 4, 9}}
	if got, err := ParsePDID(id.Marshal()); err != nil || got != id {
		t.Fatalf("PDID %+v %v", got, err)
	}
	card := RawCard{Reader: 0, Format: FormatWiegand, Bits: 26, Data: []byte{1, 2, 3, 0xC0}}
	if got, err := ParseRawCard(card.Marshal()); err != nil || got.Bits != 26 || !bytes.Equal(got.Data, card.Data) {
		t.Fatalf("RAW %+v %v", got, err)
	}
	if _, err := ParseRawCard([]byte{0, 1, 26, 0, 1}); !errors.Is(err, ErrPayload) {
		t.Fatalf("RAW with 1 byte for 26 bits: %v", err)
	}
	led := LEDCommand{Reader: 0, LED: 1, TempCode: 2, TempOn: 3, TempOff: 4, TempOnColor: ColorGreen, TempTimer: 300, PermCode: 1, PermOnColor: ColorRed}
	if got, err := ParseLEDs(led.Marshal()); err != nil || len(got) != 1 || got[0] != led {
		t.Fatalf("LED %+v %v", got, err)
	}
	if _, err := ParseKeySet([]byte{1, 15}); !errors.Is(err, ErrPayload) {
		t.Fatalf("KEYSET short: %v", err)
	}
	if _, err := MarshalKeySet(make([]byte, 15)); !errors.Is(err, ErrKey) {
		t.Fatalf("15-byte key: %v", err)
	}
	if _, err := ParseKeypad([]byte{0, 3, '1'}); !errors.Is(err, ErrPayload) {
		t.Fatalf("KEYPAD count: %v", err)
	}
}
