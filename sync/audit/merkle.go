package audit

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/bits"
)

// Hash is a SHA-256 digest.
type Hash = [sha256.Size]byte

// Sentinel errors.
var (
	ErrRange = errors.New("audit: index or size out of range")
	ErrProof = errors.New("audit: proof does not verify")
)

// LeafHash is RFC 6962's hash of a leaf: SHA-256(0x00 ‖ data).
func LeafHash(data []byte) Hash {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(data)
	var out Hash
	h.Sum(out[:0])
	return out
}

// NodeHash is RFC 6962's hash of an interior node: SHA-256(0x01 ‖ l ‖ r).
func NodeHash(l, r Hash) Hash {
	var buf [1 + 2*sha256.Size]byte
	buf[0] = 1
	copy(buf[1:], l[:])
	copy(buf[1+sha256.Size:], r[:])
	return sha256.Sum256(buf[:])
}

// split is the largest power of two smaller than n (n ≥ 2).
func split(n uint64) uint64 { return 1 << (bits.Len64(n-1) - 1) }

// nodes gives the hashes of perfect subtrees: level l, index j is the root
// of leaves [j·2^l, (j+1)·2^l). A source may answer ok=false for a level it
// does not keep; the hash is then computed from the level below.
type nodes interface {
	node(level uint8, index uint64) (h Hash, ok bool, err error)
}

// memory is a tree held as its leaf hashes.
type memory []Hash

func (m memory) node(level uint8, index uint64) (Hash, bool, error) {
	if level == 0 {
		return m[index], true, nil
	}
	return Hash{}, false, nil
}

// rangeHash is MTH of leaves [lo, hi). In RFC 6962's recursion every range
// whose length is a power of two starts at a multiple of it: a stored
// perfect subtree.
func rangeHash(t nodes, lo, hi uint64) (Hash, error) {
	n := hi - lo
	if n == 0 {
		return sha256.Sum256(nil), nil
	}
	if n&(n-1) == 0 && lo%n == 0 {
		h, ok, err := t.node(uint8(bits.TrailingZeros64(n)), lo/n)
		if err != nil || ok {
			return h, err
		}
	}
	k := split(n)
	l, err := rangeHash(t, lo, lo+k)
	if err != nil {
		return Hash{}, err
	}
	r, err := rangeHash(t, lo+k, hi)
	if err != nil {
		return Hash{}, err
	}
	return NodeHash(l, r), nil
}

// Root computes MTH over leaf hashes. The root of no leaves is SHA-256 of
// the empty string.
func Root(leaves []Hash) Hash {
	h, _ := rangeHash(memory(leaves), 0, uint64(len(leaves)))
	return h
}

// InclusionProof is the audit path of leaf i in the tree of leaves
// (RFC 6962 §2.1.1), from the leaf upwards.
func InclusionProof(leaves []Hash, i uint64) ([]Hash, error) {
	return inclusion(memory(leaves), i, uint64(len(leaves)))
}

func inclusion(t nodes, i, n uint64) ([]Hash, error) {
	if i >= n {
		return nil, fmt.Errorf("%w: leaf %d of a tree of %d", ErrRange, i, n)
	}
	return path(t, 0, n, i)
}

// path is PATH(i, D[lo:hi]) with i absolute.
func path(t nodes, lo, hi, i uint64) ([]Hash, error) {
	if hi-lo <= 1 {
		return nil, nil
	}
	k := lo + split(hi-lo)
	var sub []Hash
	var sib Hash
	var err error
	if i < k {
		if sub, err = path(t, lo, k, i); err == nil {
			sib, err = rangeHash(t, k, hi)
		}
	} else {
		if sub, err = path(t, k, hi, i); err == nil {
			sib, err = rangeHash(t, lo, k)
		}
	}
	return append(sub, sib), err
}

// ConsistencyProof proves that the tree of the first m leaves is a prefix of
// the tree of all leaves (RFC 6962 §2.1.2).
func ConsistencyProof(leaves []Hash, m uint64) ([]Hash, error) {
	return consistency(memory(leaves), m, uint64(len(leaves)))
}

func consistency(t nodes, m, n uint64) ([]Hash, error) {
	if m == 0 || m > n {
		return nil, fmt.Errorf("%w: consistency of size %d with %d", ErrRange, m, n)
	}
	if m == n {
		return nil, nil
	}
	return subproof(t, 0, n, m, true)
}

// subproof is SUBPROOF(m, D[lo:hi], whole) with m absolute.
func subproof(t nodes, lo, hi, m uint64, whole bool) ([]Hash, error) {
	if m == hi {
		if whole {
			return nil, nil
		}
		h, err := rangeHash(t, lo, hi)
		return []Hash{h}, err
	}
	k := lo + split(hi-lo)
	var sub []Hash
	var sib Hash
	var err error
	if m <= k {
		if sub, err = subproof(t, lo, k, m, whole); err == nil {
			sib, err = rangeHash(t, k, hi)
		}
	} else {
		if sub, err = subproof(t, k, hi, m, false); err == nil {
			sib, err = rangeHash(t, lo, k)
		}
	}
	return append(sub, sib), err
}

// VerifyInclusion checks that leaf is at index i of the tree of size n with
// the given root (RFC 9162 §2.1.3.2).
func VerifyInclusion(leaf Hash, i, n uint64, proof []Hash, root Hash) error {
	if i >= n {
		return fmt.Errorf("%w: leaf %d of a tree of %d", ErrRange, i, n)
	}
	fn, sn := i, n-1
	r := leaf
	for _, p := range proof {
		if sn == 0 {
			return fmt.Errorf("%w: proof too long", ErrProof)
		}
		if fn&1 == 1 || fn == sn {
			r = NodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = NodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 || r != root {
		return fmt.Errorf("%w: inclusion of leaf %d in tree of %d", ErrProof, i, n)
	}
	return nil
}

// VerifyConsistency checks that the tree of size m with root1 is a prefix of
// the tree of size n with root2 (RFC 9162 §2.1.4.2).
func VerifyConsistency(m, n uint64, root1, root2 Hash, proof []Hash) error {
	switch {
	case m == 0 || m > n:
		return fmt.Errorf("%w: consistency of size %d with %d", ErrRange, m, n)
	case m == n:
		if len(proof) != 0 || root1 != root2 {
			return fmt.Errorf("%w: equal sizes, different roots or a non-empty proof", ErrProof)
		}
		return nil
	case len(proof) == 0:
		return fmt.Errorf("%w: empty proof", ErrProof)
	}
	if m&(m-1) == 0 { // m is a power of two: root1 is the first node of the path
		proof = append([]Hash{root1}, proof...)
	}
	fn, sn := m-1, n-1
	for fn&1 == 1 {
		fn >>= 1
		sn >>= 1
	}
	fr, sr := proof[0], proof[0]
	for _, c := range proof[1:] {
		if sn == 0 {
			return fmt.Errorf("%w: proof too long", ErrProof)
		}
		if fn&1 == 1 || fn == sn {
			fr = NodeHash(c, fr)
			sr = NodeHash(c, sr)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			sr = NodeHash(sr, c)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 || !bytes.Equal(fr[:], root1[:]) || !bytes.Equal(sr[:], root2[:]) {
		return fmt.Errorf("%w: size %d is not a prefix of size %d", ErrProof, m, n)
	}
	return nil
}
