package presence

import (
	"fmt"
	"time"

	"github.com/palisade/palisade/edge/alarm"
)

// Alarm kinds raised from presence outputs.
const (
	AlarmUnknownTag = "presence.unknown_tag"
	AlarmMissing    = "presence.missing"
	AlarmImpossible = "presence.impossible_crossing"
)

// Alarm returns the alarm an output calls for: an unregistered tag on the
// move (priority 2, one alarm per tag while open), a missing resident
// (priority 1, one per person), an impossible crossing (priority 2, one
// per person and reader). Other outputs raise none. The node raises them
// locally (alarm.Service.RaiseLocal), so they show without a quorum.
// FirstReadEvidence starts the evidence line of an unknown-tag alarm that
// gives the passage's first read, to the nanosecond (UTC, RFC 3339).
const FirstReadEvidence = "first read at "

func Alarm(o Output) (alarm.Raise, bool) {
	switch o := o.(type) {
	case UnknownTag:
		return alarm.Raise{Key: AlarmUnknownTag + "/" + string(o.EPC), Kind: AlarmUnknownTag, Priority: 2, Zone: o.Zone, Device: o.Reader,
			Message: fmt.Sprintf("unregistered tag %s read %d times by %s (antenna %d, facing %s) at %s",
				o.EPC, o.Reads, o.Reader, o.Antenna, o.Zone, o.At.Format(time.TimeOnly)),
			Evidence: []string{FirstReadEvidence + o.At.UTC().Format(time.RFC3339Nano)}}, true
	case Missing:
		where := "never read since the node started"
		if o.Reader != "" {
			where = fmt.Sprintf("last read by %s at %s", o.Reader, o.LastSeen.Format(time.DateTime))
		}
		if o.Zone != "" {
			where += ", last placed in " + o.Zone
		}
		return alarm.Raise{Key: AlarmMissing + "/" + o.Person, Kind: AlarmMissing, Priority: 1, Zone: o.Zone, Device: o.Reader,
			Message: fmt.Sprintf("resident %s not seen by any reader for %s: %s", o.Person,
				o.At.Sub(o.LastSeen).Round(time.Minute), where)}, true
	case Transition:
		if o.Anomaly != Impossible {
			return alarm.Raise{}, false
		}
		return alarm.Raise{Key: AlarmImpossible + "/" + o.Person + "/" + o.Reader, Kind: AlarmImpossible, Priority: 2,
			Zone: o.To, Device: o.Reader, Message: fmt.Sprintf("%s (%s): %s", o.Person, o.EPC, o.Reason)}, true
	}
	return alarm.Raise{}, false
}
