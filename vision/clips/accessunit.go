package clips

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
)

// AccessUnit is one picture of a camera's H.264 stream as the ingest
// depacketised it.
type AccessUnit struct {
	// NALUs are the picture's NAL units without start codes, in stream
	// order. Push copies what it keeps; the caller may reuse them after.
	NALUs [][]byte
	// Time is the picture's presentation time on the clock alarms are
	// stamped with: for RTSP, the wall-clock time the session's first
	// packet arrived plus the RTP presentation time. It must advance
	// from picture to picture in decode order (B-frames excepted, whose
	// decode times are derived from the slice headers), also across
	// reconnections; a monotonic reading (time.Now plus a duration) is
	// immune to steps of the wall clock.
	Time time.Time
}

// Limits on one access unit. Cameras stay far below them; beyond them the
// input is garbage, not video.
const (
	// MaxAccessUnitBytes is the largest access unit Push accepts (as
	// mediacommon, 8 MiB: above a 50 Mbit/s 2160p60 key frame).
	MaxAccessUnitBytes = h264.MaxAccessUnitSize
	// MaxNALUs is the most NAL units Push accepts in one access unit.
	MaxNALUs = 256
)

// NAL unit types of ITU-T H.264 Table 7-1 this package looks at.
const (
	naluSlice    = 1
	naluIDR      = 5
	naluSPS      = 7
	naluPPS      = 8
	naluMaxValid = 23
)

// params are a stream's parameter sets, with the picture size the SPS
// declares.
type params struct {
	sps, pps      []byte
	width, height int
}

// inspected is what Push needs to know about an access unit.
type inspected struct {
	key      bool   // holds an IDR slice
	slices   bool   // holds a slice at all (not only parameter sets or SEI)
	sps, pps []byte // the last of each in the access unit, if any
	size     int    // bytes in AVCC form: a 4-byte length per NAL unit
}

// inspect checks an access unit's NAL units against what an H.264 stream
// may carry. It parses only NAL unit headers and the SPS: slice data stays
// as the camera sent it (a corrupt slice is evidence too, and the decoder
// conceals it).
func inspect(nalus [][]byte) (inspected, error) {
	var in inspected
	if len(nalus) == 0 {
		return in, ErrEmpty
	}
	if len(nalus) > MaxNALUs {
		return in, fmt.Errorf("%w: %d NAL units, at most %d", ErrTooLarge, len(nalus), MaxNALUs)
	}
	for i, n := range nalus {
		if len(n) == 0 {
			return in, fmt.Errorf("%w: NAL unit %d of %d is empty", ErrBadNALU, i+1, len(nalus))
		}
		if n[0]&0x80 != 0 {
			return in, fmt.Errorf("%w: NAL unit %d of %d: forbidden_zero_bit set in header byte 0x%02x (first bytes % x)",
				ErrBadNALU, i+1, len(nalus), n[0], head(n))
		}
		t := int(n[0] & 0x1f)
		if t == 0 || t > naluMaxValid {
			return in, fmt.Errorf("%w: NAL unit %d of %d: type %d in header byte 0x%02x is not H.264 stream data (first bytes % x)",
				ErrBadNALU, i+1, len(nalus), t, n[0], head(n))
		}
		in.size += 4 + len(n)
		if in.size > MaxAccessUnitBytes {
			return in, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxAccessUnitBytes)
		}
		switch t {
		case naluIDR:
			in.key, in.slices = true, true
		case naluSlice, 2, 3, 4:
			in.slices = true
		case naluSPS:
			in.sps = n
		case naluPPS:
			in.pps = n
		}
	}
	return in, nil
}

// checkSPS parses an SPS and returns the picture size it declares.
func checkSPS(sps []byte) (width, height int, err error) {
	var s h264.SPS
	if err := s.Unmarshal(sps); err != nil {
		return 0, 0, fmt.Errorf("%w: SPS (first bytes % x): %v", ErrBadParams, head(sps), err)
	}
	w, h := s.Width(), s.Height()
	if w <= 0 || h <= 0 || w > 16384 || h > 16384 {
		return 0, 0, fmt.Errorf("%w: SPS (first bytes % x) declares a %dx%d picture", ErrBadParams, head(sps), w, h)
	}
	return w, h, nil
}

// checkPPS rejects a PPS too short to hold its first fields.
func checkPPS(pps []byte) error {
	if len(pps) < 2 {
		return fmt.Errorf("%w: PPS of %d bytes (% x)", ErrBadParams, len(pps), pps)
	}
	return nil
}

// appendAVCC appends the NAL units in the MP4 sample layout: each after
// its length as 4 bytes big-endian. Kept in this form, a buffered picture
// is written to a clip without conversion.
func appendAVCC(dst []byte, nalus [][]byte) []byte {
	for _, n := range nalus {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(n)))
		dst = append(dst, n...)
	}
	return dst
}

// head returns at most the first 8 bytes of b, for error messages.
func head(b []byte) []byte {
	return b[:min(len(b), 8)]
}
