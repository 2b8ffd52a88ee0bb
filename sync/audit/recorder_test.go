package audit

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/replica/replicatest"
)

const origin = "test-facility"

// notes is a small domain applier: it keeps note.add bodies and refuses
// the body "refuse".
type notes struct{}

func (notes) Apply(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	if string(c.Body) == "refuse" {
		return nil, errors.New("refused by the rules")
	}
	b, err := tx.CreateBucketIfNotExists([]byte("notes"))
	if err != nil {
		return nil, err
	}
	return nil, b.Put(c.ID[:], c.Body)
}

// world is a three-node cluster recording into the tree, with node
// certificates from a facility CA.
type world struct {
	c     *replicatest.Cluster
	ca    *pki.CA
	certs []tls.Certificate
}

func newWorld(t *testing.T) *world {
	w := &world{}
	var err error
	if w.ca, err = pki.NewCA(origin, time.Now()); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		cert, err := w.ca.Issue(pki.RoleNode, fmt.Sprintf("n%d", i+1), nil, time.Now(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		w.certs = append(w.certs, cert)
	}
	w.c = replicatest.New(t, 3, func(int) replica.Applier {
		return &Recorder{Next: replica.Router{"note": notes{}}, Origin: origin, CheckSigner: checkSigner(w.ca.Pool())}
	}, nil)
	return w
}

func (w *world) propose(t *testing.T, node int, body string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := w.c.Nodes[node].Propose(ctx, &command.Command{Kind: "note.add", Actor: "officer-" + body, Body: []byte(body)})
	return err
}

func (w *world) signer(i int) *Signer {
	return &Signer{Replica: w.c.Nodes[i], Origin: origin, Node: fmt.Sprintf("n%d", i+1),
		Cert: func() (*tls.Certificate, error) { return &w.certs[i], nil }}
}

// checkSigner accepts certificates of the node role from the facility CA,
// valid when they signed, whose name is the signer's.
func checkSigner(roots *x509.CertPool) CheckSigner {
	return func(cert *x509.Certificate, signer string, at time.Time) error {
		return pki.CheckHolder(roots, cert, pki.RoleNode, signer, at)
	}
}

func verifyFile(t *testing.T, path string, check CheckSigner) Report {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rep Report
	err = db.View(func(tx *bolt.Tx) (err error) { rep, err = Verify(tx, check); return err })
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// tamper copies a stopped node's state file and edits the copy.
func tamper(t *testing.T, src string, edit func(tx *bolt.Tx) error) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "state.db")
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
	db, err := bolt.Open(dst, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(edit); err != nil {
		t.Fatal(err)
	}
	return dst
}

func recs(tx *bolt.Tx) *bolt.Bucket { return tx.Bucket(bucketAudit).Bucket(bucketRec) }

// rebuild rewrites the whole tree from its records as an attacker who
// knows the format would, after edit changed the records.
func rebuild(tx *bolt.Tx, edit func([][]byte) [][]byte) error {
	var all [][]byte
	c := recs(tx).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		all = append(all, bytes.Clone(v[len(Hash{}):])) // the record, without its stored hash
	}
	all = edit(all)
	top := tx.Bucket(bucketAudit)
	for _, b := range [][]byte{bucketRec, bucketHash} {
		if err := top.DeleteBucket(b); err != nil {
			return err
		}
	}
	s, _, err := openStore(tx)
	if err != nil {
		return err
	}
	for i, r := range all {
		h := LeafHash(r)
		if err := s.appendLeaf(uint64(i), append(h[:], r...)); err != nil {
			return err
		}
	}
	return nil
}

func hasProblemAt(rep Report, record int64, words string) bool {
	for _, p := range rep.Problems {
		if p.Record == record && strings.Contains(p.Message, words) {
			return true
		}
	}
	return false
}

