package radar

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the codec, the framing layer and the driver
// return wraps one of these, with the offending field and value in the
// message; check them with errors.Is.
var (
	// ErrShort means the input ends before the frame does.
	ErrShort = errors.New("radar: frame truncated")
	// ErrBadMagic means the frame does not start with the magic word
	// 02 01 04 03 06 05 08 07.
	ErrBadMagic = errors.New("radar: bad magic word")
	// ErrLength means totalPacketLen is outside HeaderLen…MaxFrameLen or
	// does not agree with the bytes it frames.
	ErrLength = errors.New("radar: bad length")
	// ErrTLV means a TLV is malformed: it overruns the frame, its length
	// does not fit its type, it repeats a type that may appear once, or
	// numTLVs promises more TLVs than there is room for.
	ErrTLV = errors.New("radar: bad tlv")

	// ErrConfig means a Config is invalid.
	ErrConfig = errors.New("radar: bad config")
	// ErrCommand means the radar answered a CLI command with "Error".
	ErrCommand = errors.New("radar: command refused")
	// ErrNoReply means the radar did not answer a CLI command with "Done"
	// or "Error" within Config.ReplyTimeout.
	ErrNoReply = errors.New("radar: no reply to command")
	// ErrSilent means no frame arrived for Config.RestartAfter: the driver
	// reopens the ports and configures the radar again.
	ErrSilent = errors.New("radar: no frames")
	// ErrHangup means a serial port hung up: the device behind it (or the
	// pseudo-terminal of a simulator) is gone.
	ErrHangup = errors.New("radar: port hung up")
)

// wireError is a codec or framing error: "radar: " and a message naming
// the field and its value, matching its sentinel with errors.Is.
type wireError struct {
	kind error
	msg  string
}

func (e *wireError) Error() string { return "radar: " + e.msg }
func (e *wireError) Unwrap() error { return e.kind }

func errorf(kind error, format string, args ...any) error {
	return &wireError{kind: kind, msg: fmt.Sprintf(format, args...)}
}
