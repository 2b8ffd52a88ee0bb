package wiegand

import (
	"errors"
	"strconv"
	"testing"
)

func bitsOf(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 2, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Vectors from public descriptions of the formats: Allegion's worked 26-bit
// example (facility 101, card 4095) and a reader manual's 34-bit example
// (data 89 D4 1B 81).
func TestFormatVectors(t *testing.T) {
	for _, tc := range []struct {
		f              Format
		facility, card uint32
		wire           string
	}{
		{H10301, 101, 4095, "00110010100001111111111111"},
		{H10306, 0x89D4, 0x1B81, "1100010011101010000011011100000011"},
		{H10301, 0, 0, "00000000000000000000000001"},
		{H10301, 255, 65535, "01111111111111111111111111"},
	} {
		raw, err := tc.f.Pack(tc.facility, tc.card)
		if err != nil {
			t.Fatal(err)
		}
		if want := bitsOf(t, tc.wire); raw != want {
			t.Errorf("%s %d/%d packs to %0*b, want %s", tc.f.Name, tc.facility, tc.card, tc.f.Bits, raw, tc.wire)
		}
		fr, err := tc.f.Unpack(raw)
		if err != nil || fr.Facility != tc.facility || fr.Card != tc.card || fr.Bits != tc.f.Bits || fr.Format != tc.f.Name {
			t.Errorf("%s unpack %s: %+v %v", tc.f.Name, tc.wire, fr, err)
		}
		for bit := range tc.f.Bits { // any single flipped bit is caught
			if _, err := tc.f.Unpack(raw ^ 1<<bit); !errors.Is(err, ErrParity) {
				t.Errorf("%s with bit %d flipped: %v, want ErrParity", tc.f.Name, tc.f.Bits-bit, err)
			}
		}
	}
	if _, err := H10301.Pack(256, 1); err == nil {
		t.Error("facility 256 packed into 8 bits")
	}
}

func TestNumberAndFromBits(t *testing.T) {
	raw, err := H10301.Pack(62, 36969)
	if err != nil {
		t.Fatal(err)
	}
	// 26 bits MSB first in 4 bytes, as OSDP carries them.
	data := []byte{byte(raw >> 18), byte(raw >> 10), byte(raw >> 2), byte(raw << 6)}
	fr, err := FromBits(26, data)
	if err != nil || fr.Number() != 4100201 {
		t.Fatalf("FromBits: %+v %v, want card 4100201", fr, err)
	}
	data[1] ^= 0x10
	if _, err := FromBits(26, data); !errors.Is(err, ErrParity) {
		t.Errorf("a flipped bit: %v, want a parity error", err)
	}
	if _, err := FromBits(27, data); !errors.Is(err, ErrLength) {
		t.Errorf("27 bits: %v", err)
	}
}
