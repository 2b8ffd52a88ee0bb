package alarm

import (
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
)

// outbox is this node's durable, local-only store of alarm commands raised
// by its own devices and not yet committed. A command enters it before it is
// proposed (write-ahead: a crash between the two loses nothing) and leaves it
// once committed or refused. It is not replicated: it exists precisely for
// the time the node cannot replicate.
type outbox struct {
	db *bolt.DB
}

var bucketOutbox = []byte("outbox")

func openOutbox(path string) (*outbox, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("alarm outbox %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketOutbox)
		return err
	}); err != nil {
		db.Close()
		return nil, err
	}
	return &outbox{db: db}, nil
}

// put stores c durably (fsync). Concurrent puts share one fsync (bolt.Batch).
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
	err := o.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			c, err := command.Decode(v)
			if err != nil {
				return fmt.Errorf("outbox entry %x: %w", k, err)
			}
			out = append(out, c)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, err
}

func (o *outbox) close() error { return o.db.Close() }
