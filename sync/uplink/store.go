package uplink

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ErrCorrupt is returned when the stored feed is missing a part it must
// have: the state file was damaged or edited.
var ErrCorrupt = errors.New("uplink: stored feed is damaged")

// The feed lives in the replicated state file, so it travels in snapshots
// and is rebuilt with the state:
//
//	_uplink/rec/   seq(8) → record (canonical JSON)
//	_uplink/open/  alarm id → priority(1) state(1), every open alarm (for rollups)
//	_uplink/meta/  seq, bytes, max_time, last_rollup → u64;
//	               raised → 4×u32 since the last rollup;
//	               headcount → JSON of the last headcount; base → JSON Summary
//	               of every pruned record
var (
	bucketTop  = []byte("_uplink")
	bucketRec  = []byte("rec")
	bucketOpen = []byte("open")
	bucketMeta = []byte("meta")

	keySeq        = []byte("seq")
	keyBytes      = []byte("bytes")
	keyMaxTime    = []byte("max_time")
	keyLastRollup = []byte("last_rollup")
	keyRaised     = []byte("raised")
	keyHeadcount  = []byte("headcount")
	keyBase       = []byte("base")
)

// store is the feed inside one bbolt transaction.
type store struct {
	rec, open, meta *bolt.Bucket
}

// openStore returns the feed in tx; in a read-only tx of a state without a
// feed, ok is false.
func openStore(tx *bolt.Tx) (s store, ok bool, err error) {
	if !tx.Writable() {
		top := tx.Bucket(bucketTop)
		if top == nil {
			return s, false, nil
		}
		s.rec, s.open, s.meta = top.Bucket(bucketRec), top.Bucket(bucketOpen), top.Bucket(bucketMeta)
		if s.rec == nil || s.open == nil || s.meta == nil {
			return s, false, fmt.Errorf("%w: a bucket is missing", ErrCorrupt)
		}
		return s, true, nil
	}
	top, err := tx.CreateBucketIfNotExists(bucketTop)
	if err != nil {
		return s, false, err
	}
	if s.rec, err = top.CreateBucketIfNotExists(bucketRec); err != nil {
		return s, false, err
	}
	if s.open, err = top.CreateBucketIfNotExists(bucketOpen); err != nil {
		return s, false, err
	}
	if s.meta, err = top.CreateBucketIfNotExists(bucketMeta); err != nil {
		return s, false, err
	}
	s.rec.FillPercent = 1 // appended at the end, deleted at the front
	return s, true, nil
}

func u64(i uint64) []byte { return binary.BigEndian.AppendUint64(nil, i) }

func (s store) get(k []byte) uint64 {
	v := s.meta.Get(k)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func (s store) set(k []byte, v uint64) error { return s.meta.Put(k, u64(v)) }

func (s store) raised() [4]int {
	var out [4]int
	if v := s.meta.Get(keyRaised); len(v) == 16 {
		for p := range out {
			out[p] = int(binary.BigEndian.Uint32(v[4*p:]))
		}
	}
	return out
}

func (s store) setRaised(r [4]int) error {
	v := make([]byte, 0, 16)
	for _, n := range r {
		v = binary.BigEndian.AppendUint32(v, uint32(n))
	}
	return s.meta.Put(keyRaised, v)
}

func (s store) base() (Summary, error) {
	var b Summary
	v := s.meta.Get(keyBase)
	if v == nil {
		return b, nil
	}
	if err := json.Unmarshal(v, &b); err != nil {
		return b, fmt.Errorf("%w: base summary: %v", ErrCorrupt, err)
	}
	return b, nil
}

func (s store) headcount() *Headcount {
	v := s.meta.Get(keyHeadcount)
	if v == nil {
		return nil
	}
	var h Headcount
	if json.Unmarshal(v, &h) != nil {
		return nil
	}
	return &h
}

// first returns the oldest record held (0: none).
func (s store) first() uint64 {
	k, _ := s.rec.Cursor().First()
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// Stats describes a node's feed.
type Stats struct {
	First, Last uint64 // oldest and newest record held (0: none)
	Bytes       uint64 // of the records held
}

// ReadStats returns the feed's extent in tx.
func ReadStats(tx *bolt.Tx) (Stats, error) {
	s, ok, err := openStore(tx)
	if err != nil || !ok {
		return Stats{}, err
	}
	return Stats{First: s.first(), Last: s.get(keySeq), Bytes: s.get(keyBytes)}, nil
}

// Read returns the records after seq after, in order: at most n, and no
// more than maxBytes of them unless the first alone is larger. If records
// after it were pruned, the first is a gap record (Seq = the last pruned)
// carrying the summary of everything pruned. last is the newest record.
// The records are valid only during tx.
func Read(tx *bolt.Tx, after uint64, n, maxBytes int) (recs []json.RawMessage, last uint64, err error) {
	s, ok, err := openStore(tx)
	if err != nil || !ok {
		return nil, 0, err
	}
	last = s.get(keySeq)
	if after >= last || n <= 0 {
		return nil, last, nil
	}
	size := 0
	if first := s.first(); first == 0 {
		return nil, last, fmt.Errorf("%w: records up to %d, none held", ErrCorrupt, last)
	} else if after+1 < first {
		base, err := s.base()
		if err != nil {
			return nil, last, err
		}
		if base.Seq != first-1 {
			return nil, last, fmt.Errorf("%w: summary at %d, first record %d", ErrCorrupt, base.Seq, first)
		}
		body, _ := json.Marshal(Gap{From: after + 1, To: first - 1, Summary: base})
		g := Record{Seq: first - 1, Time: base.Time, Kind: KindGap, Body: body}.Marshal()
		recs, size = append(recs, g), len(g)
	}
	c := s.rec.Cursor()
	want := max(after+1, s.first())
	for k, v := c.Seek(u64(want)); k != nil && len(recs) < n; k, v = c.Next() {
		if len(k) != 8 || binary.BigEndian.Uint64(k) != want {
			return nil, last, fmt.Errorf("%w: record %d is missing", ErrCorrupt, want)
		}
		if len(recs) > 0 && size+len(v) > maxBytes {
			break
		}
		want++
		recs = append(recs, json.RawMessage(v))
		size += len(v)
	}
	return recs, last, nil
}
