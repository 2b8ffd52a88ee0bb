package doors

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// Command kinds of the doors domain.
const (
	KindState    = "door.state"    // a door entered a state (recorded by its node)
	KindLockdown = "door.lockdown" // a supervisor locked a zone down, or lifted it
)

// ErrInvalid refuses a malformed door command.
var ErrInvalid = errors.New("doors: invalid command")

var (
	bucketStates    = []byte("door_states") // door id → JSON Status
	bucketLockdowns = []byte("lockdowns")   // zone id → JSON Lockdown
)

// Status is a door's recorded state, as every console shows it.
type Status struct {
	Door   string    `json:"door"`
	State  State     `json:"state"`
	Since  time.Time `json:"since"`
	Reason string    `json:"reason,omitempty"`
}

// Lockdown is a zone locked down: no card opens a door into or out of it.
type Lockdown struct {
	Zone   string    `json:"zone"`
	On     bool      `json:"on"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
}

// Applier applies door.state and door.lockdown.
type Applier struct{}

// Apply implements replica.Applier.
func (Applier) Apply(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	switch c.Kind {
	case KindState:
		var st Status
		if err := json.Unmarshal(c.Body, &st); err != nil || st.Door == "" || st.State == "" {
			return nil, fmt.Errorf("%w: door state %q: %v", ErrInvalid, c.Body, err)
		}
		b, err := tx.CreateBucketIfNotExists(bucketStates)
		if err != nil {
			return nil, err
		}
		// A state recorded late (a retry) must not overwrite a newer one.
		if old, ok := getJSON[Status](b, st.Door); ok && old.Since.After(st.Since) {
			return nil, nil
		}
		return nil, putJSON(b, st.Door, st)
	case KindLockdown:
		var l Lockdown
		if err := json.Unmarshal(c.Body, &l); err != nil || l.Zone == "" {
			return nil, fmt.Errorf("%w: lockdown %q: %v", ErrInvalid, c.Body, err)
		}
		l.By, l.Since = c.Actor, e.Time
		b, err := tx.CreateBucketIfNotExists(bucketLockdowns)
		if err != nil {
			return nil, err
		}
		if !l.On {
			return nil, b.Delete([]byte(l.Zone))
		}
		return nil, putJSON(b, l.Zone, l)
	}
	return nil, fmt.Errorf("%w: unknown kind %q", ErrInvalid, c.Kind)
}

func getJSON[T any](b *bolt.Bucket, k string) (T, bool) {
	var v T
	raw := b.Get([]byte(k))
	if raw == nil || json.Unmarshal(raw, &v) != nil {
		return v, false
	}
	return v, true
}

func putJSON(b *bolt.Bucket, k string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(k), raw)
}

// States returns every door's recorded state.
func States(tx *bolt.Tx) map[string]Status {
	out := map[string]Status{}
	if b := tx.Bucket(bucketStates); b != nil {
		_ = b.ForEach(func(k, v []byte) error {
			var st Status
			if json.Unmarshal(v, &st) == nil {
				out[string(k)] = st
			}
			return nil
		})
	}
	return out
}

// Lockdowns returns the zones locked down.
func Lockdowns(tx *bolt.Tx) map[string]Lockdown {
	out := map[string]Lockdown{}
	if b := tx.Bucket(bucketLockdowns); b != nil {
		_ = b.ForEach(func(k, v []byte) error {
			var l Lockdown
			if json.Unmarshal(v, &l) == nil {
				out[string(k)] = l
			}
			return nil
		})
	}
	return out
}

// StateCommand is the command recording that door entered st.
func StateCommand(st Status, node string) *command.Command {
	body, _ := json.Marshal(st) // plain fields: cannot fail
	return &command.Command{ID: command.NewID(), Kind: KindState, Node: node, Actor: st.Door, Time: st.Since, Body: body}
}

// LockdownCommand is the command locking zone down (on) or lifting it.
func LockdownCommand(zone string, on bool, reason, by, terminal string) *command.Command {
	body, _ := json.Marshal(Lockdown{Zone: zone, On: on, Reason: reason})
	return &command.Command{ID: command.NewID(), Kind: KindLockdown, Actor: by, Terminal: terminal, Time: time.Now().UTC(), Body: body}
}
