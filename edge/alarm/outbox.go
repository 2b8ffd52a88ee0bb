package alarm

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
)

// outbox is this node's durable, local-only store of alarm commands raised
// by its own devices and not yet committed. A command enters it before it is
// proposed (write-ahead: a crash of the process between the two loses
// nothing) and leaves it once committed or refused. It is not replicated: it
// exists precisely for the time the node cannot replicate.
//
// Writes go to the OS page cache without fsync, and the file is fsynced when
// a proposal fails, before the alarm is reported as kept locally (see
// sync). Why: an fsync per alarm on the same disk as the raft log tripled the
// alarm path's p99 under load (docs/performance.md), while the only loss it
// prevents is a power cut of this node inside the ~10 ms in which the alarm
// is being committed by the quorum.
type outbox struct {
	db  *bolt.DB
	log *slog.Logger
}

var bucketOutbox = []byte("outbox")

func openOutbox(path string, log *slog.Logger) (*outbox, error) {
	opts := &bolt.Options{Timeout: time.Second, NoSync: true}
	db, err := bolt.Open(path, 0o600, opts)
	if err != nil && !errors.Is(err, bolt.ErrTimeout) {
		// A file torn by a power cut: keep it for inspection, start afresh.
		aside := fmt.Sprintf("%s.corrupt-%d", path, time.Now().Unix())
		log.Error("alarm outbox unreadable; moved aside, starting a new one", "path", path, "moved_to", aside, "err", err)
		if rerr := os.Rename(path, aside); rerr == nil {
			db, err = bolt.Open(path, 0o600, opts)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("alarm outbox %s: %w", path, err)
	}
	// bolt.Batch coalesces concurrent puts into one fsync; its default 10 ms
	// wait for company would sit on the alarm path of every lone alarm.
	db.MaxBatchDelay = 200 * time.Microsecond
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketOutbox)
		return err
	}); err != nil {
		db.Close()
		return nil, err
	}
	return &outbox{db: db, log: log}, nil
}

// put stores c (in the page cache; see sync). Concurrent puts share one
// transaction (bolt.Batch).
func (o *outbox) put(c *command.Command) error {
	v, err := command.Encode(c)
	if err != nil {
		return err
	}
	return o.db.Batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutbox).Put(c.ID[:], v)
	})
}

func (o *outbox) remove(id command.ID) error {
	return o.db.Batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutbox).Delete(id[:])
	})
}

// pending returns the waiting commands, oldest first.
func (o *outbox) pending() ([]*command.Command, error) {
	var out []*command.Command
	bad := 0
	err := o.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			c, err := command.Decode(v)
			if err != nil {
				// One unreadable entry must not hold back the others.
				bad++
				return nil
			}
			out = append(out, c)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	if err == nil && bad > 0 {
		o.log.Error("alarm outbox: unreadable entries skipped", "count", bad)
	}
	return out, err
}

// sync makes every stored command durable on disk.
func (o *outbox) sync() error { return o.db.Sync() }

func (o *outbox) close() error {
	err := o.db.Sync()
	return errors.Join(err, o.db.Close())
}
