package rfid

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestProtocolExample pins the example of the protocol description: a
// real-time inventory with repeat 1 is A0 04 01 89 01 D1.
func TestProtocolExample(t *testing.T) {
	b, err := Marshal(Frame{Addr: 0x01, Cmd: CmdRealTimeInventory, Data: []byte{0x01}})
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "A0 04 01 89 01 D1"); !bytes.Equal(b, want) {
		t.Fatalf("Marshal = % X, want % X", b, want)
	}
	if c := Checksum([]byte{0xA0, 0x04, 0x01, 0x89, 0x01}); c != 0xD1 {
		t.Fatalf("Checksum = 0x%02X, want 0xD1", c)
	}
}

var epc96 = []byte{0xE2, 0x80, 0x11, 0x70, 0x00, 0x00, 0x02, 0x0A, 0x1B, 0x2C, 0x10, 0x01}

// must returns the bytes of a fixture that cannot fail to encode.
func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// frameCases are valid frames, commands and replies as a reader sends
// them; they also seed the fuzzers.
func frameCases(t testing.TB) []struct {
	name string
	f    Frame
	wire string // expected bytes, when known independently of Marshal
} {
	tag := must(TagReport{Antenna: 1, FreqIndex: 7, PC: 0x3000, EPC: epc96, RSSI: 0x52}.Marshal())
	end := must(RoundEnd{Antenna: 1, ReadRate: 42, Total: 3}.Marshal())
	return []struct {
		name string
		f    Frame
		wire string
	}{
		{"inventory repeat 1", Frame{Addr: 1, Cmd: CmdRealTimeInventory, Data: []byte{1}}, "A0 04 01 89 01 D1"},
		{"set antenna ok", Frame{Addr: 1, Cmd: CmdSetWorkAntenna, Data: []byte{byte(CodeSuccess)}}, "A0 04 01 74 10 D7"},
		{"version request", Frame{Addr: 1, Cmd: CmdGetFirmwareVersion}, "A0 03 01 72 EA"},
		{"version reply", Frame{Addr: 1, Cmd: CmdGetFirmwareVersion, Data: []byte{1, 7}}, ""},
		{"set power public", Frame{Addr: AddrPublic, Cmd: CmdSetOutputPower, Data: []byte{30}}, ""},
		{"tag report", Frame{Addr: 1, Cmd: CmdRealTimeInventory, Data: tag}, ""},
		{"end of round", Frame{Addr: 1, Cmd: CmdRealTimeInventory, Data: end}, ""},
		{"antenna missing", Frame{Addr: 1, Cmd: CmdRealTimeInventory, Data: []byte{byte(CodeAntennaMissing)}}, ""},
		{"largest", Frame{Addr: 2, Cmd: CmdGetInventoryBuffer, Data: bytes.Repeat([]byte{0xA0}, MaxData)}, ""},
	}
}

func TestFrameRoundTrip(t *testing.T) {
	for _, tc := range frameCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Marshal(tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wire != "" && !bytes.Equal(b, unhex(t, tc.wire)) {
				t.Fatalf("Marshal = % X, want %s", b, tc.wire)
			}
			if int(b[1]) != len(b)-2 {
				t.Fatalf("Len %d, frame is %d bytes", b[1], len(b))
			}
			got, err := Unmarshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if got.Addr != tc.f.Addr || got.Cmd != tc.f.Cmd || !bytes.Equal(got.Data, tc.f.Data) {
				t.Fatalf("Unmarshal = %v, want %v", got, tc.f)
			}
		})
	}
}

