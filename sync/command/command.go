package command

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ErrMalformed is wrapped by every decoding error; the wrapping message names
// the field and the byte offset that was wrong.
var ErrMalformed = errors.New("command: malformed")

// ID identifies a command uniquely across the facility and for ever. The
// proposer chooses it once; a retried proposal carries the same ID so the
// state machine can apply it exactly once.
type ID [16]byte

// NewID returns a new ID: 48 bits of Unix milliseconds, then 80 random
// bits (the layout of a UUIDv7). Time-ordered ids make the state machine's
// exactly-once index append at the end of its B+tree instead of rewriting a
// random page for every command.
func NewID() ID {
	var id ID
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		id[i] = byte(ms)
		ms >>= 8
	}
	if _, err := rand.Read(id[6:]); err != nil {
		// crypto/rand never fails on Linux ≥ 3.17; a failure here means the
		// platform is unusable for us.
		panic("command: crypto/rand: " + err.Error())
	}
	return id
}

// String returns the ID in lowercase hex.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is unset.
func (id ID) IsZero() bool { return id == ID{} }

// ParseID parses the hex form produced by String.
func ParseID(s string) (ID, error) {
	var id ID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, fmt.Errorf("%w: id %q: want 32 hex digits", ErrMalformed, s)
	}
	copy(id[:], b)
	return id, nil
}

// MarshalText implements encoding.TextMarshaler (IDs appear as hex in JSON).
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// Limits that keep a hostile or corrupt log entry from allocating without
// bound. A command's body is a JSON document of one state change; 1 MiB is
// far above any legitimate one.
const (
	MaxString = 256
	MaxBody   = 1 << 20
	MaxBatch  = 1 << 16
)

// Command is one state change, as proposed and as recorded in the log.
type Command struct {
	ID       ID        `json:"id"`
	Kind     string    `json:"kind"`               // e.g. "alarm.raise"; the applier dispatches on it
	Node     string    `json:"node"`               // node that proposed it
	Actor    string    `json:"actor,omitempty"`    // user name or device id
	Terminal string    `json:"terminal,omitempty"` // where an operator acted (remote address)
	Time     time.Time `json:"time"`               // proposer's clock; appliers use it, never their own
	Body     []byte    `json:"body,omitempty"`     // kind-specific payload (JSON)
}

// Validate reports whether c can be encoded and applied.
func (c *Command) Validate() error {
	switch {
	case c.ID.IsZero():
		return fmt.Errorf("%w: id is zero", ErrMalformed)
	case c.Kind == "":
		return fmt.Errorf("%w: kind is empty", ErrMalformed)
	case len(c.Kind) > MaxString, len(c.Node) > MaxString, len(c.Actor) > MaxString, len(c.Terminal) > MaxString:
		return fmt.Errorf("%w: a string field is longer than %d bytes", ErrMalformed, MaxString)
	case len(c.Body) > MaxBody:
		return fmt.Errorf("%w: body of %d bytes exceeds %d", ErrMalformed, len(c.Body), MaxBody)
	}
	return nil
}
