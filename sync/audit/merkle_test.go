package audit

import (
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
)

// The leaves of the RFC 6962 reference test data (certificate-transparency).
var rfcLeaves = []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}

func leavesOf(t testing.TB, hexes []string) []Hash {
	var out []Hash
	for _, h := range hexes {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, LeafHash(b))
	}
	return out
}

func TestRootsOfTheReferenceData(t *testing.T) {
	leaves := leavesOf(t, rfcLeaves)
	for n, want := range map[int]string{
		0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	} {
		got := Root(leaves[:n])
		if hex.EncodeToString(got[:]) != want {
			t.Errorf("root of %d leaves = %x, want %s", n, got, want)
		}
	}
}

func synthetic(n int) []Hash {
	out := make([]Hash, n)
	for i := range out {
		out[i] = LeafHash(fmt.Appendf(nil, "record %d", i))
	}
	return out
}

func TestEveryInclusionProofVerifiesAndTamperingFails(t *testing.T) {
	for n := 1; n <= 70; n++ {
		leaves := synthetic(n)
		root := Root(leaves)
		for i := range n {
			proof, err := InclusionProof(leaves, uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyInclusion(leaves[i], uint64(i), uint64(n), proof, root); err != nil {
				t.Fatalf("n=%d i=%d: %v", n, i, err)
			}
			altered := LeafHash([]byte("rewritten"))
			if VerifyInclusion(altered, uint64(i), uint64(n), proof, root) == nil {
				t.Fatalf("n=%d i=%d: an altered record verified", n, i)
			}
			if n > 1 && VerifyInclusion(leaves[i], uint64((i+1)%n), uint64(n), proof, root) == nil && leaves[i] != leaves[(i+1)%n] {
				t.Fatalf("n=%d i=%d: the proof verified at another index", n, i)
			}
			if len(proof) > 0 {
				bad := append([]Hash(nil), proof...)
				bad[0][0] ^= 1
				if VerifyInclusion(leaves[i], uint64(i), uint64(n), bad, root) == nil {
					t.Fatalf("n=%d i=%d: a tampered proof verified", n, i)
				}
			}
		}
	}
}

func TestEveryConsistencyProofVerifiesAndARewriteFails(t *testing.T) {
	for n := 1; n <= 40; n++ {
		leaves := synthetic(n)
		root2 := Root(leaves)
		for m := 1; m <= n; m++ {
			root1 := Root(leaves[:m])
			proof, err := ConsistencyProof(leaves, uint64(m))
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyConsistency(uint64(m), uint64(n), root1, root2, proof); err != nil {
				t.Fatalf("m=%d n=%d: %v", m, n, err)
			}
			if m == n {
				continue
			}
			// A node rewrote record 0 after the checkpoint of size m.
			rewritten := append([]Hash(nil), leaves...)
			rewritten[0] = LeafHash([]byte("erased what I did"))
			p2, _ := ConsistencyProof(rewritten, uint64(m))
			if VerifyConsistency(uint64(m), uint64(n), root1, Root(rewritten), p2) == nil {
				t.Fatalf("m=%d n=%d: a rewritten history verified as consistent", m, n)
			}
		}
	}
}

func TestRangesAreChecked(t *testing.T) {
	leaves := synthetic(4)
	if _, err := InclusionProof(leaves, 4); !errors.Is(err, ErrRange) {
		t.Errorf("inclusion past the end: %v", err)
	}
	if _, err := ConsistencyProof(leaves, 0); !errors.Is(err, ErrRange) {
		t.Errorf("consistency of size 0: %v", err)
	}
	if err := VerifyConsistency(5, 4, Hash{}, Hash{}, nil); !errors.Is(err, ErrRange) {
		t.Errorf("verify m > n: %v", err)
	}
}

// FuzzVerify: arbitrary proofs never panic and never verify against a
// root they were not made for.
func FuzzVerify(f *testing.F) {
	f.Add(uint64(3), uint64(7), []byte{1, 2, 3})
	f.Add(uint64(0), uint64(1), []byte{})
	f.Fuzz(func(t *testing.T, i, n uint64, raw []byte) {
		var proof []Hash
		for len(raw) >= 32 && len(proof) < 70 {
			var h Hash
			copy(h[:], raw)
			proof = append(proof, h)
			raw = raw[32:]
		}
		leaves := synthetic(8)
		root := Root(leaves)
		if VerifyInclusion(LeafHash([]byte("forged")), i, n, proof, root) == nil {
			t.Fatalf("forged leaf verified at %d/%d", i, n)
		}
		_ = VerifyConsistency(i, n, root, root, proof)
	})
}
