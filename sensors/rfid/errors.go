package rfid

import "errors"

// Sentinel errors. Every error returned by the codec, the framing layer and
// the driver wraps one of these, with the offending field and value in the
// message; check them with errors.Is.
var (
	// ErrShort means the input ends before the frame does.
	ErrShort = errors.New("rfid: frame truncated")
	// ErrHead means byte 0 is not the frame head 0xA0.
	ErrHead = errors.New("rfid: bad frame head")
	// ErrLength means the Len field is outside 3…255 or does not agree
	// with the bytes it frames.
	ErrLength = errors.New("rfid: bad length")
	// ErrChecksum means the Check byte does not match.
	ErrChecksum = errors.New("rfid: bad checksum")
	// ErrPayload means a command or reply body is malformed for its code
	// (wrong size, EPC length disagreeing with the PC word, value out of
	// range).
	ErrPayload = errors.New("rfid: bad payload")
	// ErrRefused means the reader answered a command with an error code
	// (see ReplyError).
	ErrRefused = errors.New("rfid: command refused by the reader")
	// ErrTimeout means the reader did not answer within
	// Config.ReplyTimeout.
	ErrTimeout = errors.New("rfid: no reply")
	// ErrConfig means a Config field is missing or out of range.
	ErrConfig = errors.New("rfid: bad configuration")
	// ErrRunning means Run was called while another Run of the same Reader
	// is active.
	ErrRunning = errors.New("rfid: reader already running")
)
