package uplink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrMalformed is wrapped by every decoding error of a record or a page;
// the wrapping message names the field and the value that was wrong.
var ErrMalformed = errors.New("uplink: malformed")

// Record kinds. A kind this version does not know is carried and stored
// as it is (a newer facility may send more), never interpreted.
const (
	KindAlarm     = "alarm"     // a priority 1–2 alarm moved in its lifecycle
	KindOverride  = "override"  // a two-supervisor sally-port override was granted
	KindHeadcount = "headcount" // a headcount finished (see Deriver: the domain derives it)
	KindRollup    = "rollup"    // the periodic aggregate, on uplink.rollup
	KindGap       = "gap"       // served, never stored: records the puller cannot have any more
)

// Limits of one record's encoding. A gap carries the facility's summary,
// whose open alarms are bounded by MaxOpen.
const (
	MaxRecordBytes = 16 << 10
	MaxGapBytes    = 1 << 20
	maxKind        = 64
	maxText        = 2000
	maxName        = 256
)

// Record is one entry of the feed. Seq numbers a facility's records 1, 2,
// 3… without holes; every node of the facility holds the same records with
// the same bytes, because they are derived from the log when it is applied.
type Record struct {
	Seq   uint64          `json:"seq"`
	Index uint64          `json:"index,omitempty"` // raft log index of the command it came from (0: a gap)
	Time  time.Time       `json:"time"`            // the log's time of that command (UTC)
	Kind  string          `json:"kind"`
	Body  json.RawMessage `json:"body"` // a JSON object, by kind: Alarm, Override, Headcount, Rollup, Gap
}

// Marshal returns the record's canonical encoding: the bytes the edge stores
// and serves, and HQ stores and compares.
func (r Record) Marshal() []byte {
	r.Time = r.Time.UTC()
	b, err := json.Marshal(r)
	if err != nil { // only an invalid Body can fail; Validate refuses those
		panic("uplink: marshal record: " + err.Error())
	}
	return b
}

// ParseRecord decodes and validates one record.
func ParseRecord(b []byte) (Record, error) {
	var r Record
	if len(b) > MaxGapBytes {
		return r, fmt.Errorf("%w: record of %d bytes", ErrMalformed, len(b))
	}
	if err := strict(b, &r); err != nil {
		return r, fmt.Errorf("%w: record: %v", ErrMalformed, err)
	}
	return r, r.Validate()
}

// Validate checks the envelope and, for the kinds this version knows, the
// body.
func (r Record) Validate() error {
	switch {
	case r.Seq == 0:
		return fmt.Errorf("%w: record seq 0", ErrMalformed)
	case r.Time.IsZero():
		return fmt.Errorf("%w: record %d: time is missing", ErrMalformed, r.Seq)
	case !validKind(r.Kind):
		return fmt.Errorf("%w: record %d: kind %.80q", ErrMalformed, r.Seq, r.Kind)
	case len(r.Body) == 0 || r.Body[0] != '{':
		return fmt.Errorf("%w: record %d: body is not a JSON object", ErrMalformed, r.Seq)
	case r.Kind != KindGap && len(r.Body) > MaxRecordBytes:
		return fmt.Errorf("%w: record %d: body of %d bytes exceeds %d", ErrMalformed, r.Seq, len(r.Body), MaxRecordBytes)
	case r.Kind == KindGap && r.Index != 0:
		return fmt.Errorf("%w: record %d: a gap with log index %d", ErrMalformed, r.Seq, r.Index)
	case r.Kind != KindGap && r.Index == 0:
		return fmt.Errorf("%w: record %d: log index 0", ErrMalformed, r.Seq)
	}
	var err error
	switch r.Kind {
	case KindAlarm:
		var a Alarm
		if err = strict(r.Body, &a); err == nil {
			err = a.validate()
		}
	case KindOverride:
		var o Override
		if err = strict(r.Body, &o); err == nil {
			err = o.validate()
		}
	case KindHeadcount:
		var h Headcount
		if err = strict(r.Body, &h); err == nil {
			err = h.validate()
		}
	case KindRollup:
		var ru Rollup
		if err = strict(r.Body, &ru); err == nil {
			err = ru.validate()
		}
	case KindGap:
		var g Gap
		if err = strict(r.Body, &g); err == nil {
			err = g.validate(r.Seq)
		}
	default:
		if !json.Valid(r.Body) {
			err = errors.New("not JSON")
		}
	}
	if err != nil {
		return fmt.Errorf("%w: record %d (%s): %v", ErrMalformed, r.Seq, r.Kind, err)
	}
	return nil
}

func validKind(k string) bool {
	if k == "" || len(k) > maxKind {
		return false
	}
	for _, c := range []byte(k) {
		if (c < 'a' || c > 'z') && c != '_' && c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// strict decodes one JSON value into v, refusing unknown fields and
// anything after the value.
func strict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("data after the value")
	}
	return nil
}

// Alarm events.
const (
	EventRaised       = "raised"
	EventAcknowledged = "acknowledged"
	EventResolved     = "resolved"
	EventEscalated    = "escalated"
)

// Alarm is the body of an alarm record: the alarm as it is after the event.
// Message and Note are free text that may name a resident: they are empty
// unless the facility lets names cross (Feed.Names).
type Alarm struct {
	ID       string    `json:"id"`
	Event    string    `json:"event"`
	Kind     string    `json:"kind"`
	Priority int       `json:"priority"` // current (escalation lowers the number)
	Raised   int       `json:"raised_priority"`
	State    string    `json:"state"` // raised, acknowledged, resolved
	Zone     string    `json:"zone,omitempty"`
	Device   string    `json:"device,omitempty"`
	Count    int       `json:"count"`
	RaisedAt time.Time `json:"raised_at"`
	By       string    `json:"by,omitempty"` // who acknowledged or resolved; the device or user that raised
	Message  string    `json:"message,omitempty"`
	Note     string    `json:"note,omitempty"`
}