func TestUnmarshalRejects(t *testing.T) {
	good := unhex(t, "A0 04 01 89 01 D1")
	mod := func(f func([]byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrShort, "empty"},
		{"head", mod(func(b []byte) []byte { b[0] = 0xA1; return b }), ErrHead, "byte 0 = 0xA1"},
		{"head only", good[:1], ErrShort, "have 1 bytes"},
		{"len too small", mod(func(b []byte) []byte { b[1] = 2; return b }), ErrLength, "Len (byte 1) = 2"},
		{"len beyond input", mod(func(b []byte) []byte { b[1] = 5; return b }), ErrShort, "needs 7 bytes, have 6"},
		{"trailing byte", append(append([]byte(nil), good...), 0), ErrLength, "frames 6 bytes, have 7"},
		{"checksum", mod(func(b []byte) []byte { b[5] = 0xD2; return b }), ErrChecksum, "Check (byte 5) = 0xD2, computed 0xD1"},
		{"data flipped", mod(func(b []byte) []byte { b[4] ^= 0x40; return b }), ErrChecksum, "computed 0x91"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Unmarshal(tc.in)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, tc.want, tc.msg)
			}
		})
	}
	if _, err := Marshal(Frame{Data: make([]byte, MaxData+1)}); !errors.Is(err, ErrLength) {
		t.Fatalf("Marshal of %d data bytes: %v, want ErrLength", MaxData+1, err)
	}
}

// tagCases are tag report bodies; they also seed FuzzTagReport.
var tagCases = []struct {
	name string
	data string
	want TagReport
	dBm  int
}{
	{"96-bit EPC", "1D 30 00 E2 80 11 70 00 00 02 0A 1B 2C 10 01 54",
		TagReport{Antenna: 1, FreqIndex: 7, PC: 0x3000, EPC: epc96, RSSI: 0x54}, -45},
	{"UMI set, antenna 3, channel 49", "C7 34 00 E2 80 11 70 00 00 02 0A 1B 2C 10 01 3B",
		TagReport{Antenna: 3, FreqIndex: 49, PC: 0x3400, EPC: epc96, RSSI: 0x3B}, -70},
	{"16-bit EPC", "00 08 00 AB CD 60", TagReport{PC: 0x0800, EPC: []byte{0xAB, 0xCD}, RSSI: 0x60}, -33},
	{"no EPC", "00 00 00 40", TagReport{PC: 0, EPC: []byte{}, RSSI: 0x40}, -65},
}

