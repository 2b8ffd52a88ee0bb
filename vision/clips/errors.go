package clips

import "errors"

// Sentinel errors, checked with errors.Is. Errors about an access unit name
// the NAL unit and show its first bytes.
var (
	// ErrEmpty is returned by Push for an access unit without NAL units.
	ErrEmpty = errors.New("clips: empty access unit")
	// ErrBadNALU is returned by Push for a NAL unit no H.264 stream may
	// hold: empty, forbidden_zero_bit set, a type that is unspecified or
	// exists only in RTP packetisation, or a slice header that cannot be
	// parsed. The access unit is dropped and the buffer waits for the next
	// key frame, since later pictures may refer to it.
	ErrBadNALU = errors.New("clips: bad NAL unit")
	// ErrTooLarge is returned by Push for an access unit beyond the limits
	// of H.264 as cameras send it (MaxAccessUnitBytes, MaxNALUs).
	ErrTooLarge = errors.New("clips: access unit too large")
	// ErrBadParams is returned by Push for an SPS that cannot be parsed or
	// an empty PPS. The access unit is dropped.
	ErrBadParams = errors.New("clips: bad SPS or PPS")
	// ErrNoParams is returned by Push for a key frame when no SPS and PPS
	// have been seen yet, in it or before it: a clip could not be decoded
	// from it.
	ErrNoParams = errors.New("clips: key frame without SPS and PPS")
	// ErrWaitingForKey is returned by Push for a picture that is not a key
	// frame while the buffer has no key frame to decode it from: at the
	// start of a stream and after an access unit was refused. Routine for
	// a moment after each (re)connection.
	ErrWaitingForKey = errors.New("clips: waiting for a key frame")
	// ErrBadTime is returned by Push for an access unit without a time or
	// whose decode time is not after the previous one's. The access unit
	// is dropped and the buffer waits for the next key frame.
	ErrBadTime = errors.New("clips: bad access unit time")
	// ErrNoVideo is returned by Record when the buffer holds no key frame
	// before the end of the requested window, so there is nothing to
	// write.
	ErrNoVideo = errors.New("clips: no video for the requested window")
	// ErrBadRequest is returned by Record for a request it cannot honour
	// as asked: no alarm id, a negative window, or a window longer than
	// the buffer is configured to keep. The error names the field.
	ErrBadRequest = errors.New("clips: bad clip request")
	// ErrBusy is returned by Record when MaxPending clips are already
	// waiting for their post-event window.
	ErrBusy = errors.New("clips: too many clips pending")
	// ErrClosed is returned by Push and Record after Close.
	ErrClosed = errors.New("clips: recorder closed")
)
