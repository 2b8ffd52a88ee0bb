package audit

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ErrNoTree is returned for a state file that holds no audit tree.
var ErrNoTree = errors.New("audit: no audit tree in this state")

// Problem is one thing Verify found wrong.
type Problem struct {
	Record  int64 // the record's index in the tree, or -1 if no single record
	Message string
}

// Report is the outcome of Verify.
type Report struct {
	Records     uint64   // size of the tree
	Checkpoints []Signed // every checkpoint found, in order
	Unsigned    uint64   // records after the newest valid checkpoint
	Problems    []Problem
}

// OK reports whether nothing was found wrong.
func (r Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) problem(record int64, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{record, fmt.Sprintf(format, args...)})
}

// Verify checks the tree in a state file offline, trusting nothing it
// stores but the signatures: every record is re-hashed and compared with
// the tree; records must be in log order; the roots are recomputed from
// the records and compared with every signed checkpoint, whose signer check
// approves (nil: signature only). An edited record is reported with its
// index; a record removed or renumbered is reported at the first index
// that moved; a consistent rewrite of records and hashes is caught by the
// first checkpoint after it, which no one without a node's key can re-sign.
func Verify(tx *bolt.Tx, check CheckSigner) (Report, error) {
	var rep Report
	s, ok, err := openStore(tx)
	if err != nil {
		return rep, err
	}
	if !ok {
		return rep, ErrNoTree
	}
	size := s.size()
	rep.Records = size

	// The checkpoints, with their signatures, before the records: the walk
	// over the records compares roots as it reaches each size.
	var cps []Signed
	c := s.cp.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		n := binary.BigEndian.Uint64(k)
		cp, err := ParseSigned(v)
		if err == nil {
			var cert *x509.Certificate
			cert, err = cp.VerifySignature()
			if err == nil && check != nil {
				err = check(cert, cp.Signer, cp.Time)
			}
		}
		if err != nil {
			rep.problem(-1, "checkpoint %d is not valid: %v", n, err)
			continue
		}
		if len(cps) > 0 && cp.Size <= cps[len(cps)-1].Size {
			rep.problem(-1, "checkpoint %d (size %d) does not grow the tree past checkpoint %d (size %d)", n, cp.Size, n-1, cps[len(cps)-1].Size)
			continue
		}
		if cp.Size > size {
			gone := fmt.Sprintf("records %d to %d were removed", size, cp.Size-1)
			if cp.Size-size == 1 {
				gone = fmt.Sprintf("record %d was removed", size)
			}
			rep.problem(int64(size), "checkpoint %d (%s) covers %d records but the tree has %d: %s", n, cp, cp.Size, size, gone)
		}
		cps = append(cps, cp)
	}
	rep.Checkpoints = cps

	// One pass over the records with a frontier of perfect subtrees.
	var front []frontierNode
	next := 0 // the next checkpoint to compare
	good := uint64(0)
	var prevIndex uint64
	for i := uint64(0); i < size; i++ {
		v := s.rec.Get(u64(i))
		var h Hash
		switch {
		case len(v) < len(h):
			rep.problem(int64(i), "record %d is missing: it was deleted", i)
		default:
			stored, data := v[:len(h)], v[len(h):]
			h = LeafHash(data)
			if !bytes.Equal(h[:], stored) {
				rep.problem(int64(i), "record %d was altered: it does not hash to the tree's leaf", i)
			}
			if r, err := ParseRecord(data); err != nil {
				rep.problem(int64(i), "record %d does not parse: %v", i, err)
			} else {
				if r.LogIndex < prevIndex {
					rep.problem(int64(i), "record %d (log index %d) is out of order after log index %d", i, r.LogIndex, prevIndex)
				}
				prevIndex = r.LogIndex
			}
		}
		front = pushLeaf(front, h)
		for next < len(cps) && cps[next].Size == i+1 {
			if root := frontierRoot(front); root != cps[next].Root {
				rep.problem(-1, "the records do not match %s: one or more of records %d to %d were rewritten",
					cps[next], good, i)
			} else {
				good = i + 1
			}
			next++
		}
	}
	if size > 0 {
		if root, err := s.rootAt(size); err != nil || root != frontierRoot(front) {
			rep.problem(-1, "the stored tree hashes do not match the records (%v)", err)
		}
	}
	if len(cps) > 0 {
		rep.Unsigned = size - min(size, cps[len(cps)-1].Size)
	} else {
		rep.Unsigned = size
	}
	return rep, nil
}

type frontierNode struct {
	h      Hash
	height int
}

// pushLeaf adds a leaf to a frontier of perfect subtrees, merging equal ones.
func pushLeaf(front []frontierNode, h Hash) []frontierNode {
	front = append(front, frontierNode{h, 0})
	for n := len(front); n >= 2 && front[n-2].height == front[n-1].height; n = len(front) {
		front[n-2] = frontierNode{NodeHash(front[n-2].h, front[n-1].h), front[n-1].height + 1}
		front = front[:n-1]
	}
	return front
}

// frontierRoot is the root of the leaves pushed so far: the perfect
// subtrees, largest first, folded from the right (RFC 6962's split).
func frontierRoot(front []frontierNode) Hash {
	if len(front) == 0 {
		return Root(nil)
	}
	r := front[len(front)-1].h
	for j := len(front) - 2; j >= 0; j-- {
		r = NodeHash(front[j].h, r)
	}
	return r
}
