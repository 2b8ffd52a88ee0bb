package audit

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// KindCheckpoint is the command that records a signed checkpoint. It is a
// statement about the tree, not a leaf of it: otherwise every checkpoint
// would grow the tree and call for the next one, forever.
const KindCheckpoint = "audit.checkpoint"

// ErrStale refuses a checkpoint no larger than one already recorded (two
// leaders signing across an election).
var ErrStale = errors.New("audit: a checkpoint at least as large is already recorded")

// Recorder is a replica.Applier that puts every command it applies into the
// tree, after Next has applied (or refused) it, in the same transaction: the
// tree and the state cannot disagree. It applies audit.checkpoint itself.
//
// Use it by pointer: it keeps the tree's buckets open for the rest of the
// transaction it last saw (raft applies a batch of commands in one).
type Recorder struct {
	Next   replica.Applier
	Origin string // the facility's id; checkpoints of another origin are refused
	// CheckSigner, if set, must approve a checkpoint's certificate at the
	// time the leader appended it (the same on every node): typically a
	// node certificate of the facility CA. Without it only the signature
	// is checked when applying, and `palisade audit verify --ca` checks
	// the rest.
	CheckSigner CheckSigner

	tx *bolt.Tx // the transaction st and n belong to (FSM goroutine only)
	st store
	n  uint64 // the tree's size in tx
}

// store returns the tree's buckets in tx, opened once per transaction.
func (r *Recorder) store(tx *bolt.Tx) (store, error) {
	if tx == r.tx {
		return r.st, nil
	}
	s, _, err := openStore(tx)
	if err != nil {
		return s, err
	}
	r.tx, r.st, r.n = tx, s, s.size()
	return s, nil
}

// Apply implements replica.Applier.
func (r *Recorder) Apply(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	if c.Kind == KindCheckpoint {
		return nil, r.checkpoint(tx, e, c)
	}
	res, err := r.Next.Apply(tx, e, c)
	rec := Record{LogIndex: e.Index, Time: e.Time, Command: c}
	if err != nil {
		rec.Refused = err.Error()
	}
	s, serr := r.store(tx)
	if serr == nil {
		if serr = s.appendLeaf(r.n, leafValue(rec)); serr == nil {
			r.n++
		}
	}
	if serr != nil {
		// The state has the change but the tree could not take it: a
		// bbolt write failing inside a transaction means the file is
		// unusable, and the replica stops on the commit that follows.
		panic(fmt.Sprintf("audit: record index %d: %v", e.Index, serr))
	}
	return res, err
}

// checkpoint validates a signed checkpoint against this node's own tree —
// every node computes the same root at that size — and records it.
func (r *Recorder) checkpoint(tx *bolt.Tx, e replica.Entry, c *command.Command) error {
	cp, err := ParseSigned(c.Body)
	if err != nil {
		return err
	}
	if cp.Origin != r.Origin {
		return fmt.Errorf("%w: origin %q, this facility is %q", ErrCheckpoint, cp.Origin, r.Origin)
	}
	cert, err := cp.VerifySignature()
	if err != nil {
		return err
	}
	if r.CheckSigner != nil {
		if err := r.CheckSigner(cert, cp.Signer, e.Time); err != nil {
			return fmt.Errorf("%w: signer %s: %v", ErrSignature, cp.Signer, err)
		}
	}
	s, err := r.store(tx)
	if err != nil {
		return err
	}
	last, n, err := s.latest()
	if err != nil {
		return err
	}
	if n > 0 && cp.Size <= last.Size {
		return fmt.Errorf("%w: %d ≤ %d", ErrStale, cp.Size, last.Size)
	}
	root, err := s.rootAt(cp.Size)
	if err != nil {
		return err
	}
	if root != cp.Root {
		return fmt.Errorf("%w: root of size %d differs from this node's tree", ErrCheckpoint, cp.Size)
	}
	return s.cp.Put(u64(n), c.Body)
}

// Replica is what the signer needs of the node's replica.
type Replica interface {
	IsLeader() bool
	View(func(*bolt.Tx) error) error
	Propose(ctx context.Context, c *command.Command) (replica.Result, error)
}

// Signer makes checkpoints: on the leader, whenever the tree has grown
// since the last one and Interval has passed. Run it on every node; only
// the leader signs.
type Signer struct {
	Replica  Replica
	Origin   string
	Node     string                           // this node's id, the signer's name
	Cert     func() (*tls.Certificate, error) // the node's current certificate
	Interval time.Duration                    // default one minute
	Now      func() time.Time                 // default time.Now
	Logger   *slog.Logger                     // default discard
}

// Run signs until ctx ends, and once more then if this node leads, so a
// node stopped cleanly leaves everything it applied signed.
func (s *Signer) Run(ctx context.Context) {
	every := s.Interval
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if s.Replica.IsLeader() {
				fctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_, _ = s.SignNow(fctx)
				cancel()
			}
			return
		case <-t.C:
		}
		if !s.Replica.IsLeader() {
			continue
		}
		if _, err := s.SignNow(ctx); err != nil && !errors.Is(err, ErrNothingNew) {
			s.logger().Warn("audit checkpoint not made", "err", err)
		}
	}
}

// ErrNothingNew: the tree has not grown since the last checkpoint.
var ErrNothingNew = errors.New("audit: no new records since the last checkpoint")

// SignNow signs the tree as this node has applied it and commits the
// checkpoint.
func (s *Signer) SignNow(ctx context.Context) (Signed, error) {
	var cp Checkpoint
	err := s.Replica.View(func(tx *bolt.Tx) error {
		st, ok, err := openStore(tx)
		if err != nil || !ok {
			return errors.Join(err, ErrNothingNew)
		}
		last, n, err := st.latest()
		if err != nil {
			return err
		}
		size := st.size()
		if size == 0 || (n > 0 && size <= last.Size) {
			return ErrNothingNew
		}
		root, err := st.rootAt(size)
		cp = Checkpoint{Origin: s.Origin, Size: size, Root: root}
		return err
	})
	if err != nil {
		return Signed{}, err
	}
	cert, err := s.Cert()
	if err != nil {
		return Signed{}, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	cp.Time = now().UTC()
	signed, err := Sign(cp, s.Node, cert)
	if err != nil {
		return Signed{}, err
	}
	c := &command.Command{ID: command.NewID(), Kind: KindCheckpoint, Node: s.Node, Actor: s.Node, Time: cp.Time, Body: signed.Marshal()}
	if _, err := s.Replica.Propose(ctx, c); err != nil {
		return Signed{}, fmt.Errorf("commit checkpoint: %w", err)
	}
	s.logger().Info("audit checkpoint", "size", cp.Size)
	return signed, nil
}

func (s *Signer) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}
