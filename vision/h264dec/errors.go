package h264dec

import (
	"errors"
	"fmt"
)

// Sentinel errors, checked with errors.Is.
var (
	// ErrClosed is returned by a Decoder or Scaler used after Close.
	ErrClosed = errors.New("h264dec: closed")
	// ErrEmpty is returned for an access unit without NAL units or an
	// Annex-B buffer without bytes.
	ErrEmpty = errors.New("h264dec: empty access unit")
	// ErrNotAnnexB is returned by DecodeAnnexB for bytes that do not begin
	// with a start code (00 00 01 or 00 00 00 01).
	ErrNotAnnexB = errors.New("h264dec: not an Annex-B byte stream")
	// ErrBadNALU is returned for a NAL unit that no H.264 decoder should be
	// given: empty, forbidden_zero_bit set, or a type that only exists in
	// RTP packetisation or is unspecified. The error names the unit and
	// shows its first bytes.
	ErrBadNALU = errors.New("h264dec: bad NAL unit")
	// ErrInvalidData is matched by a libavcodec error saying the bitstream
	// is corrupt (AVERROR_INVALIDDATA).
	ErrInvalidData = errors.New("h264dec: invalid data")
	// ErrUnsupported is matched by errors about input this build cannot
	// decode or convert: a feature libavcodec does not implement, or a
	// pixel format swscale cannot read.
	ErrUnsupported = errors.New("h264dec: unsupported input")
)

// AVError is an error code returned by libavcodec or libswscale, with the
// call that returned it and libav's own description.
type AVError struct {
	Op   string // the libav call, e.g. "avcodec_send_packet"
	Code int    // the negative AVERROR value
	Msg  string // av_strerror's text
}

func (e *AVError) Error() string {
	return fmt.Sprintf("h264dec: %s: %s (%d)", e.Op, e.Msg, e.Code)
}

// Is lets errors.Is match ErrInvalidData and ErrUnsupported.
func (e *AVError) Is(target error) bool {
	switch target {
	case ErrInvalidData:
		return e.Code == int(avInvalidData)
	case ErrUnsupported:
		return e.Code == int(avPatchWelcome) || e.Code == int(avENOSYS)
	}
	return false
}
