package presence

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/palisade/palisade/sensors/rfid"
	"github.com/palisade/palisade/sync/command"
)

// Command kinds of the presence domain (replica.Router key "presence").
const (
	// KindTransition carries a TransitionBody: a person entered a zone.
	KindTransition = "presence.transition"
	// KindMissing carries a MissingBody: a resident unseen for too long.
	KindMissing = "presence.missing"
	// KindFound carries a FoundBody: a missing resident read again.
	KindFound = "presence.found"
)

// TransitionBody is the payload of presence.transition.
type TransitionBody struct {
	Person string    `json:"person"`
	EPC    rfid.EPC  `json:"epc"`
	Reader string    `json:"reader"`
	From   string    `json:"from,omitempty"` // "" for an area reader
	To     string    `json:"to"`
	At     time.Time `json:"at"`
	Reads  int       `json:"reads,omitempty"`
}

// MissingBody is the payload of presence.missing.
type MissingBody struct {
	Person   string    `json:"person"`
	LastSeen time.Time `json:"last_seen"` // the sighting the declaration rests on
	At       time.Time `json:"at"`        // when the engine noticed
}

// FoundBody is the payload of presence.found.
type FoundBody struct {
	Person string    `json:"person"`
	Reader string    `json:"reader,omitempty"`
	Zone   string    `json:"zone,omitempty"` // the zone the reading antenna faces
	At     time.Time `json:"at"`
}

// Command returns the command that records o, proposed by node: a
// Transition, Missing or Found; false for an UnknownTag (an alarm, see
// Alarm, not presence state). The id is derived from what happened, not
// drawn at random, so that the same conclusion proposed twice (a retry,
// or two nodes declaring the same resident missing from the same last
// sighting) is applied once.
func Command(o Output, node string) (*command.Command, bool) {
	var (
		kind, actor string
		at, idAt    time.Time // the command's time; the time that identifies it
		body        any
		idParts     []string
	)
	switch o := o.(type) {
	case Transition:
		kind, actor, at, idAt = KindTransition, o.Reader, o.At, o.At
		body = TransitionBody{Person: o.Person, EPC: o.EPC, Reader: o.Reader, From: o.From, To: o.To, At: o.At.UTC(), Reads: o.Reads}
		idParts = []string{o.Person, o.Reader, stamp(o.At)}
	case Missing:
		kind, at, idAt = KindMissing, o.At, o.LastSeen
		body = MissingBody{Person: o.Person, LastSeen: o.LastSeen.UTC(), At: o.At.UTC()}
		idParts = []string{o.Person, stamp(o.LastSeen)}
	case Found:
		kind, actor, at, idAt = KindFound, o.Reader, o.At, o.Since
		body = FoundBody{Person: o.Person, Reader: o.Reader, Zone: o.Zone, At: o.At.UTC()}
		idParts = []string{o.Person, stamp(o.Since)}
	default:
		return nil, false
	}
	raw, _ := json.Marshal(body) // strings and times: cannot fail
	return &command.Command{ID: deriveID(kind, idAt, idParts...), Kind: kind, Node: node, Actor: actor, Time: at.UTC(), Body: raw}, true
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// deriveID lays an id out as command.NewID does (48 bits of Unix
// milliseconds first, so the exactly-once index stays append-mostly) but
// fills the rest from a hash of what the command says.
func deriveID(kind string, at time.Time, parts ...string) command.ID {
	h := sha256.New()
	h.Write([]byte(kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	var id command.ID
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(at.UnixMilli()))
	copy(id[:6], ms[2:])
	copy(id[6:], h.Sum(nil))
	return id
}
