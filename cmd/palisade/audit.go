package main

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/audit"
)

// errTampered makes `palisade audit verify` exit 1 after printing what it
// found.
var errTampered = errors.New("the audit log does not verify")

// runAudit checks a node's audit tree offline:
//
//	palisade audit verify --data DIR [--ca DIR]
//	palisade audit prove  --data DIR --record I [--ca DIR] [--json]
//	palisade audit prove  --data DIR --consistency [--from K --to K] [--json]
func runAudit(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("audit: want verify or prove")
	}
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "a node's data directory (the node stopped, or a copy)")
	caDir := fs.String("ca", "", "directory with the facility's ca.pem: checkpoints must be signed by its nodes")
	switch args[0] {
	case "verify":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		check, err := signerCheck(*caDir, stderr)
		if err != nil || *data == "" {
			return errors.Join(err, requireData(*data))
		}
		return auditVerify(*data, check, stdout)
	case "prove":
		record := fs.Int64("record", -1, "prove that this record (its index in the tree) is in the newest checkpoint that covers it")
		cons := fs.Bool("consistency", false, "prove that checkpoint --from is a prefix of checkpoint --to")
		from := fs.Int("from", -2, "checkpoint number (0 is the first; negative counts from the newest: -1 newest)")
		to := fs.Int("to", -1, "checkpoint number, as --from")
		asJSON := fs.Bool("json", false, "print the proof as JSON for another program to check")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if err := requireData(*data); err != nil {
			return err
		}
		check, err := signerCheck(*caDir, stderr)
		if err != nil {
			return err
		}
		if (*record < 0) == !*cons {
			return errors.New("audit prove: give either --record I or --consistency")
		}
		return auditProve(*data, *record, *cons, *from, *to, *asJSON, check, stdout)
	default:
		return fmt.Errorf("audit: unknown subcommand %q (want verify or prove)", args[0])
	}
}

func requireData(d string) error {
	if d == "" {
		return errors.New("--data is required: a node's data directory")
	}
	return nil
}

func signerCheck(caDir string, stderr io.Writer) (audit.CheckSigner, error) {
	if caDir == "" {
		fmt.Fprintln(stderr, "note: without --ca, signatures are checked but not who signed them")
		return nil, nil
	}
	pool, err := pki.LoadPool(caDir)
	if err != nil {
		return nil, err
	}
	return func(cert *x509.Certificate, signer string, at time.Time) error {
		return pki.CheckHolder(pool, cert, pki.RoleNode, signer, at)
	}, nil
}

// stateFiles lists the copies of the state a node keeps: the live file and
// the snapshots it restarts from.
func stateFiles(dir string) ([]string, error) {
	files := []string{filepath.Join(dir, "state.db")}
	if _, err := os.Stat(files[0]); err != nil {
		return nil, fmt.Errorf("%s is not a node's data directory: %w", dir, err)
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "snapshots", "*", "state.bin"))
	sort.Strings(snaps)
	return append(files, snaps...), nil
}

func openState(path string) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%s is in use: stop the node first, or verify a copy", path)
	}
	return db, err
}

func auditVerify(dir string, check audit.CheckSigner, out io.Writer) error {
	files, err := stateFiles(dir)
	if err != nil {
		return err
	}
	bad := false
	for _, path := range files {
		db, err := openState(path)
		if err != nil {
			return err
		}
		var rep audit.Report
		err = db.View(func(tx *bolt.Tx) (err error) { rep, err = audit.Verify(tx, check); return err })
		db.Close()
		name, _ := filepath.Rel(dir, path)
		if errors.Is(err, audit.ErrNoTree) {
			fmt.Fprintf(out, "%s: no audit records yet\n", name)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(out, "%s: %d records, %d signed checkpoint%s", name, rep.Records, len(rep.Checkpoints), plural(len(rep.Checkpoints)))
		if n := len(rep.Checkpoints); n > 0 {
			fmt.Fprintf(out, "; newest: %s", rep.Checkpoints[n-1])
		}
		if rep.Unsigned > 0 {
			fmt.Fprintf(out, "; %d records after it not signed yet", rep.Unsigned)
		}
		if rep.OK() {
			fmt.Fprintln(out, " — OK")
			continue
		}
		bad = true
		fmt.Fprintf(out, " — %d PROBLEMS:\n", len(rep.Problems))
		for _, p := range rep.Problems {
			where := "  "
			if p.Record >= 0 {
				where = "  record " + strconv.FormatInt(p.Record, 10) + ": "
			}
			fmt.Fprintln(out, where+p.Message)
		}
	}
	if bad {
		return errTampered
	}
	return nil
}

// proofJSON is a proof in a form another program can check with any
// RFC 6962 implementation: hashes in hex, the checkpoint as signed.
type proofJSON struct {
	Kind       string          `json:"kind"` // "inclusion" or "consistency"
	Record     *recordJSON     `json:"record,omitempty"`
	Index      uint64          `json:"index,omitempty"`
	LeafHash   string          `json:"leaf_hash,omitempty"`
	Path       []string        `json:"path"`
	Checkpoint json.RawMessage `json:"checkpoint,omitempty"`
	From       json.RawMessage `json:"from,omitempty"`
	To         json.RawMessage `json:"to,omitempty"`
	Verified   bool            `json:"verified"`
}

type recordJSON struct {
	LogIndex uint64    `json:"log_index"`
	Time     time.Time `json:"time"`
	Kind     string    `json:"kind"`
	Actor    string    `json:"actor,omitempty"`
	Node     string    `json:"node"`
	Terminal string    `json:"terminal,omitempty"`
	Body     string    `json:"body,omitempty"`
	Refused  string    `json:"refused,omitempty"`
	Data     string    `json:"data"` // the leaf data in hex, as hashed
}

func hexes(hs []audit.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = hex.EncodeToString(h[:])
	}
	return out
}

