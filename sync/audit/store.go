package audit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	bolt "go.etcd.io/bbolt"
)

// ErrCorrupt is returned when the stored tree is missing a part it must
// have: the file was damaged or edited.
var ErrCorrupt = errors.New("audit: stored tree is damaged")

// The tree lives in the replicated state file, so it is in every snapshot
// and rebuilt with the state:
//
//	_audit/rec/  i(8) → leaf hash (32) ‖ leaf data (an encoded Record)
//	_audit/hash/ p(8) → hash of a perfect subtree of at least 16 leaves,
//	                    keyed by its post-order position among those
//	_audit/cp/   k(8) → the k-th signed checkpoint
//
// The number of leaves is the last record's index + 1. Subtrees below
// tileLevel are not stored: they are recomputed from at most 16 leaf
// hashes, read in one cursor pass. So an append costs one Put, plus one
// every 16 leaves; records and hashes are written in increasing key order,
// so both buckets only grow at their end and are packed full
// (FillPercent 1).
var (
	bucketAudit = []byte("_audit")
	bucketRec   = []byte("rec")
	bucketHash  = []byte("hash")
	bucketCP    = []byte("cp")
)

// tileLevel is the lowest level of stored subtrees: 2^4 = 16 leaves.
const tileLevel = 4

// store is the tree inside one bbolt transaction.
type store struct {
	top, rec, hash, cp *bolt.Bucket
}

// openStore returns the tree in tx; in a read-only tx of a state without a
// tree, ok is false.
func openStore(tx *bolt.Tx) (s store, ok bool, err error) {
	if !tx.Writable() {
		s.top = tx.Bucket(bucketAudit)
		if s.top == nil {
			return s, false, nil
		}
		s.rec, s.hash, s.cp = s.top.Bucket(bucketRec), s.top.Bucket(bucketHash), s.top.Bucket(bucketCP)
		if s.rec == nil || s.hash == nil || s.cp == nil {
			return s, false, fmt.Errorf("%w: a bucket of the tree is missing", ErrCorrupt)
		}
		return s, true, nil
	}
	if s.top, err = tx.CreateBucketIfNotExists(bucketAudit); err != nil {
		return s, false, err
	}
	for _, b := range []struct {
		dst  **bolt.Bucket
		name []byte
	}{{&s.rec, bucketRec}, {&s.hash, bucketHash}, {&s.cp, bucketCP}} {
		if *b.dst, err = s.top.CreateBucketIfNotExists(b.name); err != nil {
			return s, false, err
		}
	}
	s.rec.FillPercent, s.hash.FillPercent = 1, 1
	return s, true, nil
}

func u64(i uint64) []byte { return binary.BigEndian.AppendUint64(nil, i) }

// hashKey is the post-order position of the stored subtree at level l ≥
// tileLevel, index j, among stored subtrees: in the tree whose leaves are
// the 16-leaf tiles, node (L = l − tileLevel, j) is completed by tile
// m = (j+1)·2^L − 1, after the 2m − popcount(m) nodes the first m tiles
// created, as the L-th node of that tile's completion. Appends therefore
// create stored subtrees in increasing key order.
func hashKey(level uint8, index uint64) []byte {
	L := level - tileLevel
	m := (index+1)<<L - 1
	return u64(2*m - uint64(bits.OnesCount64(m)) + uint64(L))
}

func (s store) size() uint64 {
	k, _ := s.rec.Cursor().Last()
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k) + 1
}

// node gives leaf hashes and stored subtrees; levels between, ok=false
// (rangeHash computes them from the leaves).
func (s store) node(level uint8, index uint64) (Hash, bool, error) {
	switch {
	case level == 0:
		v := s.rec.Get(u64(index))
		if len(v) < len(Hash{}) {
			return Hash{}, false, fmt.Errorf("%w: record %d is missing", ErrCorrupt, index)
		}
		return Hash(v[:len(Hash{})]), true, nil
	case level < tileLevel:
		return Hash{}, false, nil
	}
	v := s.hash.Get(hashKey(level, index))
	if len(v) != len(Hash{}) {
		return Hash{}, false, fmt.Errorf("%w: hash at level %d index %d is missing", ErrCorrupt, level, index)
	}
	return Hash(v), true, nil
}

// appendLeaf stores leaf i, whose value v is the leaf hash followed by the
// leaf data (see leafValue); i must be the tree's size. Every 16th leaf
// completes a tile: its hash is computed from the tile's leaf hashes and
// stored, and with it every larger subtree the tile completes.
func (s store) appendLeaf(i uint64, v []byte) error {
	if err := s.rec.Put(u64(i), v); err != nil {
		return err
	}
	const tile = 1 << tileLevel
	if (i+1)%tile != 0 {
		return nil
	}
	var leaves [tile]Hash
	c := s.rec.Cursor()
	k, lv := c.Seek(u64(i + 1 - tile))
	for n := range tile {
		if len(k) != 8 || binary.BigEndian.Uint64(k) != i+1-tile+uint64(n) || len(lv) < len(Hash{}) {
			return fmt.Errorf("%w: record %d is missing", ErrCorrupt, i+1-tile+uint64(n))
		}
		leaves[n] = Hash(lv[:len(Hash{})])
		k, lv = c.Next()
	}
	h := Root(leaves[:])
	level, j := uint8(tileLevel), i>>tileLevel
	for {
		if err := s.hash.Put(hashKey(level, j), bytes.Clone(h[:])); err != nil {
			return err
		}
		if j&1 == 0 {
			return nil
		}
		left, _, err := s.node(level, j-1)
		if err != nil {
			return err
		}
		h = NodeHash(left, h)
		level, j = level+1, j>>1
	}
}

// leafValue is what a record is stored as: its leaf hash, then its data,
// in one allocation (bbolt keeps the slice until the transaction commits).
func leafValue(r Record) []byte {
	c := r.Command
	v := make([]byte, len(Hash{}), len(Hash{})+64+len(r.Refused)+len(c.Kind)+len(c.Node)+len(c.Actor)+len(c.Terminal)+len(c.Body))
	v = AppendRecord(v, r)
	h := LeafHash(v[len(Hash{}):])
	copy(v, h[:])
	return v
}

// rootAt is the root of the tree of its first n leaves, from O(log n)
// stored hashes.
func (s store) rootAt(n uint64) (Hash, error) {
	if n > s.size() {
		return Hash{}, fmt.Errorf("%w: size %d of a tree of %d", ErrRange, n, s.size())
	}
	return rangeHash(s, 0, n)
}

// leaf returns the data of leaf i.
func (s store) leaf(i uint64) ([]byte, error) {
	if i >= s.size() {
		return nil, fmt.Errorf("%w: leaf %d of a tree of %d", ErrRange, i, s.size())
	}
	v := s.rec.Get(u64(i))
	if len(v) < len(Hash{}) {
		return nil, fmt.Errorf("%w: record %d is missing", ErrCorrupt, i)
	}
	return v[len(Hash{}):], nil
}

// latest returns the newest checkpoint and how many there are.
func (s store) latest() (Signed, uint64, error) {
	k, v := s.cp.Cursor().Last()
	if k == nil {
		return Signed{}, 0, nil
	}
	cp, err := ParseSigned(v)
	if err != nil {
		return Signed{}, 0, fmt.Errorf("%w: checkpoint %d: %v", ErrCorrupt, binary.BigEndian.Uint64(k), err)
	}
	return cp, binary.BigEndian.Uint64(k) + 1, nil
}