func TestTagReport(t *testing.T) {
	for _, tc := range tagCases {
		t.Run(tc.name, func(t *testing.T) {
			data := unhex(t, tc.data)
			got, err := ParseTagReport(data)
			if err != nil {
				t.Fatal(err)
			}
			if got.Antenna != tc.want.Antenna || got.FreqIndex != tc.want.FreqIndex || got.PC != tc.want.PC ||
				!bytes.Equal(got.EPC, tc.want.EPC) || got.RSSI != tc.want.RSSI {
				t.Fatalf("ParseTagReport = %+v, want %+v", got, tc.want)
			}
			if got.DBm() != tc.dBm {
				t.Fatalf("DBm = %d, want %d", got.DBm(), tc.dBm)
			}
			back, err := got.Marshal()
			if err != nil || !bytes.Equal(back, data) {
				t.Fatalf("Marshal = % X, %v; want % X", back, err, data)
			}
			rep, err := ParseInventory(data)
			if err != nil || rep.Kind != InventoryTag || EPCFromBytes(rep.Tag.EPC) != EPCFromBytes(tc.want.EPC) {
				t.Fatalf("ParseInventory = %+v, %v", rep, err)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		name  string
		parse func([]byte) error
		data  string
		msg   string
	}{
		{"tag short", tagErr, "00 30 00", "3 data bytes, need ≥ 4"},
		{"tag EPC shorter than PC", tagErr, "00 30 00 E2 80 11 50", "announces a 12-byte EPC, frame holds 3"},
		{"tag EPC longer than PC", tagErr, "00 08 00 AB CD EF 01 50", "announces a 2-byte EPC, frame holds 4"},
		{"round end size", func(b []byte) error { _, err := ParseRoundEnd(b); return err }, "00 00 01", "3 data bytes, want 7"},
		{"version size", func(b []byte) error { _, err := ParseVersion(b); return err }, "01", "1 data bytes, want 2"},
		{"power size", func(b []byte) error { _, err := ParsePower(b); return err }, "1E 1E", "2 data bytes"},
		{"power value", func(b []byte) error { _, err := ParsePower(b); return err }, "1E 1E 22 1E", "(byte 2) = 34 dBm"},
		{"status size", func(b []byte) error { return ParseStatus(CmdSetWorkAntenna, b) }, "10 10", "reply to 0x74 has 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse(unhex(t, tc.data))
			if !errors.Is(err, ErrPayload) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want ErrPayload containing %q", err, tc.msg)
			}
		})
	}
	if _, err := (TagReport{PC: 0x3000, EPC: []byte{1, 2}}).Marshal(); !errors.Is(err, ErrPayload) {
		t.Fatalf("Marshal with EPC disagreeing with PC: %v", err)
	}
	if _, err := (TagReport{Antenna: 4, PC: 0}).Marshal(); !errors.Is(err, ErrPayload) {
		t.Fatalf("Marshal with antenna 4: %v", err)
	}
}

func tagErr(b []byte) error { _, err := ParseTagReport(b); return err }

func TestReplies(t *testing.T) {
	end, err := ParseInventory(unhex(t, "01 00 2A 00 00 01 03"))
	if err != nil || end.Kind != InventoryEnd || end.End != (RoundEnd{Antenna: 1, ReadRate: 42, Total: 259}) {
		t.Fatalf("end of round = %+v, %v", end, err)
	}
	fail, err := ParseInventory([]byte{0x22})
	if err != nil || fail.Kind != InventoryError || fail.Code != CodeAntennaMissing {
		t.Fatalf("error reply = %+v, %v", fail, err)
	}
	if err := ParseStatus(CmdSetWorkAntenna, []byte{0x10}); err != nil {
		t.Fatalf("success status: %v", err)
	}
	err = ParseStatus(CmdSetOutputPower, []byte{0x48})
	var re *ReplyError
	if !errors.As(err, &re) || !errors.Is(err, ErrRefused) || re.Cmd != CmdSetOutputPower ||
		err.Error() != "rfid: reader refused command 0x76: parameter_invalid_output_power_out_of_range (0x48)" {
		t.Fatalf("refused status: %v", err)
	}
	if s := ErrorCode(0x5F).String(); s != "0x5F" {
		t.Fatalf("unknown code prints %q", s)
	}
	v, err := ParseVersion([]byte{1, 7})
	if err != nil || v.String() != "1.7" || !bytes.Equal(v.Marshal(), []byte{1, 7}) {
		t.Fatalf("version %v, %v", v, err)
	}
	p, err := ParsePower([]byte{30, 30, 27, 27})
	if err != nil || len(p) != 4 || p[2] != 27 {
		t.Fatalf("power %v, %v", p, err)
	}
	if PCFor(12) != 0x3000 || PCLength(0x3400) != 12 {
		t.Fatalf("PCFor(12) = 0x%04X, PCLength(0x3400) = %d", PCFor(12), PCLength(0x3400))
	}
}

func TestEPC(t *testing.T) {
	e, err := ParseEPC("e28011700000020a1b2c1001")
	if err != nil || e != "E28011700000020A1B2C1001" || !bytes.Equal(e.Bytes(), epc96) || EPCFromBytes(epc96) != e {
		t.Fatalf("ParseEPC = %q, %v", e, err)
	}
	for _, bad := range []string{"", "E2", "E2801", "XYZW", strings.Repeat("00", MaxEPC+2)} {
		if _, err := ParseEPC(bad); !errors.Is(err, ErrPayload) {
			t.Errorf("ParseEPC(%q) = %v, want ErrPayload", bad, err)
		}
	}
}
