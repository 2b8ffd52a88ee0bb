package audit

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Size returns the number of records in the tree of tx's state.
func Size(tx *bolt.Tx) (uint64, error) {
	s, ok, err := openStore(tx)
	if err != nil || !ok {
		return 0, err
	}
	return s.size(), nil
}

// Checkpoints returns every recorded checkpoint, oldest first.
func Checkpoints(tx *bolt.Tx) ([]Signed, error) {
	s, ok, err := openStore(tx)
	if err != nil || !ok {
		return nil, err
	}
	var out []Signed
	c := s.cp.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		cp, err := ParseSigned(v)
		if err != nil {
			return out, fmt.Errorf("%w: checkpoint %d: %v", ErrCorrupt, binary.BigEndian.Uint64(k), err)
		}
		out = append(out, cp)
	}
	return out, nil
}

// Inclusion proves that one record is in the tree a checkpoint signed.
type Inclusion struct {
	Index      uint64
	Record     []byte // the leaf data; ParseRecord reads it
	Path       []Hash
	Checkpoint Signed
}

// Verify checks the proof against the checkpoint's root (not the
// checkpoint's signature: check that with Signed.VerifySignature).
func (p Inclusion) Verify() error {
	return VerifyInclusion(LeafHash(p.Record), p.Index, p.Checkpoint.Size, p.Path, p.Checkpoint.Root)
}

// ProveInclusion builds the proof that record i is in the tree of cp.
func ProveInclusion(tx *bolt.Tx, i uint64, cp Signed) (Inclusion, error) {
	s, ok, err := openStore(tx)
	if err != nil {
		return Inclusion{}, err
	}
	if !ok {
		return Inclusion{}, ErrNoTree
	}
	if cp.Size > s.size() {
		return Inclusion{}, fmt.Errorf("%w: checkpoint of size %d, tree of %d", ErrRange, cp.Size, s.size())
	}
	rec, err := s.leaf(i)
	if err != nil {
		return Inclusion{}, err
	}
	path, err := inclusion(s, i, cp.Size)
	return Inclusion{Index: i, Record: rec, Path: path, Checkpoint: cp}, err
}

// Consistency proves that the tree of one checkpoint is a prefix of the
// tree of a later one: nothing signed before was changed or removed.
type Consistency struct {
	From, To Signed
	Path     []Hash
}

// Verify checks the proof against both checkpoints' roots.
func (p Consistency) Verify() error {
	return VerifyConsistency(p.From.Size, p.To.Size, p.From.Root, p.To.Root, p.Path)
}

// ProveConsistency builds the proof between two checkpoints.
func ProveConsistency(tx *bolt.Tx, from, to Signed) (Consistency, error) {
	s, ok, err := openStore(tx)
	if err != nil {
		return Consistency{}, err
	}
	if !ok {
		return Consistency{}, ErrNoTree
	}
	if from.Size > to.Size || to.Size > s.size() {
		return Consistency{}, fmt.Errorf("%w: sizes %d and %d, tree of %d", ErrRange, from.Size, to.Size, s.size())
	}
	path, err := consistency(s, from.Size, to.Size)
	return Consistency{From: from, To: to, Path: path}, err
}

// Latest returns the newest checkpoint and how many there are (0: none).
func Latest(tx *bolt.Tx) (Signed, uint64, error) {
	s, ok, err := openStore(tx)
	if err != nil || !ok {
		return Signed{}, 0, err
	}
	return s.latest()
}
