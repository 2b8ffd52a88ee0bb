package osdp

import "errors"

// Sentinel errors. Every error returned by the codec, the framing layer and
// the secure channel wraps one of these, with the offending field and value
// in the message; check them with errors.Is.
var (
	// ErrShort means the input ends before the frame does.
	ErrShort = errors.New("osdp: frame truncated")
	// ErrSOM means byte 0 is not the start-of-message 0x53.
	ErrSOM = errors.New("osdp: bad start of message")
	// ErrLength means the LEN field is outside the accepted range or does not
	// agree with the bytes it frames (SCB, MAC, checksum sizes).
	ErrLength = errors.New("osdp: bad length")
	// ErrCRC means the CRC-16 (or the 1-byte checksum) does not match.
	ErrCRC = errors.New("osdp: bad check value")
	// ErrAddress means ADDR is outside 0x00–0x7F or is not the expected one.
	ErrAddress = errors.New("osdp: bad address")
	// ErrSCB means the security control block is malformed or of an
	// unexpected type.
	ErrSCB = errors.New("osdp: bad security control block")
	// ErrSequence means a reply's sequence number does not match the command.
	ErrSequence = errors.New("osdp: bad sequence number")
	// ErrMAC means a secure-channel MAC did not verify.
	ErrMAC = errors.New("osdp: bad MAC")
	// ErrPadding means decrypted data did not end in 0x80 00….
	ErrPadding = errors.New("osdp: bad padding")
	// ErrCryptogram means a handshake cryptogram did not verify.
	ErrCryptogram = errors.New("osdp: bad cryptogram")
	// ErrPayload means a command or reply body is malformed for its code.
	ErrPayload = errors.New("osdp: bad payload")
	// ErrKey means a key is not 16 bytes.
	ErrKey = errors.New("osdp: bad key")
	// ErrNoSession means a secure operation was asked of an inactive channel.
	ErrNoSession = errors.New("osdp: no secure session")
	// ErrUnknownReader means an address is not configured on the panel.
	ErrUnknownReader = errors.New("osdp: unknown reader")
	// ErrQueueFull means too many commands are waiting for a reader.
	ErrQueueFull = errors.New("osdp: command queue full")
)
