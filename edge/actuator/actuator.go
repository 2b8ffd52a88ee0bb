package actuator

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// Command kinds.
const (
	KindRequest = "actuate.request"
	KindStart   = "actuate.start" // the owner is about to move the hardware (write-ahead)
	KindResult  = "actuate.result"
)

// Sentinel errors.
var (
	ErrInvalid  = errors.New("actuator: invalid request")
	ErrNotFound = errors.New("actuator: no such request")
	ErrDone     = errors.New("actuator: request already has a result")
)

// Action is what to do with an output.
type Action string

const (
	On    Action = "on"    // energise (unlock, siren on) until Off
	Off   Action = "off"   // de-energise
	Pulse Action = "pulse" // energise for Duration, then off (a door strike)
)

// Request asks the owner of Device to act.
type Request struct {
	Device   string        `json:"device"`
	Node     string        `json:"node"` // owner, resolved from the facility file by the proposer
	Action   Action        `json:"action"`
	Duration time.Duration `json:"duration,omitempty"` // for Pulse
	Reason   string        `json:"reason"`
}

func (r *Request) validate() error {
	switch {
	case r.Device == "" || r.Node == "":
		return fmt.Errorf("%w: device and owning node are required", ErrInvalid)
	case r.Action != On && r.Action != Off && r.Action != Pulse:
		return fmt.Errorf("%w: action %q (want on, off or pulse)", ErrInvalid, r.Action)
	case r.Action == Pulse && (r.Duration <= 0 || r.Duration > time.Minute):
		return fmt.Errorf("%w: a pulse needs a duration up to 1m", ErrInvalid)
	case len(r.Reason) > 500:
		return fmt.Errorf("%w: reason longer than 500 bytes", ErrInvalid)
	}
	return nil
}

// State of an actuation.
type State string

const (
	Requested State = "requested"
	Executing State = "executing" // the owner recorded that it is acting
	Done      State = "done"
	Failed    State = "failed"
)

// Actuation is a request and its outcome, as recorded.
type Actuation struct {
	ID          string    `json:"id"`
	Request     Request   `json:"request"`
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
	CommittedAt time.Time `json:"committed_at"`       // the log's time: what MaxAge is measured from
	Executor    string    `json:"executor,omitempty"` // the executor instance that recorded actuate.start
	State       State     `json:"state"`
	ReadBack    string    `json:"read_back,omitempty"` // what the hardware reported
	Error       string    `json:"error,omitempty"`
	DoneAt      time.Time `json:"done_at,omitzero"`
}

// Start is the body of actuate.start.
type Start struct {
	ID       string `json:"id"`
	Executor string `json:"executor"` // one per executor process
}

// Result is the body of actuate.result.
type Result struct {
	ID       string `json:"id"`
	OK       bool   `json:"ok"`
	ReadBack string `json:"read_back,omitempty"`
	Error    string `json:"error,omitempty"`
}

var bucket = []byte("actuations")

// Applier applies actuator commands.
type Applier struct{}

// Apply implements replica.Applier; the result is the JSON Actuation.
func (Applier) Apply(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	b, err := tx.CreateBucketIfNotExists(bucket)
	if err != nil {
		return nil, err
	}
	var a Actuation
	switch c.Kind {
	case KindRequest:
		var r Request
		if err := json.Unmarshal(c.Body, &r); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		if err := r.validate(); err != nil {
			return nil, err
		}
		a = Actuation{ID: c.ID.String(), Request: r, RequestedBy: c.Actor, RequestedAt: c.Time, CommittedAt: e.Time, State: Requested}
	case KindStart:
		var st Start
		if err := json.Unmarshal(c.Body, &st); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		var ok bool
		if a, ok = get(b, st.ID); !ok {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, st.ID)
		}
		if a.State != Requested {
			return nil, fmt.Errorf("%w: %s is %s", ErrDone, st.ID, a.State)
		}
		a.State, a.Executor = Executing, st.Executor
	case KindResult:
		var r Result
		if err := json.Unmarshal(c.Body, &r); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		var ok bool
		if a, ok = get(b, r.ID); !ok {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, r.ID)
		}
		if a.State != Requested && a.State != Executing {
			return nil, fmt.Errorf("%w: %s is %s", ErrDone, r.ID, a.State)
		}
		a.State, a.ReadBack, a.Error, a.DoneAt = Failed, r.ReadBack, r.Error, c.Time
		if r.OK {
			a.State = Done
		}
	default:
		return nil, fmt.Errorf("%w: unknown command kind %q", ErrInvalid, c.Kind)
	}
	v, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	return v, b.Put([]byte(a.ID), v)
}

func get(b *bolt.Bucket, id string) (Actuation, bool) {
	var a Actuation
	v := b.Get([]byte(id))
	return a, v != nil && json.Unmarshal(v, &a) == nil
}

// Get reads one actuation from a state transaction.
func Get(tx *bolt.Tx, id string) (Actuation, bool) {
	b := tx.Bucket(bucket)
	if b == nil {
		return Actuation{}, false
	}
	return get(b, id)
}