func pick(cps []audit.Signed, k int) (audit.Signed, error) {
	i := k
	if k < 0 {
		i = len(cps) + k
	}
	if i < 0 || i >= len(cps) {
		return audit.Signed{}, fmt.Errorf("no checkpoint %d: there are %d", k, len(cps))
	}
	return cps[i], nil
}

func auditProve(dir string, record int64, cons bool, from, to int, asJSON bool, check audit.CheckSigner, out io.Writer) error {
	db, err := openState(filepath.Join(dir, "state.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	var p proofJSON
	var checked []audit.Signed
	err = db.View(func(tx *bolt.Tx) error {
		cps, err := audit.Checkpoints(tx)
		if err != nil {
			return err
		}
		if cons {
			a, err := pick(cps, from)
			if err != nil {
				return err
			}
			b, err := pick(cps, to)
			if err != nil {
				return err
			}
			pr, err := audit.ProveConsistency(tx, a, b)
			if err != nil {
				return err
			}
			checked = []audit.Signed{a, b}
			p = proofJSON{Kind: "consistency", Path: hexes(pr.Path), From: a.Marshal(), To: b.Marshal(), Verified: pr.Verify() == nil}
			return nil
		}
		var cp audit.Signed
		for _, c := range cps {
			if c.Size > uint64(record) {
				cp = c
			}
		}
		if cp.Size == 0 {
			return fmt.Errorf("record %d is not covered by a signed checkpoint yet (there are %d checkpoints)", record, len(cps))
		}
		pr, err := audit.ProveInclusion(tx, uint64(record), cp)
		if err != nil {
			return err
		}
		checked = []audit.Signed{cp}
		leaf := audit.LeafHash(pr.Record)
		p = proofJSON{Kind: "inclusion", Index: pr.Index, LeafHash: hex.EncodeToString(leaf[:]),
			Path: hexes(pr.Path), Checkpoint: cp.Marshal(), Verified: pr.Verify() == nil}
		if r, err := audit.ParseRecord(pr.Record); err == nil {
			p.Record = &recordJSON{r.LogIndex, r.Time, r.Command.Kind, r.Command.Actor, r.Command.Node,
				r.Command.Terminal, string(r.Command.Body), r.Refused, hex.EncodeToString(pr.Record)}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, cp := range checked {
		cert, err := cp.VerifySignature()
		if err == nil && check != nil {
			err = check(cert, cp.Signer, cp.Time)
		}
		if err != nil {
			p.Verified = false
			fmt.Fprintf(out, "the signature on %s does not hold: %v\n", cp, err)
		}
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(p); err != nil {
			return err
		}
	} else {
		printProof(out, p, checked)
	}
	if !p.Verified {
		return errTampered
	}
	return nil
}

func printProof(out io.Writer, p proofJSON, cps []audit.Signed) {
	if p.Kind == "consistency" {
		fmt.Fprintf(out, "consistency: the tree of %s\n  is a prefix of %s\n", cps[0], cps[1])
	} else {
		fmt.Fprintf(out, "record %d is in %s\n", p.Index, cps[0])
		if r := p.Record; r != nil {
			fmt.Fprintf(out, "  %s by %s on %s at %s (log index %d)\n", r.Kind, orDash(r.Actor), r.Node, r.Time.Format(time.RFC3339), r.LogIndex)
			if r.Body != "" {
				fmt.Fprintf(out, "  body: %s\n", r.Body)
			}
			if r.Refused != "" {
				fmt.Fprintf(out, "  refused: %s\n", r.Refused)
			}
		}
		fmt.Fprintf(out, "  leaf hash %s\n", p.LeafHash)
	}
	fmt.Fprintf(out, "  proof (%d hashes):\n", len(p.Path))
	for _, h := range p.Path {
		fmt.Fprintf(out, "    %s\n", h)
	}
	if p.Verified {
		fmt.Fprintln(out, "  verified: yes")
	} else {
		fmt.Fprintln(out, "  verified: NO")
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
