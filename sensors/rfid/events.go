package rfid

import (
	"fmt"
	"time"
)

// Event is something a Reader reports: Read, Round, ReaderError, Online,
// Offline. Every event carries the reader's Config.Name and the time from
// Config.Now.
type Event interface{ rfidEvent() }

// Read is one tag read: the reader saw EPC on an antenna. A tag in a
// doorway is read many times a second; turning reads into entered/left is
// the presence engine's job. Reads of EPCs nobody registered are reported
// like any other.
type Read struct {
	Reader    string // Config.Name
	EPC       EPC
	Antenna   int // port 0–3
	RSSI      int // dBm, typically −75 (edge of the field) … −40 (at the antenna)
	FreqIndex int // channel index of the frequency hop
	At        time.Time
}

// Round closes one inventory round on one antenna.
type Round struct {
	Reader   string
	Antenna  int
	Reads    int // tag reports the driver received in the round
	ReadRate int // reads per second, as the reader computed it
	Total    int // tag reads the reader counted in the round
	At       time.Time
}

// ReaderError is a fault of the reader while the port works: it refused
// a command (Code set, Err a *ReplyError, e.g. antenna_missing_error) or
// stopped answering (Code 0, Err wraps ErrTimeout). It is reported once
// per episode: again only after that command has succeeded in between.
type ReaderError struct {
	Reader  string
	Cmd     byte
	Antenna int // the work antenna at the time, -1 when none applies
	Code    ErrorCode
	Err     error
	At      time.Time
}

// Online means the port is open, the reader answered its firmware version
// and took the configured output power; inventory rounds follow.
type Online struct {
	Reader   string
	Firmware Version
	Power    int // dBm configured
	At       time.Time
}

// Offline means the reader cannot be used: the port could not be opened
// or failed (unplugged), or the reader stopped answering. Reported once
// per episode, also when the reader was never online; the driver keeps
// reopening with backoff.
type Offline struct {
	Reader string
	Err    error
	At     time.Time
}

func (Read) rfidEvent()        {}
func (Round) rfidEvent()       {}
func (ReaderError) rfidEvent() {}
func (Online) rfidEvent()      {}
func (Offline) rfidEvent()     {}

func (r Read) String() string {
	return fmt.Sprintf("%s read %s antenna %d %d dBm", r.Reader, r.EPC, r.Antenna, r.RSSI)
}
