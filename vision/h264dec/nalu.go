package h264dec

import (
	"fmt"
)

// NAL unit types of ITU-T H.264 Table 7-1 that the decoder treats
// specially, plus the RTP-only types of RFC 6184.
const (
	naluSlice    = 1
	naluIDR      = 5
	naluSEI      = 6
	naluSPS      = 7
	naluPPS      = 8
	naluAUD      = 9
	naluSTAPA    = 24
	naluFUB      = 29
	naluMaxValid = 23
)

// NALUType returns the nal_unit_type of a NAL unit (0 for an empty one).
func NALUType(nalu []byte) int {
	if len(nalu) == 0 {
		return 0
	}
	return int(nalu[0] & 0x1f)
}

// naluTypeName names the types an error may mention.
func naluTypeName(t int) string {
	switch {
	case t == 0:
		return "unspecified"
	case t == naluSlice:
		return "non-IDR slice"
	case t == 2, t == 3, t == 4:
		return "slice data partition"
	case t == naluIDR:
		return "IDR slice"
	case t == naluSEI:
		return "SEI"
	case t == naluSPS:
		return "SPS"
	case t == naluPPS:
		return "PPS"
	case t == naluAUD:
		return "access unit delimiter"
	case t >= naluSTAPA && t <= naluFUB:
		return [...]string{"STAP-A", "STAP-B", "MTAP16", "MTAP24", "FU-A", "FU-B"}[t-naluSTAPA] + " (RTP packetisation)"
	case t > naluFUB:
		return "unspecified"
	}
	return "other"
}

// IsKey reports whether an access unit holds an IDR slice.
func IsKey(au [][]byte) bool {
	for _, n := range au {
		if NALUType(n) == naluIDR {
			return true
		}
	}
	return false
}

// checkNALU rejects NAL units that cannot be part of an H.264 elementary
// stream. i and n place it in its access unit for the message.
func checkNALU(nalu []byte, i, n int) error {
	if len(nalu) == 0 {
		return fmt.Errorf("%w: NAL unit %d of %d is empty", ErrBadNALU, i+1, n)
	}
	if nalu[0]&0x80 != 0 {
		return fmt.Errorf("%w: NAL unit %d of %d: forbidden_zero_bit set in header byte 0x%02x (first bytes % x)",
			ErrBadNALU, i+1, n, nalu[0], head(nalu))
	}
	t := NALUType(nalu)
	if t == 0 || t > naluMaxValid {
		hint := ""
		if t == 0 && len(nalu) >= 3 && nalu[1] == 0 && (nalu[2] == 1 || nalu[2] == 0) {
			hint = "; it starts with a start code — pass Annex-B bytes to DecodeAnnexB"
		}
		return fmt.Errorf("%w: NAL unit %d of %d: type %d (%s) in header byte 0x%02x is not decodable H.264%s",
			ErrBadNALU, i+1, n, t, naluTypeName(t), nalu[0], hint)
	}
	return nil
}

// head returns at most the first 8 bytes of b, for error messages.
func head(b []byte) []byte {
	return b[:min(len(b), 8)]
}

// SplitAnnexB splits an Annex-B byte stream into NAL units without their
// start codes. Trailing zero bytes of a unit (trailing_zero_8bits) are
// dropped. It returns ErrNotAnnexB when b does not begin with a start code
// and ErrEmpty when it has no bytes.
func SplitAnnexB(b []byte) ([][]byte, error) {
	if len(b) == 0 {
		return nil, ErrEmpty
	}
	start := startCodeLen(b)
	if start == 0 {
		return nil, fmt.Errorf("%w: first bytes % x, want 00 00 01 or 00 00 00 01", ErrNotAnnexB, head(b))
	}
	var out [][]byte
	pos := start
	for {
		next, sc := findStartCode(b, pos)
		end := next
		if next < 0 {
			end = len(b)
		}
		unit := b[pos:end]
		for len(unit) > 0 && unit[len(unit)-1] == 0 {
			unit = unit[:len(unit)-1]
		}
		if len(unit) > 0 {
			out = append(out, unit)
		}
		if next < 0 {
			break
		}
		pos = next + sc
	}
	if len(out) == 0 {
		return nil, ErrEmpty
	}
	return out, nil
}

// startCodeLen returns 3 or 4 when b begins with a start code, else 0.
func startCodeLen(b []byte) int {
	switch {
	case len(b) >= 3 && b[0] == 0 && b[1] == 0 && b[2] == 1:
		return 3
	case len(b) >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 1:
		return 4
	}
	return 0
}

// findStartCode returns the index of the next 00 00 01 at or after from and
// the start code's length (3), or -1.
func findStartCode(b []byte, from int) (int, int) {
	for i := from; i+2 < len(b); i++ {
		if b[i+2] > 1 {
			i += 2 // no start code can end at i+2, nor begin before i+3
			continue
		}
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			return i, 3
		}
	}
	return -1, 0
}

// appendAnnexB appends the units of au to dst, each after a 4-byte start
// code.
func appendAnnexB(dst []byte, au [][]byte) []byte {
	for _, n := range au {
		dst = append(dst, 0, 0, 0, 1)
		dst = append(dst, n...)
	}
	return dst
}

// AccessUnits splits an Annex-B elementary stream (an .h264 file) into
// access units, following the rules of ITU-T H.264 7.4.1.2.3 that matter
// for ordinary encoders: an access unit delimiter, SEI, SPS or PPS after a
// slice, or a slice whose first_mb_in_slice is 0, starts a new unit.
func AccessUnits(stream []byte) ([][][]byte, error) {
	units, err := SplitAnnexB(stream)
	if err != nil {
		return nil, err
	}
	var out [][][]byte
	var cur [][]byte
	hasSlice := false
	for _, n := range units {
		t := NALUType(n)
		vcl := t >= naluSlice && t <= naluIDR
		starts := false
		switch {
		case t == naluAUD, t == naluSEI, t == naluSPS, t == naluPPS:
			starts = hasSlice
		case vcl:
			// first_mb_in_slice is the first ue(v) of the header: 0 is
			// coded as a single 1 bit.
			starts = hasSlice && len(n) > 1 && n[1]&0x80 != 0
		}
		if starts {
			out = append(out, cur)
			cur, hasSlice = nil, false
		}
		cur = append(cur, n)
		hasSlice = hasSlice || vcl
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out, nil
}
