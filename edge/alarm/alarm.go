package alarm

import (
	"errors"
	"time"
)

// Sentinel errors of the alarm domain. A command that fails with one of them
// is in the log but changed nothing.
var (
	ErrNotFound      = errors.New("alarm: not found")
	ErrAlreadyAcked  = errors.New("alarm: already acknowledged")
	ErrAlreadyClosed = errors.New("alarm: already resolved")
	ErrInvalid       = errors.New("alarm: invalid")
	ErrNoteRequired  = errors.New("alarm: a note is required")
)

// State is where an alarm is in its lifecycle:
// raised → acknowledged → resolved (raised → resolved is allowed too).
type State string

const (
	Raised       State = "raised"
	Acknowledged State = "acknowledged"
	Resolved     State = "resolved"
)

// Priority 1 is the most urgent (an escape in progress), 4 the least
// (a device needs maintenance).
type Priority int

// Valid reports whether p is 1..4.
func (p Priority) Valid() bool { return p >= 1 && p <= 4 }

// Alarm is one alarm as the console shows it.
type Alarm struct {
	ID       string    `json:"id"`  // id of the command that raised it
	Key      string    `json:"key"` // repeats of the same open key coalesce
	Kind     string    `json:"kind"`
	Priority Priority  `json:"priority"` // current; escalation lowers the number
	Raised   Priority  `json:"raised_priority"`
	Zone     string    `json:"zone,omitempty"`
	Device   string    `json:"device,omitempty"`
	Node     string    `json:"node"`      // node that raised it
	RaisedBy string    `json:"raised_by"` // device id or user name
	Message  string    `json:"message"`
	Evidence []string  `json:"evidence,omitempty"`
	State    State     `json:"state"`
	Count    int       `json:"count"` // 1 + repeats coalesced into it
	RaisedAt time.Time `json:"raised_at"`
	LastAt   time.Time `json:"last_at"` // last repeat

	AckedBy       string    `json:"acked_by,omitempty"`
	AckedAt       time.Time `json:"acked_at,omitzero"`
	AckNote       string    `json:"ack_note,omitempty"`
	AckTerminal   string    `json:"ack_terminal,omitempty"`
	ResolvedBy    string    `json:"resolved_by,omitempty"`
	ResolvedAt    time.Time `json:"resolved_at,omitzero"`
	ResolveNote   string    `json:"resolve_note,omitempty"`
	Escalations   int       `json:"escalations"`
	EscalatedAt   time.Time `json:"escalated_at,omitzero"`
	Index         uint64    `json:"index"`                    // log index of the last change
	NotReplicated bool      `json:"not_replicated,omitempty"` // raised on this node, waiting for a quorum
}

// Open reports whether the alarm still needs someone.
func (a *Alarm) Open() bool { return a.State != Resolved }

// Raise is what a rule or a driver asks for.
type Raise struct {
	Key      string   `json:"key"`  // coalescing key; defaults to kind/zone/device
	Kind     string   `json:"kind"` // e.g. "door.held_open"
	Priority Priority `json:"priority"`
	Zone     string   `json:"zone,omitempty"`
	Device   string   `json:"device,omitempty"`
	Message  string   `json:"message"`
	Evidence []string `json:"evidence,omitempty"`
}

// Normalize fills defaults and checks the fields.
func (r *Raise) Normalize() error {
	if r.Kind == "" || !r.Priority.Valid() || len(r.Message) > 1000 || len(r.Evidence) > 32 {
		return ErrInvalid
	}
	if r.Key == "" {
		r.Key = r.Kind + "/" + r.Zone + "/" + r.Device
	}
	return nil
}

// EventType says what happened to an alarm.
type EventType string

const (
	EventRaised   EventType = "raised"   // a new alarm
	EventRepeated EventType = "repeated" // coalesced into an open alarm
	EventUpdated  EventType = "updated"  // acknowledged, resolved, escalated
	EventPending  EventType = "pending"  // raised locally, not yet replicated
)

// Event is what the live stream carries.
type Event struct {
	Type  EventType `json:"type"`
	Alarm Alarm     `json:"alarm"`
}

// Filter selects alarms to list.
type Filter struct {
	OpenOnly bool
	Limit    int // 0: 500
}

// Actor is who did something, and from where: it goes on the record.
type Actor struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Terminal string `json:"terminal"` // remote address of the console
}
