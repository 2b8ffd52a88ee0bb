package presence

import (
	"fmt"
	"time"

	"github.com/palisade/palisade/sensors/rfid"
)

// Output is what the engine concludes: Transition, UnknownTag, Missing,
// Found. Transitions, Missing and Found become commands (Command);
// UnknownTag, Missing and flagged transitions become alarms (Alarm).
type Output interface{ presenceOutput() }

// Anomaly flags a transition that does not follow from where the person
// was. The transition is recorded all the same: the reader saw the
// crossing, and the person is where it took them.
type Anomaly string

// Anomalies.
const (
	// NoAnomaly: the person came from the zone they were in, or their
	// zone was not known yet.
	NoAnomaly Anomaly = ""
	// Impossible: the person's zone is neither side of the doorway —
	// they got from there to here without passing a reader (a missed
	// crossing, a reader offline, or a tag handed over).
	Impossible Anomaly = "impossible"
	// UnseenExit: the person crossed into the zone they were already in:
	// they had left it unseen.
	UnseenExit Anomaly = "unseen_exit"
)

// Classify judges a crossing from → to through reader r (its zones are
// zones) for a person who was in prev ("" unknown). For an area reader
// from is "" and every move is plausible. The engine flags with it from
// its own view; the applier, authoritatively, from the committed state.
func Classify(prev, readerID string, zones []string, from, to string) (Anomaly, string) {
	switch {
	case prev == "" || from == "" || prev == from:
		return NoAnomaly, ""
	case prev == to:
		return UnseenExit, fmt.Sprintf("already in %s: left it unseen before crossing back in from %s at %s", to, from, readerID)
	}
	return Impossible, fmt.Sprintf("was in %s, but reader %s joins %s and %s: crossed %s → %s without passing a reader in between",
		prev, readerID, zones[0], zones[len(zones)-1], from, to)
}

// Transition is a person's arrival in a zone: "P (EPC) is in To since At,
// from From through Reader". From is "" for an area reader (seen in the
// zone, not crossing into it).
type Transition struct {
	Person string
	EPC    rfid.EPC
	Reader string
	From   string
	To     string
	At     time.Time // the threshold moment: between the last read on From's side and the first on To's
	Reads  int       // reads in the passage
	// Prev is where the engine believed the person was ("" unknown);
	// Anomaly and Reason judge the crossing from that belief. The applier
	// judges again from the committed state (Record.Anomaly).
	Prev    string
	Anomaly Anomaly
	Reason  string
}

// UnknownTag is a tag nobody registered, read MinReads times in one
// passage: reported once per UnknownEvery per EPC.
type UnknownTag struct {
	EPC     rfid.EPC
	Reader  string
	Antenna int
	Zone    string    // the zone the antenna that first read it faces
	RSSI    int       // dBm, strongest read so far
	At      time.Time // first read of the passage
	Reads   int
}

// Missing is a resident no reader has seen for Config.MissingAfter.
type Missing struct {
	Person   string
	LastSeen time.Time // last read, or when the engine started counting
	Zone     string    // where they were last placed ("" unknown)
	Reader   string    // reader of the last read ("" none since start)
	At       time.Time // when the engine noticed
}

// Found is a resident reported missing who has been read again.
type Found struct {
	Person string
	Reader string
	Zone   string    // the zone the antenna faces
	At     time.Time // the read
	Since  time.Time // LastSeen of the Missing
}

func (Transition) presenceOutput() {}
func (UnknownTag) presenceOutput() {}
func (Missing) presenceOutput()    {}
func (Found) presenceOutput()      {}

func (t Transition) String() string {
	s := fmt.Sprintf("%s (%s) in %s since %s", t.Person, t.EPC, t.To, t.At.Format(time.RFC3339Nano))
	if t.From != "" {
		s += fmt.Sprintf(" from %s via %s", t.From, t.Reader)
	} else {
		s += " seen by " + t.Reader
	}
	if t.Anomaly != NoAnomaly {
		s += fmt.Sprintf(" [%s: %s]", t.Anomaly, t.Reason)
	}
	return s
}
