package uplink

import (
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/sallyport"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// The derivers below read the domains' own result types, so a change of a
// result's shape breaks this package's build, not HQ's dashboard.
const kindSallyPortInput = sallyport.KindInput

// Applied is one command the facility applied, as a Deriver sees it.
type Applied struct {
	Tx      *bolt.Tx // the applying transaction: read the state, do not write
	Entry   replica.Entry
	Command *command.Command
	Result  []byte // what the domain's applier returned
	// Names: the facility lets free text that may name a resident cross.
	Names bool
}

// Note is a notable record a Deriver asks for; the Feed numbers it and
// stamps it with the entry's index and log time.
type Note struct {
	Kind string // not KindGap or KindRollup
	Body any    // marshalled as JSON; at most MaxRecordBytes
}

// Deriver derives notable records from applied commands: the extension
// point for domains that are not built in (headcount discrepancies, with
// KindHeadcount and a Headcount body, which rollups then report).
//
// Concurrency: Derive runs on raft's FSM goroutine, inside the applying
// transaction, after the domain applied the command. It must be
// deterministic (use a.Entry, never the wall clock) and must not write.
// An error skips this deriver's records for this command; it is logged.
type Deriver interface {
	Derive(a Applied) ([]Note, error)
}

// DeriverFunc adapts a function to Deriver.
type DeriverFunc func(Applied) ([]Note, error)

// Derive implements Deriver.
func (f DeriverFunc) Derive(a Applied) ([]Note, error) { return f(a) }

// errWrite marks a failed bbolt write (fatal), as opposed to a result
// that could not be read (the record is skipped).
var errWrite = errors.New("write")

// alarm keeps the tally of open alarms every rollup counts, and derives
// the lifecycle records of notable alarms.
func (f *Feed) alarm(st store, c *command.Command, res []byte) ([]Note, error) {
	var ev alarm.Event
	if err := json.Unmarshal(res, &ev); err != nil {
		return nil, fmt.Errorf("alarm result: %v", err)
	}
	a := ev.Alarm
	if a.ID == "" || !a.Priority.Valid() {
		return nil, fmt.Errorf("alarm result: id %q priority %d", a.ID, a.Priority)
	}
	var err error
	if a.Open() {
		state := byte(1)
		if a.State == alarm.Acknowledged {
			state = 2
		}
		err = st.open.Put([]byte(a.ID), []byte{byte(a.Priority), state})
	} else {
		err = st.open.Delete([]byte(a.ID))
	}
	if err == nil && ev.Type == alarm.EventRaised {
		r := st.raised()
		r[a.Priority-1]++
		err = st.setRaised(r)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errWrite, err)
	}
	if int(a.Priority) > f.notable() {
		return nil, nil
	}
	body := Alarm{
		ID: a.ID, Kind: clip(a.Kind, maxName), Priority: int(a.Priority), Raised: int(a.Raised), State: string(a.State),
		Zone: clip(a.Zone, maxName), Device: clip(a.Device, maxName), Count: a.Count, RaisedAt: a.RaisedAt.UTC(),
	}
	if body.Raised < 1 || body.Raised > 4 {
		body.Raised = body.Priority
	}
	switch {
	case ev.Type == alarm.EventRaised:
		body.Event, body.By, body.Message = EventRaised, a.RaisedBy, a.Message
	case ev.Type != alarm.EventUpdated: // a repeat coalesced into the open alarm
		return nil, nil
	case c.Kind == alarm.KindAck:
		body.Event, body.By, body.Note = EventAcknowledged, a.AckedBy, a.AckNote
	case c.Kind == alarm.KindResolve:
		body.Event, body.By, body.Note = EventResolved, a.ResolvedBy, a.ResolveNote
	case c.Kind == alarm.KindEscalate:
		body.Event, body.Message = EventEscalated, a.Message
	default:
		return nil, nil
	}
	body.By = clip(body.By, maxName)
	if f.Names {
		body.Message, body.Note = clip(body.Message, maxText), clip(body.Note, maxText)
	} else {
		body.Message, body.Note = "", ""
	}
	return []Note{{Kind: KindAlarm, Body: body}}, nil
}

// override derives a record when a sally-port input completed a
// two-supervisor override.
func (f *Feed) override(tx *bolt.Tx, c *command.Command, res []byte) ([]Note, error) {
	var outs []sallyport.Output
	if err := json.Unmarshal(res, &outs); err != nil {
		return nil, fmt.Errorf("sally-port result: %v", err)
	}
	granted := false
	for _, o := range outs {
		granted = granted || o.Kind == sallyport.OverrideGranted
	}
	if !granted {
		return nil, nil
	}
	var b sallyport.Body
	if err := json.Unmarshal(c.Body, &b); err != nil {
		return nil, fmt.Errorf("sally-port body: %v", err)
	}
	m, _ := sallyport.Load(tx, b.Port)
	o := Override{Port: clip(b.Port, maxName), Override: m.Granted.String(), By: [2]string{clip(m.GrantedBy[0], maxName), clip(m.GrantedBy[1], maxName)}}
	if f.Names {
		o.Reason = clip(b.Input.Reason, maxText)
	}
	return []Note{{Kind: KindOverride, Body: o}}, nil
}
