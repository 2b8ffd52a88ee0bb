package wiegand

import (
	"fmt"
	"math/bits"
	"time"
)

// Format is a Wiegand card format: an even parity bit, the facility code,
// the card number and an odd parity bit, in that order on the wire.
//
// The even parity bit makes the first half of the frame (itself included)
// even; the odd parity bit makes the second half odd. For H10301 that is
// bits 1–13 and 14–26 counting from 1 (the data bits 2–13 and 14–25, as
// PROTOCOLS.md and HID's description put it); for H10306, bits 1–17 and
// 18–34 (the first and last 16 data bits).
type Format struct {
	Name         string
	Bits         int
	FacilityBits int
	CardBits     int
}

// Formats supported.
var (
	H10301 = Format{Name: "H10301", Bits: 26, FacilityBits: 8, CardBits: 16}
	H10306 = Format{Name: "H10306", Bits: 34, FacilityBits: 16, CardBits: 16}
)

// Formats is the table the decoder looks frames up in, by length.
var Formats = []Format{H10301, H10306}

// Frame is a decoded card read.
type Frame struct {
	Bits     int
	Facility uint32
	Card     uint32
	Raw      uint64    // all the bits, parity included, first bit most significant
	At       time.Time // start of the first bit
	Format   string
}

func formatFor(n int) (Format, bool) {
	for _, f := range Formats {
		if f.Bits == n {
			return f, true
		}
	}
	return Format{}, false
}

func (f Format) halves(raw uint64) (first, last uint64) {
	h := uint(f.Bits / 2)
	return raw >> h, raw & (1<<h - 1)
}

// Pack returns the raw bits of a card in format f, parity set.
func (f Format) Pack(facility, card uint32) (uint64, error) {
	if facility >= 1<<f.FacilityBits || card >= 1<<f.CardBits {
		return 0, fmt.Errorf("wiegand %s: facility %d or card %d out of range", f.Name, facility, card)
	}
	raw := (uint64(facility)<<f.CardBits | uint64(card)) << 1
	first, last := f.halves(raw)
	if bits.OnesCount64(first)%2 == 1 {
		raw |= 1 << (f.Bits - 1)
	}
	if bits.OnesCount64(last)%2 == 0 {
		raw |= 1
	}
	return raw, nil
}

// Unpack checks the parity of raw and returns the frame it holds.
func (f Format) Unpack(raw uint64) (Frame, error) {
	first, last := f.halves(raw)
	if bits.OnesCount64(first)%2 != 0 {
		return Frame{}, fmt.Errorf("%w: even parity over bits 1-%d of %#x", ErrParity, f.Bits/2, raw)
	}
	if bits.OnesCount64(last)%2 != 1 {
		return Frame{}, fmt.Errorf("%w: odd parity over bits %d-%d of %#x", ErrParity, f.Bits/2+1, f.Bits, raw)
	}
	return Frame{
		Bits:     f.Bits,
		Facility: uint32(raw >> (1 + f.CardBits) & (1<<f.FacilityBits - 1)),
		Card:     uint32(raw >> 1 & (1<<f.CardBits - 1)),
		Raw:      raw,
		Format:   f.Name,
	}, nil
}

// Number is the card as the facility file writes it: the facility code and
// the card number as one number, facility × 2^CardBits + card (for H10301,
// facility 62 card 36969 is 4100201).
func (fr Frame) Number() uint64 {
	cb := 16
	if f, ok := formatFor(fr.Bits); ok {
		cb = f.CardBits
	}
	return uint64(fr.Facility)<<cb | uint64(fr.Card)
}

// FromBits decodes a frame given as its bit count and its bits packed MSB
// first (how an OSDP reader reports raw card data).
func FromBits(n int, data []byte) (Frame, error) {
	f, ok := formatFor(n)
	if !ok {
		return Frame{}, fmt.Errorf("%w: %d bits", ErrLength, n)
	}
	if len(data)*8 < n {
		return Frame{}, fmt.Errorf("%w: %d bits in %d bytes", ErrTruncated, n, len(data))
	}
	var raw uint64
	for i := range n {
		raw = raw<<1 | uint64(data[i/8]>>(7-i%8)&1)
	}
	return f.Unpack(raw)
}

// Bytes packs a raw frame of n bits MSB first, as an OSDP reader reports
// it (the inverse of FromBits).
func Bytes(raw uint64, n int) []byte {
	out := make([]byte, (n+7)/8)
	for i := range n {
		if raw>>(n-1-i)&1 == 1 {
			out[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out
}
