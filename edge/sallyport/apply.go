package sallyport

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// KindInput is the command kind carrying one Input for one sally port.
const KindInput = "sallyport.input"

// ErrInvalid refuses a malformed sally-port command.
var ErrInvalid = errors.New("sallyport: invalid command")

// historyKeep is how many steps of each port's history state.db keeps.
const historyKeep = 2000

var (
	bucketPorts   = []byte("sallyports")        // port id → JSON Machine
	bucketHistory = []byte("sallyport_history") // port id → bucket: index(8) → JSON Step
)

// Body is the payload of a sallyport.input command.
type Body struct {
	Port  string `json:"port"`
	Input Input  `json:"input"`
}

// Step is one applied input of a port's history, with what it caused.
type Step struct {
	Index   uint64    `json:"index"`
	At      time.Time `json:"at"` // the log's time
	Input   Input     `json:"input"`
	Outputs []Output  `json:"outputs,omitempty"`
}

// Directory answers what the applier must not take from a command's body:
// whether a port exists and its rules, and whether a user may approve
// overrides (from the facility file, not from the proposer's word).
type Directory interface {
	Rules(port string) (Rules, bool)
	Supervisor(user string) bool
	// Owner is the node that runs the port's devices: only it reports
	// the sensors and the scan's result.
	Owner(port string) string
}

// Applier applies sallyport.input: it steps the port's machine and keeps
// its history, in the same transaction. A refused input changes nothing and
// is returned as the error (so it is on the audit record with its reason).
type Applier struct{ Dir Directory }

// Apply implements replica.Applier. The result is the JSON of the outputs,
// for the owning node to act on.
func (a Applier) Apply(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	if c.Kind != KindInput {
		return nil, fmt.Errorf("%w: unknown kind %q", ErrInvalid, c.Kind)
	}
	var b Body
	if err := json.Unmarshal(c.Body, &b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	rules, ok := a.Dir.Rules(b.Port)
	if !ok {
		return nil, fmt.Errorf("%w: no sally port %q", ErrInvalid, b.Port)
	}
	in := b.Input
	switch in.Kind {
	case LimitSwitch, LoopSensor, ScanResult:
		if owner := a.Dir.Owner(b.Port); c.Actor != owner {
			return nil, fmt.Errorf("%w: only %s, which runs sally port %s, reports its sensors and scans (not %q)", ErrInvalid, owner, b.Port, c.Actor)
		}
	}
	in.By, in.Supervisor = c.Actor, in.Kind == Approve && a.Dir.Supervisor(c.Actor)
	m, _ := Load(tx, b.Port)
	m, outs, err := m.Step(rules, in)
	if err != nil {
		return nil, err
	}
	ports, err := tx.CreateBucketIfNotExists(bucketPorts)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if err := ports.Put([]byte(b.Port), raw); err != nil {
		return nil, err
	}
	if err := appendHistory(tx, b.Port, Step{Index: e.Index, At: e.Time, Input: in, Outputs: outs}); err != nil {
		return nil, err
	}
	return json.Marshal(outs)
}

func appendHistory(tx *bolt.Tx, port string, s Step) error {
	root, err := tx.CreateBucketIfNotExists(bucketHistory)
	if err != nil {
		return err
	}
	h, err := root.CreateBucketIfNotExists([]byte(port))
	if err != nil {
		return err
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], s.Index)
	if err := h.Put(k[:], raw); err != nil {
		return err
	}
	// Bucket.Stats walks the whole bucket: prune only on every 64th log
	// index (the same entries on every node), so the history holds at most
	// historyKeep + 64 steps and an apply does not pay a walk.
	if s.Index%64 != 0 {
		return nil
	}
	for n := h.Stats().KeyN + 1; n > historyKeep; n-- { // KeyN lags the Put within a transaction
		first, _ := h.Cursor().First()
		if first == nil {
			break
		}
		if err := h.Delete(first); err != nil {
			return err
		}
	}
	return nil
}

// Load returns a port's machine; a port never commanded is at its start:
// gates driven closed, not yet reported closed.
func Load(tx *bolt.Tx, port string) (Machine, bool) {
	m := New()
	b := tx.Bucket(bucketPorts)
	if b == nil {
		return m, false
	}
	raw := b.Get([]byte(port))
	if raw == nil || json.Unmarshal(raw, &m) != nil {
		return New(), false
	}
	return m, true
}

// History returns up to the last n steps of a port, oldest first.
func History(tx *bolt.Tx, port string, n int) []Step {
	root := tx.Bucket(bucketHistory)
	if root == nil {
		return nil
	}
	h := root.Bucket([]byte(port))
	if h == nil {
		return nil
	}
	var out []Step
	c := h.Cursor()
	for k, v := c.Last(); k != nil && len(out) < n; k, v = c.Prev() {
		var s Step
		if json.Unmarshal(v, &s) == nil {
			out = append(out, s)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// InputCommand is the command carrying in for port, proposed by actor (a
// user for officers' actions, the port's owning node for sensor reports).
func InputCommand(port string, in Input, actor, node, terminal string, at time.Time) *command.Command {
	body, _ := json.Marshal(Body{Port: port, Input: in}) // plain fields: cannot fail
	return &command.Command{ID: command.NewID(), Kind: KindInput, Node: node, Actor: actor, Terminal: terminal, Time: at.UTC(), Body: body}
}
