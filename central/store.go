package central

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/audit"
	"github.com/palisade/palisade/sync/uplink"
)

// Store is HQ's embedded database (one bbolt file, synced on every
// commit):
//
//	facilities/<id>/rec/   seq(8) → record, as received (canonical JSON)
//	facilities/<id>/meta/  cursor, received, duplicates, last → u64;
//	                       summary → uplink.Summary JSON (the fold of the records);
//	                       checkpoint → the last witnessed audit checkpoint;
//	                       contact → JSON Contact
//	alarms/                facility/kind → JSON Alarm
//
// A batch of records, the cursor after it and the checkpoint witnessed
// with it are committed in one transaction: the cursor never gets ahead of
// what is stored, and a restart resumes exactly where the last commit left.
type Store struct {
	db *bolt.DB

	mu      sync.Mutex
	changed chan struct{} // closed and replaced after every commit
}

var (
	bucketFacilities = []byte("facilities")
	bucketRec        = []byte("rec")
	bucketMeta       = []byte("meta")
	bucketAlarms     = []byte("alarms")

	keyCursor     = []byte("cursor")
	keyReceived   = []byte("received")
	keyDups       = []byte("duplicates")
	keyLast       = []byte("last")
	keySummary    = []byte("summary")
	keyCheckpoint = []byte("checkpoint")
	keyContact    = []byte("contact")
)

