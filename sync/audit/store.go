package audit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ErrCorrupt is returned when the stored tree is missing a part it must
// have: the file was damaged or edited.
var ErrCorrupt = errors.New("audit: stored tree is damaged")

// The tree lives in the replicated state file, so it is in every snapshot
// and rebuilt with the state:
//
//	_audit/size          → uint64, the number of leaves
//	_audit/rec/  i(8)    → the leaf data (an encoded Record)
//	_audit/hash/ l(1)j(8)→ hash of the perfect subtree at level l, index j
//	_audit/cp/   k(8)    → the k-th signed checkpoint
var (
	bucketAudit = []byte("_audit")
	bucketRec   = []byte("rec")
	bucketHash  = []byte("hash")
	bucketCP    = []byte("cp")
	keySize     = []byte("size")
)

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
	return s, true, nil
}

func u64(i uint64) []byte { return binary.BigEndian.AppendUint64(nil, i) }

func hashKey(level uint8, index uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{level}, index)
}

func (s store) size() uint64 {
	v := s.top.Get(keySize)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func (s store) node(level uint8, index uint64) (Hash, bool, error) {
	v := s.hash.Get(hashKey(level, index))
	if len(v) != len(Hash{}) {
		return Hash{}, false, fmt.Errorf("%w: hash at level %d index %d is missing", ErrCorrupt, level, index)
	}
	return Hash(v), true, nil
}

// appendLeaf adds data as the next leaf and stores every perfect subtree it
// completes: one hash per leaf plus one per level it closes (two puts per
// leaf on average).
func (s store) appendLeaf(data []byte) (uint64, error) {
	i := s.size()
	if err := s.rec.Put(u64(i), data); err != nil {
		return 0, err
	}
	// bbolt keeps the value slices until the transaction commits: every
	// Put gets its own copy.
	h := LeafHash(data)
	if err := s.hash.Put(hashKey(0, i), bytes.Clone(h[:])); err != nil {
		return 0, err
	}
	for level, j := uint8(0), i; j&1 == 1; level, j = level+1, j>>1 {
		left, _, err := s.node(level, j-1)
		if err != nil {
			return 0, err
		}
		h = NodeHash(left, h)
		if err := s.hash.Put(hashKey(level+1, j>>1), bytes.Clone(h[:])); err != nil {
			return 0, err
		}
	}
	return i, s.top.Put(keySize, u64(i+1))
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
	if v == nil {
		return nil, fmt.Errorf("%w: record %d is missing", ErrCorrupt, i)
	}
	return v, nil
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
