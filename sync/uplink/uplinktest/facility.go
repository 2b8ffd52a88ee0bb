// Package uplinktest is scaffolding for tests and benchmarks of the uplink
// feed and of HQ: a facility's state file fed through the real appliers, the
// audit recorder and the Feed, served by the real handler over mutual TLS;
// a WAN that can be cut; a fake clock; a generator of a busy facility's day.
package uplinktest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/eventlog"
	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/edge/sallyport"
	"github.com/palisade/palisade/sync/audit"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/uplink"
)

// Supervisors are the users the simulated sally ports accept as
// supervisors.
var Supervisors = map[string]bool{"sup-a": true, "sup-b": true}

type directory struct{}

func (directory) Rules(port string) (sallyport.Rules, bool) { return sallyport.Rules{}, port != "" }
func (directory) Supervisor(user string) bool               { return Supervisors[user] }
func (directory) Owner(string) string                       { return "n1" }

// Router is the applier of a simulated facility: the real alarm, event
// journal and sally-port appliers.
func Router() replica.Router {
	return replica.Router{
		"alarm":     alarm.Applier{CoalesceWindow: time.Minute},
		"event":     eventlog.Applier{},
		"sallyport": sallyport.Applier{Dir: directory{}},
	}
}

// Facility is one node's state file of a simulated facility, applied the
// way the replica applies it: Recorder{Next: Feed{Next: Router()}}.
type Facility struct {
	ID, Node string
	DB       *bolt.DB
	Feed     *uplink.Feed
	Recorder *audit.Recorder
	CA       *pki.CA
	Cert     tls.Certificate // the node's certificate (it signs checkpoints, serves the uplink)
	index    uint64
	last     time.Time
}

// Options shape a Facility.
type Options struct {
	Feed      uplink.Feed // Next is set by NewFacility
	Node      string      // default "n1"
	IssuedAt  time.Time   // when the node certificate starts (default now − 1 h)
	ValidFor  time.Duration
	FirstTime time.Time      // log time of an empty file (for checkpoints before any command)
	Domains   replica.Router // more domains' appliers, beside Router()'s
}

// NewFacility creates the state file at path. ca may be nil: a new CA is
// made for id.
func NewFacility(tb testing.TB, path, id string, ca *pki.CA, o Options) *Facility {
	tb.Helper()
	if o.Node == "" {
		o.Node = "n1"
	}
	if o.IssuedAt.IsZero() {
		o.IssuedAt = time.Now().Add(-time.Hour)
	}
	if o.ValidFor == 0 {
		o.ValidFor = 30 * 24 * time.Hour
	}
	var err error
	if ca == nil {
		if ca, err = pki.NewCA(id, o.IssuedAt); err != nil {
			tb.Fatal(err)
		}
	}
	cert, err := ca.Issue(pki.RoleNode, o.Node, []string{"127.0.0.1"}, o.IssuedAt, o.ValidFor)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	feed := o.Feed
	router := Router()
	for k, a := range o.Domains {
		router[k] = a
	}
	feed.Next = router
	f := &Facility{ID: id, Node: o.Node, DB: db, Feed: &feed, CA: ca, Cert: cert, last: o.FirstTime}
	f.Recorder = &audit.Recorder{Next: f.Feed, Origin: id}
	return f
}

// Reopen closes and opens the state file again: what a restarted node reads.
func (f *Facility) Reopen(tb testing.TB) {
	tb.Helper()
	path := f.DB.Path()
	if err := f.DB.Close(); err != nil {
		tb.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	f.DB = db
}

// Apply applies cs in order, batch commands per transaction (as raft hands
// batches to the state machine), each at the log time of its c.Time.
// Refusals are returned by position; they are on the record like in the
// replica.
func (f *Facility) Apply(cs []*command.Command, batch int) (refused map[int]error, err error) {
	refused = map[int]error{}
	if batch <= 0 {
		batch = 1
	}
	for lo := 0; lo < len(cs); lo += batch {
		hi := min(lo+batch, len(cs))
		err = f.DB.Update(func(tx *bolt.Tx) error {
			for i := lo; i < hi; i++ {
				f.index++
				if cs[i].Time.After(f.last) {
					f.last = cs[i].Time
				}
				if _, err := f.Recorder.Apply(tx, replica.Entry{Index: f.index, Time: f.last}, cs[i]); err != nil {
					refused[i] = err
				}
			}
			return nil
		})
		if err != nil {
			return refused, err
		}
	}
	return refused, nil
}

// Index is the log index of the last command applied.
func (f *Facility) Index() uint64 { return f.index }

// IsLeader implements audit.Replica: the simulated node always leads.
func (f *Facility) IsLeader() bool { return true }

// View implements audit.Replica.
func (f *Facility) View(fn func(*bolt.Tx) error) error { return f.DB.View(fn) }

// Propose implements audit.Replica: the command is applied at once.
func (f *Facility) Propose(_ context.Context, c *command.Command) (replica.Result, error) {
	refused, err := f.Apply([]*command.Command{c}, 1)
	if err != nil {
		return replica.Result{}, err
	}
	if e := refused[0]; e != nil {
		return replica.Result{Index: f.index}, fmt.Errorf("%w: %w", replica.ErrRejected, e)
	}
	return replica.Result{Index: f.index}, nil
}

// Checkpoint signs the tree as it is, with the node's certificate, at the
// log time of the last command, and records the checkpoint.
func (f *Facility) Checkpoint() (audit.Signed, error) {
	s := audit.Signer{Replica: f, Origin: f.ID, Node: f.Node, Cert: func() (*tls.Certificate, error) { return &f.Cert, nil },
		Now: func() time.Time { return f.last }}
	cp, err := s.SignNow(context.Background())
	if errors.Is(err, audit.ErrNothingNew) {
		return cp, nil
	}
	return cp, err
}

// Handler is the uplink handler of this node.
func (f *Facility) Handler() *uplink.Handler {
	return &uplink.Handler{Facility: f.ID, Node: f.Node, View: f.View, Roots: f.CA.Pool()}
}

// Records returns every record the feed holds, as stored.
func (f *Facility) Records() ([][]byte, error) {
	var out [][]byte
	err := f.DB.View(func(tx *bolt.Tx) error {
		after := uint64(0)
		for {
			recs, last, err := uplink.Read(tx, after, 1<<20, 1<<30)
			if err != nil || len(recs) == 0 {
				return err
			}
			for _, r := range recs {
				out = append(out, append([]byte(nil), r...))
			}
			rec, err := uplink.ParseRecord(recs[len(recs)-1])
			if err != nil {
				return err
			}
			if after = rec.Seq; after >= last {
				return nil
			}
		}
	})
	return out, err
}

// TempPath is a state file path in a test's temporary directory.
func TempPath(tb testing.TB, name string) string { return filepath.Join(tb.TempDir(), name) }