// OpenStore opens (or creates) the store at path.
func OpenStore(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("central: open store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketFacilities); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(bucketAlarms)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("central: store %s: %w", path, err)
	}
	return &Store{db: db, changed: make(chan struct{})}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Changed returns a channel closed at the next commit.
func (s *Store) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

func (s *Store) notify() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// update runs fn in a write transaction and wakes the waiters of Changed.
func (s *Store) update(fn func(*bolt.Tx) error) error {
	err := s.db.Update(fn)
	if err == nil {
		s.notify()
	}
	return err
}

// Contact is the last successful pull of a facility.
type Contact struct {
	At   time.Time `json:"at"`
	Node string    `json:"node"`
}

// Batch is one page as HQ commits it.
type Batch struct {
	Facility   string
	Contact    Contact
	Records    []uplink.Record
	Last       uint64        // the newest record the node holds
	Checkpoint *audit.Signed // a newly witnessed checkpoint; nil: keep the stored one
}

// Committed is what a commit did.
type Committed struct {
	New, Duplicates int
	Cursor          uint64
	Gap             *uplink.Gap // the gap record committed, if any
}

type facilityBuckets struct{ rec, meta *bolt.Bucket }

func facilityOf(tx *bolt.Tx, id string) (facilityBuckets, bool, error) {
	top := tx.Bucket(bucketFacilities)
	if !tx.Writable() {
		fb := top.Bucket([]byte(id))
		if fb == nil {
			return facilityBuckets{}, false, nil
		}
		return facilityBuckets{fb.Bucket(bucketRec), fb.Bucket(bucketMeta)}, true, nil
	}
	fb, err := top.CreateBucketIfNotExists([]byte(id))
	if err != nil {
		return facilityBuckets{}, false, err
	}
	var b facilityBuckets
	if b.rec, err = fb.CreateBucketIfNotExists(bucketRec); err != nil {
		return b, false, err
	}
	b.rec.FillPercent = 1 // appended in order
	b.meta, err = fb.CreateBucketIfNotExists(bucketMeta)
	return b, true, err
}

func getU64(b *bolt.Bucket, k []byte) uint64 {
	if v := b.Get(k); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func putU64(b *bolt.Bucket, k []byte, v uint64) error {
	return b.Put(k, binary.BigEndian.AppendUint64(nil, v))
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// Commit stores a batch in one transaction, or nothing of it. A record at
// or below the cursor is a re-delivery: a no-op if HQ holds the same bytes
// (or the record was covered by a gap), ErrConflict if it holds others.
// Above the cursor, records must continue it without a hole: the next
// sequence number, or a gap record that starts there (ErrHole).
func (s *Store) Commit(b Batch) (Committed, error) {
	var res Committed
	err := s.update(func(tx *bolt.Tx) error {
		fb, _, err := facilityOf(tx, b.Facility)
		if err != nil {
			return err
		}
		cursor := getU64(fb.meta, keyCursor)
		sum, err := readSummary(fb.meta)
		if err != nil {
			return err
		}
		res = Committed{Cursor: cursor}
		for _, r := range b.Records {
			raw := r.Marshal()
			if r.Seq <= cursor {
				if have := fb.rec.Get(seqKey(r.Seq)); have != nil && !bytes.Equal(have, raw) {
					return fmt.Errorf("%w: facility %s record %d", ErrConflict, b.Facility, r.Seq)
				}
				res.Duplicates++
				continue
			}
			if r.Kind == uplink.KindGap {
				var g uplink.Gap
				if err := json.Unmarshal(r.Body, &g); err != nil {
					return fmt.Errorf("%w: facility %s gap %d: %v", ErrMalformed, b.Facility, r.Seq, err)
				}
				if g.From != cursor+1 {
					return fmt.Errorf("%w: facility %s: a gap from %d after record %d", ErrHole, b.Facility, g.From, cursor)
				}
				res.Gap = &g
			} else if r.Seq != cursor+1 {
				return fmt.Errorf("%w: facility %s: record %d after %d", ErrHole, b.Facility, r.Seq, cursor)
			}
			if err := sum.Apply(r); err != nil {
				return fmt.Errorf("%w: facility %s: %v", ErrMalformed, b.Facility, err)
			}
			if err := fb.rec.Put(seqKey(r.Seq), raw); err != nil {
				return err
			}
			cursor = r.Seq
			res.New++
		}
		res.Cursor = cursor
		if err := putU64(fb.meta, keyCursor, cursor); err != nil {
			return err
		}
		for _, kv := range []struct {
			k []byte
			v uint64
		}{{keyReceived, getU64(fb.meta, keyReceived) + uint64(res.New)}, {keyDups, getU64(fb.meta, keyDups) + uint64(res.Duplicates)}, {keyLast, b.Last}} {
			if err := putU64(fb.meta, kv.k, kv.v); err != nil {
				return err
			}
		}
		if res.New > 0 {
			raw, err := json.Marshal(sum)
			if err != nil {
				return err
			}
			if err := fb.meta.Put(keySummary, raw); err != nil {
				return err
			}
		}
		if b.Checkpoint != nil {
			if err := fb.meta.Put(keyCheckpoint, b.Checkpoint.Marshal()); err != nil {
				return err
			}
		}
		contact, _ := json.Marshal(b.Contact)
		return fb.meta.Put(keyContact, contact)
	})
	return res, err
}

func readSummary(meta *bolt.Bucket) (uplink.Summary, error) {
	var sum uplink.Summary
	if v := meta.Get(keySummary); v != nil {
		if err := json.Unmarshal(v, &sum); err != nil {
			return sum, fmt.Errorf("central: stored summary: %w", err)
		}
	}
	return sum, nil
}

// FacilityState is what HQ holds of one facility.
type FacilityState struct {
	Cursor     uint64         `json:"cursor"`   // the last record stored
	Received   uint64         `json:"received"` // records stored (a gap counts one)
	Duplicates uint64         `json:"duplicates"`
	Last       uint64         `json:"last"` // the newest record the node held at the last pull
	Summary    uplink.Summary `json:"summary"`
	Checkpoint *audit.Signed  `json:"-"`
	Contact    Contact        `json:"contact"`
}

// Facility returns what HQ holds of facility id (zero if nothing yet).
func (s *Store) Facility(id string) (FacilityState, error) {
	var st FacilityState
	err := s.db.View(func(tx *bolt.Tx) error {
		fb, ok, _ := facilityOf(tx, id)
		if !ok {
			return nil
		}
		st.Cursor, st.Received, st.Duplicates, st.Last = getU64(fb.meta, keyCursor), getU64(fb.meta, keyReceived), getU64(fb.meta, keyDups), getU64(fb.meta, keyLast)
		var err error
		if st.Summary, err = readSummary(fb.meta); err != nil {
			return err
		}
		if v := fb.meta.Get(keyCheckpoint); v != nil {
			cp, err := audit.ParseSigned(v)
			if err != nil {
				return fmt.Errorf("central: stored checkpoint of %s: %w", id, err)
			}
			st.Checkpoint = &cp
		}
		if v := fb.meta.Get(keyContact); v != nil {
			_ = json.Unmarshal(v, &st.Contact)
		}
		return nil
	})
	return st, err
}

// Records returns up to n records of a facility after seq after, in order.
func (s *Store) Records(id string, after uint64, n int) ([]uplink.Record, error) {
	var out []uplink.Record
	err := s.db.View(func(tx *bolt.Tx) error {
		fb, ok, _ := facilityOf(tx, id)
		if !ok {
			return nil
		}
		c := fb.rec.Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(out) < n; k, v = c.Next() {
			r, err := uplink.ParseRecord(v)
			if err != nil {
				return fmt.Errorf("central: stored record %x of %s: %w", k, id, err)
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// Recent returns the n newest records of a facility, newest first.
func (s *Store) Recent(id string, n int) ([]uplink.Record, error) {
	var out []uplink.Record
	err := s.db.View(func(tx *bolt.Tx) error {
		fb, ok, _ := facilityOf(tx, id)
		if !ok {
			return nil
		}
		c := fb.rec.Cursor()
		for k, v := c.Last(); k != nil && len(out) < n; k, v = c.Prev() {
			r, err := uplink.ParseRecord(v)
			if err != nil {
				return fmt.Errorf("central: stored record %x of %s: %w", k, id, err)
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// RawRecords returns every stored record's bytes of a facility, in order
// (for tests and audits of HQ's copy).
func (s *Store) RawRecords(id string) ([][]byte, []uint64, error) {
	var out [][]byte
	var seqs []uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		fb, ok, _ := facilityOf(tx, id)
		if !ok {
			return nil
		}
		return fb.rec.ForEach(func(k, v []byte) error {
			out = append(out, bytes.Clone(v))
			seqs = append(seqs, binary.BigEndian.Uint64(k))
			return nil
		})
	})
	return out, seqs, err
}
