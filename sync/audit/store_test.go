package audit

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func openTemp(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestStoredTreeMatchesTheReference appends leaves one by one into bbolt
// and checks roots and proofs read from O(log n) stored hashes against the
// in-memory reference implementation, at every size up to 130 (all the
// shapes of a tree with ragged right edges up to 2^7).
func TestStoredTreeMatchesTheReference(t *testing.T) {
	db := openTemp(t)
	var leaves []Hash
	const max = 300
	for i := range max {
		data := fmt.Appendf(nil, "record %d", i)
		leaves = append(leaves, LeafHash(data))
		err := db.Update(func(tx *bolt.Tx) error {
			s, _, err := openStore(tx)
			if err != nil {
				return err
			}
			if s.size() != uint64(i) {
				t.Fatalf("append %d: size %d", i, s.size())
			}
			h := LeafHash(data)
			return s.appendLeaf(uint64(i), append(h[:], data...))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err := db.View(func(tx *bolt.Tx) error {
		s, ok, err := openStore(tx)
		if err != nil || !ok {
			t.Fatalf("open: %v %v", ok, err)
		}
		for n := uint64(1); n <= max; n++ {
			root, err := s.rootAt(n)
			if err != nil || root != Root(leaves[:n]) {
				t.Fatalf("root at %d: %v", n, err)
			}
			for _, i := range []uint64{0, n / 3, n / 2, n - 1} {
				p, err := inclusion(s, i, n)
				want, _ := InclusionProof(leaves[:n], i)
				if err != nil || fmt.Sprint(p) != fmt.Sprint(want) {
					t.Fatalf("inclusion %d in %d: %v\n got %x\nwant %x", i, n, err, p, want)
				}
				if err := VerifyInclusion(leaves[i], i, n, p, root); err != nil {
					t.Fatalf("inclusion %d in %d does not verify: %v", i, n, err)
				}
			}
			for _, m := range []uint64{1, n / 2, n - 1} {
				if m == 0 {
					continue
				}
				p, err := consistency(s, m, n)
				want, _ := ConsistencyProof(leaves[:n], m)
				if err != nil || fmt.Sprint(p) != fmt.Sprint(want) {
					t.Fatalf("consistency %d→%d: %v", m, n, err)
				}
			}
		}
		// Stored subtrees are the tiles of 16 leaves and above, keyed by
		// dense post-order positions: appends only ever wrote at the end
		// of the bucket.
		k, _ := s.hash.Cursor().Last()
		tiles := max >> tileLevel
		if want := uint64(2*tiles - bits.OnesCount64(uint64(tiles))); s.hash.Stats().KeyN != int(want) || binary.BigEndian.Uint64(k) != want-1 {
			t.Errorf("hash keys: %d, last %x; want %d dense", s.hash.Stats().KeyN, k, want)
		}
		if _, err := s.rootAt(max + 1); err == nil {
			t.Error("root beyond the size: no error")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFrontierRootMatchesReference(t *testing.T) {
	leaves := synthetic(300)
	var front []frontierNode
	for i, h := range leaves {
		front = pushLeaf(front, h)
		if frontierRoot(front) != Root(leaves[:i+1]) {
			t.Fatalf("frontier root at %d differs", i+1)
		}
	}
}
