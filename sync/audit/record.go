package audit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/palisade/palisade/sync/command"
)

// ErrRecord is returned for leaf data that is not a record.
var ErrRecord = errors.New("audit: malformed record")

const recordVersion = 1

// Record is one leaf: a committed command, where it sits in the raft log,
// and whether the state machine accepted it. Refused commands are leaves
// too: an officer who tried to open a gate and was refused is on the record.
type Record struct {
	LogIndex uint64
	Time     time.Time // when the leader appended the entry
	Refused  string    // the applier's reason, empty if applied
	Command  *command.Command
}

// AppendRecord appends r's canonical encoding to b.
func AppendRecord(b []byte, r Record) []byte {
	b = append(b, recordVersion)
	b = binary.AppendUvarint(b, r.LogIndex)
	b = binary.AppendVarint(b, r.Time.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(r.Refused)))
	b = append(b, r.Refused...)
	return command.Append(b, r.Command)
}

// ParseRecord decodes leaf data.
func ParseRecord(b []byte) (Record, error) {
	var r Record
	if len(b) == 0 || b[0] != recordVersion {
		return r, fmt.Errorf("%w: unknown version", ErrRecord)
	}
	b = b[1:]
	idx, n := uvarint(b)
	if n <= 0 {
		return r, fmt.Errorf("%w: log index", ErrRecord)
	}
	b = b[n:]
	t, n := binary.Varint(b)
	if n <= 0 || n != len(binary.AppendVarint(nil, t)) {
		return r, fmt.Errorf("%w: time", ErrRecord)
	}
	b = b[n:]
	l, n := uvarint(b)
	if n <= 0 || l > uint64(len(b)-n) {
		return r, fmt.Errorf("%w: reason", ErrRecord)
	}
	r.LogIndex, r.Time, r.Refused = idx, time.Unix(0, t).UTC(), string(b[n:n+int(l)])
	c, err := command.Decode(b[n+int(l):])
	if err != nil {
		return r, fmt.Errorf("%w: %w", ErrRecord, err)
	}
	r.Command = c
	return r, nil
}

// uvarint is binary.Uvarint refusing non-shortest forms (n = 0): one
// encoding per record, so one hash per record.
func uvarint(b []byte) (uint64, int) {
	v, n := binary.Uvarint(b)
	if n > 0 && n != len(binary.AppendUvarint(nil, v)) {
		return 0, 0
	}
	return v, n
}