func (a Alarm) validate() error {
	switch {
	case a.ID == "" || len(a.ID) > maxName:
		return fmt.Errorf("id %.80q", a.ID)
	case a.Event != EventRaised && a.Event != EventAcknowledged && a.Event != EventResolved && a.Event != EventEscalated:
		return fmt.Errorf("event %.80q", a.Event)
	case a.State != "raised" && a.State != "acknowledged" && a.State != "resolved":
		return fmt.Errorf("state %.80q", a.State)
	case a.Priority < 1 || a.Priority > 4 || a.Raised < 1 || a.Raised > 4:
		return fmt.Errorf("priority %d (raised %d)", a.Priority, a.Raised)
	case len(a.Kind) > maxName || len(a.Zone) > maxName || len(a.Device) > maxName || len(a.By) > maxName:
		return errors.New("a name is longer than 256 bytes")
	case len(a.Message) > maxText || len(a.Note) > maxText:
		return errors.New("a text is longer than 2000 bytes")
	}
	return nil
}

// Override is the body of an override record.
type Override struct {
	Port     string    `json:"port"`
	Override string    `json:"override"` // release, both-open, close-on-loop
	By       [2]string `json:"by"`       // the two supervisors
	Reason   string    `json:"reason,omitempty"`
}

func (o Override) validate() error {
	switch {
	case o.Port == "" || len(o.Port) > maxName:
		return fmt.Errorf("port %.80q", o.Port)
	case o.Override == "" || len(o.Override) > maxName || len(o.By[0]) > maxName || len(o.By[1]) > maxName:
		return fmt.Errorf("override %.80q", o.Override)
	case len(o.Reason) > maxText:
		return errors.New("reason longer than 2000 bytes")
	}
	return nil
}

// Headcount is the body of a headcount record, derived by the headcount
// domain's Deriver. Missing lists names only when the facility lets them
// cross; MissingCount is always there.
type Headcount struct {
	Zone         string   `json:"zone,omitempty"` // empty: the whole facility
	Expected     int      `json:"expected"`
	Counted      int      `json:"counted"`
	Cleared      bool     `json:"cleared"`
	MissingCount int      `json:"missing_count"`
	Missing      []string `json:"missing,omitempty"`
}

func (h Headcount) validate() error {
	switch {
	case h.Expected < 0 || h.Counted < 0 || h.MissingCount < 0:
		return fmt.Errorf("negative count %d/%d/%d", h.Expected, h.Counted, h.MissingCount)
	case len(h.Zone) > maxName || len(h.Missing) > 256:
		return errors.New("zone or missing list too long")
	}
	return nil
}

// OpenCount is how many alarms of one priority are open, by state.
type OpenCount struct {
	Raised       int `json:"raised"`
	Acknowledged int `json:"acknowledged"`
}

// Cluster is what the leader that proposed a rollup knew of the cluster.
type Cluster struct {
	Members int    `json:"members"` // voters in the configuration
	Leader  string `json:"leader"`
}

// Devices is the device health the leader knew; nil in a Rollup: unknown.
type Devices struct {
	Offline []string `json:"offline"` // sorted
}

// Rollup is the body of a rollup record: aggregates of the state when the
// uplink.rollup command was applied. No names: counts and ids only.
type Rollup struct {
	Since     uint64       `json:"since"`   // log index of the previous rollup (0: none)
	Entries   uint64       `json:"entries"` // log entries since then
	Open      [4]OpenCount `json:"open"`    // open alarms of priority 1..4
	RaisedN   [4]int       `json:"raised"`  // alarms raised since the previous rollup, by priority
	Cluster   Cluster      `json:"cluster"`
	Devices   *Devices     `json:"devices,omitempty"`
	Headcount *Headcount   `json:"headcount,omitempty"` // the last headcount (nil: none yet)
}

func (r Rollup) validate() error {
	for p := range r.Open {
		if r.Open[p].Raised < 0 || r.Open[p].Acknowledged < 0 || r.RaisedN[p] < 0 {
			return fmt.Errorf("negative count at priority %d", p+1)
		}
	}
	if r.Cluster.Members < 0 || r.Cluster.Members > maxMembers || len(r.Cluster.Leader) > maxName {
		return fmt.Errorf("cluster of %d members", r.Cluster.Members)
	}
	if r.Devices != nil && len(r.Devices.Offline) > maxDevices {
		return fmt.Errorf("%d devices offline (at most %d)", len(r.Devices.Offline), maxDevices)
	}
	if r.Headcount != nil {
		return r.Headcount.validate()
	}
	return nil
}

// OpenNotable is how many open alarms of priority 1 and 2 the rollup counts.
func (r Rollup) OpenNotable() int {
	return r.Open[0].Raised + r.Open[0].Acknowledged + r.Open[1].Raised + r.Open[1].Acknowledged
}

// Gap is the body of a gap record: records From..To are no longer held by
// the facility (retention). Summary is the fold of every record up to To,
// so applying the records after the gap to it gives the facility as it is.
// The gap record's Seq is To.
type Gap struct {
	From    uint64  `json:"from"`
	To      uint64  `json:"to"`
	Summary Summary `json:"summary"`
}

func (g Gap) validate(seq uint64) error {
	if g.From == 0 || g.From > g.To || g.To != seq || g.Summary.Seq != g.To {
		return fmt.Errorf("gap %d..%d at seq %d, summary at %d", g.From, g.To, seq, g.Summary.Seq)
	}
	return g.Summary.validate()
}
