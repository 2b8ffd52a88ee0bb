package replica

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
)

// Entry is where a command sits in the log.
type Entry struct {
	Index uint64
	// Time is when the leader appended the entry: the same on every node,
	// unlike the proposer's c.Time. Use it for anything that expires or is
	// pruned, so a proposer with a wrong clock cannot move a window.
	Time time.Time
}

// Applier applies the commands of the facility's domains to the state.
//
// Concurrency: Apply is called on raft's FSM goroutine only, one command at
// a time, in log order, identically on every node. It must be deterministic:
// use e and c, never the wall clock. It runs inside tx, which commits after
// the whole batch; a returned error rejects the command and the applier must
// not have written anything for it (validate first, then write).
type Applier interface {
	Apply(tx *bolt.Tx, e Entry, c *command.Command) (result []byte, err error)
}

// Applied is one command after it was applied, as delivered to observers.
type Applied struct {
	Index   uint64
	Time    time.Time // the entry's time, as in Entry (zero for a duplicate)
	Command *command.Command
	Result  []byte
	Err     error // the applier's rejection, if any
	Dup     bool  // the id was applied before; nothing was changed
}

// Result is what a proposer gets back for its command.
type Result struct {
	Index uint64 // log index of the entry that carried it
	Value []byte
}

var (
	bucketApplied   = []byte("_applied")      // id → index(8) ok(1) result
	bucketAppliedAt = []byte("_applied_time") // time(8)+id → nil, for pruning
	bucketMeta      = []byte("_meta")
	keyApplied      = []byte("applied_index")
	keyMaxTime      = []byte("max_time")
)

// fsm is raft's state machine: it applies batches into a bbolt file. The file
// is rebuilt from snapshot + log at every start (see DESIGN.md), so it is
// opened without fsync.
type fsm struct {
	path      string
	applier   Applier
	observe   func([]Applied)
	retention time.Duration
	log       *slog.Logger

	mu sync.RWMutex // guards db against Restore swapping it
	db *bolt.DB

	idxMu   sync.Mutex
	applied uint64
	notify  chan struct{} // closed and replaced on every apply
}

func openState(path string) (*bolt.DB, error) {
	return bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         time.Second,
		NoSync:          true, // rebuilt from the raft log at start; see DESIGN.md
		NoGrowSync:      true, // likewise: no fsync when the file grows either
		NoFreelistSync:  true,
		InitialMmapSize: 64 << 20, // few remaps: a remap waits for open read txs
	})
}

func newFSM(dir string, a Applier, observe func([]Applied), retention time.Duration, log *slog.Logger) (*fsm, error) {
	path := filepath.Join(dir, "state.db")
	// The state is derived: raft restores the newest snapshot and replays the
	// log after it. Starting from an empty file makes that replay exact.
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	db, err := openState(path)
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	return &fsm{path: path, db: db, applier: a, observe: observe, retention: retention, log: log, notify: make(chan struct{})}, nil
}

// view runs fn in a read transaction of the current state.
func (f *fsm) view(fn func(*bolt.Tx) error) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.db.View(fn)
}

func (f *fsm) appliedIndex() (uint64, <-chan struct{}) {
	f.idxMu.Lock()
	defer f.idxMu.Unlock()
	return f.applied, f.notify
}

func (f *fsm) setApplied(i uint64) {
	f.idxMu.Lock()
	if i > f.applied {
		f.applied = i
		close(f.notify)
		f.notify = make(chan struct{})
	}
	f.idxMu.Unlock()
}

// Apply implements raft.FSM for a single entry.
func (f *fsm) Apply(l *raft.Log) any { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch implements raft.BatchingFSM: all entries raft hands over at once
// are applied in one bbolt transaction.
func (f *fsm) ApplyBatch(logs []*raft.Log) []any {
	resp := make([]any, len(logs))
	var out []Applied
	f.mu.RLock()
	err := f.db.Update(func(tx *bolt.Tx) error {
		out = out[:0]
		for i, l := range logs {
			if l.Type != raft.LogCommand {
				continue
			}
			resp[i] = f.applyEntry(tx, l, &out)
			// Per entry, not per batch: how raft groups entries into
			// batches differs between nodes and between runs.
			if err := f.prune(tx, uint64(l.AppendedAt.UnixNano())); err != nil {
				return err
			}
		}
		return setMeta(tx, keyApplied, logs[len(logs)-1].Index)
	})
	f.mu.RUnlock()
	if err != nil {
		// A failed bbolt commit (disk full, I/O error) leaves this node's
		// state behind the log: there is no safe way to continue applying.
		f.log.Error("state commit failed; stopping", "err", err, "index", logs[len(logs)-1].Index)
		panic(fmt.Sprintf("replica: state commit failed at index %d: %v", logs[len(logs)-1].Index, err))
	}
	f.setApplied(logs[len(logs)-1].Index)
	if f.observe != nil && len(out) > 0 {
		f.observe(out)
	}
	return resp
}

func (f *fsm) applyEntry(tx *bolt.Tx, l *raft.Log, out *[]Applied) []Applied {
	cs, err := command.DecodeBatch(l.Data)
	if err != nil {
		// Cannot happen for entries we proposed; never crash on it.
		f.log.Error("undecodable log entry skipped", "index", l.Index, "err", err)
		return nil
	}
	res := make([]Applied, len(cs))
	ab, _ := tx.CreateBucketIfNotExists(bucketApplied)
	for i, c := range cs {
		a := Applied{Index: l.Index, Time: l.AppendedAt, Command: c}
		if prev := ab.Get(c.ID[:]); prev != nil {
			a.Index, a.Result, a.Err = decodeOutcome(prev)
			a.Dup, a.Time = true, time.Time{}
		} else {
			a.Result, a.Err = f.safeApply(tx, Entry{Index: l.Index, Time: l.AppendedAt}, c)
			if err := f.remember(tx, ab, l, c, a.Result, a.Err); err != nil {
				a.Err = err
			}
		}
		res[i] = a
		if !a.Dup {
			*out = append(*out, a)
		}
	}
	return res
}

// safeApply is the recover boundary: one bad command never stops the node.
func (f *fsm) safeApply(tx *bolt.Tx, e Entry, c *command.Command) (res []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			f.log.Error("applier panicked", "kind", c.Kind, "id", c.ID.String(), "panic", r)
			err = fmt.Errorf("applier panicked on %s", c.Kind)
		}
	}()
	return f.applier.Apply(tx, e, c)
}