func TestTreeOnEveryNodeCheckpointsAndTampering(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for i := range 20 {
		if err := w.propose(t, i%3, fmt.Sprintf("note %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.propose(t, 0, "refuse"); !errors.Is(err, replica.ErrRejected) {
		t.Fatalf("refused command: %v", err)
	}
	w.c.WaitConverged(ctx)
	leader := w.c.WaitLeader()
	first, err := w.signer(leader).SignNow(ctx)
	if err != nil || first.Size != 21 {
		t.Fatalf("first checkpoint: size %d, %v", first.Size, err)
	}
	if _, err := w.signer(leader).SignNow(ctx); !errors.Is(err, ErrNothingNew) {
		t.Fatalf("checkpoint of an unchanged tree: %v", err)
	}
	for i := range 12 {
		if err := w.propose(t, i%3, fmt.Sprintf("later %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	w.c.WaitConverged(ctx)
	leader = w.c.WaitLeader()
	second, err := w.signer(leader).SignNow(ctx)
	if err != nil || second.Size != 33 {
		t.Fatalf("second checkpoint: size %d, %v", second.Size, err)
	}

	// A replayed old checkpoint, and one whose root is not the tree's,
	// are refused by the state machine of every node.
	replay := &command.Command{Kind: KindCheckpoint, Body: first.Marshal()}
	if _, err := w.c.Nodes[0].Propose(ctx, replay); !errors.Is(err, replica.ErrRejected) || !strings.Contains(err.Error(), ErrStale.Error()) {
		t.Errorf("replayed checkpoint: %v", err)
	}
	forged := second.Checkpoint
	forged.Size, forged.Root = 33+0, Hash{1, 2, 3}
	lie, _ := Sign(Checkpoint{Origin: origin, Size: 34, Root: forged.Root, Time: time.Now()}, "n1", &w.certs[0])
	if _, err := w.c.Nodes[1].Propose(ctx, &command.Command{Kind: KindCheckpoint, Body: lie.Marshal()}); err == nil {
		t.Error("a checkpoint beyond the tree was recorded")
	}
	w.c.WaitConverged(ctx)

	// Proofs from a follower verify against the signed roots; a changed
	// record or path does not.
	f := w.c.Follower()
	err = w.c.Nodes[f].View(func(tx *bolt.Tx) error {
		cps, err := Checkpoints(tx)
		if err != nil || len(cps) != 2 {
			t.Fatalf("checkpoints on node %d: %d, %v", f, len(cps), err)
		}
		inc, err := ProveInclusion(tx, 20, cps[1])
		if err != nil {
			return err
		}
		if err := inc.Verify(); err != nil {
			t.Errorf("inclusion of record 20: %v", err)
		}
		r, err := ParseRecord(inc.Record)
		if err != nil || r.Refused != "refused by the rules" || r.Command.Actor != "officer-refuse" {
			t.Errorf("record 20 = %+v, %v: want the refused command with its reason", r, err)
		}
		bad := inc
		bad.Record = bytes.Replace(bytes.Clone(inc.Record), []byte("officer-refuse"), []byte("officer-xxxxxx"), 1)
		if err := bad.Verify(); !errors.Is(err, ErrProof) {
			t.Errorf("inclusion of an altered record: %v", err)
		}
		cons, err := ProveConsistency(tx, cps[0], cps[1])
		if err != nil {
			return err
		}
		if err := cons.Verify(); err != nil {
			t.Errorf("consistency 21→33: %v", err)
		}
		cons.Path[0][0] ^= 1
		if err := cons.Verify(); !errors.Is(err, ErrProof) {
			t.Errorf("consistency with a changed path: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	w.c.Close()
	check := checkSigner(w.ca.Pool())
	for i := range 3 {
		rep := verifyFile(t, filepath.Join(w.c.Dirs[i], "state.db"), check)
		if !rep.OK() || rep.Records != 33 || len(rep.Checkpoints) != 2 || rep.Unsigned != 0 {
			t.Fatalf("node %d: %+v", i, rep)
		}
	}
	state := filepath.Join(w.c.Dirs[f], "state.db")

	t.Run("altered record reported with its index", func(t *testing.T) {
		p := tamper(t, state, func(tx *bolt.Tx) error {
			v := bytes.Clone(recs(tx).Get(u64(5)))
			v = bytes.Replace(v, []byte("officer-note 5"), []byte("officer-note X"), 1)
			return recs(tx).Put(u64(5), v)
		})
		if rep := verifyFile(t, p, check); !hasProblemAt(rep, 5, "altered") {
			t.Errorf("%+v", rep.Problems)
		}
	})
	t.Run("deleted record reported with its index", func(t *testing.T) {
		p := tamper(t, state, func(tx *bolt.Tx) error { return recs(tx).Delete(u64(7)) })
		if rep := verifyFile(t, p, check); !hasProblemAt(rep, 7, "deleted") {
			t.Errorf("%+v", rep.Problems)
		}
	})
	t.Run("record removed and the rest renumbered", func(t *testing.T) {
		p := tamper(t, state, func(tx *bolt.Tx) error {
			return rebuild(tx, func(all [][]byte) [][]byte { return append(all[:9:9], all[10:]...) })
		})
		rep := verifyFile(t, p, check)
		if len(rep.Problems) != 2 || !hasProblemAt(rep, 32, "record 32 was removed") ||
			!hasProblemAt(rep, -1, "records 0 to 20 were rewritten") {
			t.Errorf("%+v", rep.Problems)
		}
	})
	t.Run("consistent rewrite caught by the signed checkpoint", func(t *testing.T) {
		p := tamper(t, state, func(tx *bolt.Tx) error {
			return rebuild(tx, func(all [][]byte) [][]byte {
				all[25] = bytes.Replace(all[25], []byte("officer-later 4"), []byte("officer-later 9"), 1)
				return all
			})
		})
		rep := verifyFile(t, p, check)
		if len(rep.Problems) != 1 || !hasProblemAt(rep, -1, "records 21 to 32 were rewritten") {
			t.Errorf("%+v", rep.Problems)
		}
	})
	t.Run("checkpoint signed by another CA's node", func(t *testing.T) {
		other, _ := pki.NewCA("elsewhere", time.Now())
		rep := verifyFile(t, state, checkSigner(other.Pool()))
		if len(rep.Problems) != 2 || !hasProblemAt(rep, -1, "checkpoint 0 is not valid") {
			t.Errorf("%+v", rep.Problems)
		}
	})
}

// A checkpoint signed with a valid signature by a node certificate of
// another CA is refused by the state machine of every node; the facility's
// own node is accepted.
func TestCheckpointOfAnotherCAsNodeIsRefused(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if err := w.propose(t, 0, "one"); err != nil {
		t.Fatal(err)
	}
	w.c.WaitConverged(ctx)
	var root Hash
	_ = w.c.Nodes[0].View(func(tx *bolt.Tx) error {
		s, _, _ := openStore(tx)
		root, _ = s.rootAt(1)
		return nil
	})
	other, _ := pki.NewCA("elsewhere", time.Now())
	stranger, _ := other.Issue(pki.RoleNode, "n1", nil, time.Now(), time.Hour)
	forged, err := Sign(Checkpoint{Origin: origin, Size: 1, Root: root, Time: time.Now()}, "n1", &stranger)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.c.Nodes[1].Propose(ctx, &command.Command{Kind: KindCheckpoint, Body: forged.Marshal()}); !errors.Is(err, replica.ErrRejected) {
		t.Fatalf("checkpoint by another CA's node: %v, want it refused", err)
	}
	w.c.WaitConverged(ctx)
	if _, err := w.signer(w.c.WaitLeader()).SignNow(ctx); err != nil {
		t.Fatalf("the facility's own node: %v", err)
	}
}