// remember records the outcome under the command's id, so a retried command
// returns the first outcome instead of applying twice. The id is remembered
// from the time its entry was appended (the leader's clock, in the log), not
// the proposer's c.Time: one node with a wrong clock must not be able to
// switch exactly-once off.
func (f *fsm) remember(tx *bolt.Tx, ab *bolt.Bucket, l *raft.Log, c *command.Command, res []byte, aerr error) error {
	v := make([]byte, 9, 9+len(res))
	binary.BigEndian.PutUint64(v, l.Index)
	if aerr != nil {
		v[8] = 1
		v = append(v, aerr.Error()...)
	} else {
		v = append(v, res...)
	}
	if err := ab.Put(c.ID[:], v); err != nil {
		return err
	}
	tb, err := tx.CreateBucketIfNotExists(bucketAppliedAt)
	if err != nil {
		return err
	}
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 24), uint64(l.AppendedAt.UnixNano()))
	return tb.Put(append(k, c.ID[:]...), nil)
}

// prune forgets ids older than the retention, measured against the newest
// append time seen (t, or an earlier entry's): deterministic on every node.
func (f *fsm) prune(tx *bolt.Tx, t uint64) error {
	maxT := getMeta(tx, keyMaxTime)
	if t > maxT {
		maxT = t
		if err := setMeta(tx, keyMaxTime, t); err != nil {
			return err
		}
	}
	ab, tb := tx.Bucket(bucketApplied), tx.Bucket(bucketAppliedAt)
	if ab == nil || tb == nil {
		return nil
	}
	cutoff := int64(maxT) - int64(f.retention)
	cur := tb.Cursor()
	for k, _ := cur.First(); k != nil && len(k) == 24; k, _ = cur.First() {
		if int64(binary.BigEndian.Uint64(k)) >= cutoff {
			break
		}
		_ = ab.Delete(k[8:])
		if err := cur.Delete(); err != nil {
			return err
		}
	}
	return nil
}

func decodeOutcome(v []byte) (uint64, []byte, error) {
	if len(v) < 9 {
		return 0, nil, nil
	}
	idx := binary.BigEndian.Uint64(v)
	if v[8] == 1 {
		return idx, nil, fmt.Errorf("%w: %s", ErrRejected, v[9:])
	}
	return idx, append([]byte(nil), v[9:]...), nil
}

func setMeta(tx *bolt.Tx, k []byte, v uint64) error {
	b, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	return b.Put(k, binary.BigEndian.AppendUint64(nil, v))
}

func getMeta(tx *bolt.Tx, k []byte) uint64 {
	b := tx.Bucket(bucketMeta)
	if b == nil {
		return 0
	}
	v := b.Get(k)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// Snapshot implements raft.FSM. A bbolt read transaction is a consistent view
// of the state at this index; Persist streams it while applies continue.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.RLock()
	tx, err := f.db.Begin(false)
	f.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return &snapshot{tx: tx}, nil
}

type snapshot struct{ tx *bolt.Tx }

func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := s.tx.WriteTo(sink); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("persist snapshot: %w", err)
	}
	return sink.Close()
}

func (s *snapshot) Release() { _ = s.tx.Rollback() }

// Restore implements raft.FSM: the snapshot is a whole bbolt file, which
// replaces the state.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	tmp := f.path + ".restore"
	w, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, rc); err != nil {
		w.Close()
		return fmt.Errorf("restore: copy snapshot: %w", err)
	}
	if err := w.Close(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.db.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, f.path); err != nil {
		return err
	}
	db, err := openState(f.path)
	if err != nil {
		return fmt.Errorf("restore: open: %w", err)
	}
	f.db = db
	var idx uint64
	_ = db.View(func(tx *bolt.Tx) error { idx = getMeta(tx, keyApplied); return nil })
	f.setApplied(idx)
	return nil
}

func (f *fsm) close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.db.Close()
}
