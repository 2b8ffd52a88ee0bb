package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/node"
	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/examples"
	"github.com/palisade/palisade/sync/audit"
)

// A whole facility on mutual TLS records officers' actions; after the nodes
// stop, `palisade audit verify` finds every node's log intact, `prove`
// gives proofs that verify, and one edited record is reported with its index.
func TestAuditVerifyAndProveOnARealFacility(t *testing.T) {
	f, err := facility.Parse("examples/facility.yaml", examples.Facility)
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	ca, err := pki.NewCA(f.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.Save(data); err != nil {
		t.Fatal(err)
	}
	nodes, err := node.StartFacility(f, node.FacilityOptions{DataDir: data, FreePorts: true, CA: ca, AuditInterval: 100 * time.Millisecond,
		Logger: func(string) *slog.Logger { return slog.New(slog.DiscardHandler) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	officer := alarm.Actor{Name: "officer", Role: "officer", Terminal: "10.0.0.7:5000"}
	var last alarm.Alarm
	for i := range 5 {
		a, err := nodes[i%3].Alarms.Raise(ctx, alarm.Raise{Kind: "panic", Priority: 1, Zone: "hb-a", Message: fmt.Sprintf("panic button %d", i)}, officer)
		if err != nil {
			t.Fatal(err)
		}
		last = a
	}
	if _, err := nodes[1].Alarms.Ack(ctx, last.ID, officer, "on my way"); err != nil {
		t.Fatal(err)
	}
	// Wait for a checkpoint that covers everything on every node.
	for _, n := range nodes {
		for {
			var size uint64
			var cps []audit.Signed
			_ = n.Replica.View(func(tx *bolt.Tx) (err error) {
				size, _ = audit.Size(tx)
				cps, err = audit.Checkpoints(tx)
				return err
			})
			if size >= 6 && len(cps) > 0 && cps[len(cps)-1].Size == size {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("no checkpoint covering %d records on %s", size, n.Replica.ID())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Where the acknowledgement is in the tree (the facility may have
	// recorded other things too, e.g. device faults of GPIO lines this
	// machine does not have).
	ack := -1
	_ = nodes[1].Replica.View(func(tx *bolt.Tx) error {
		cp, _, err := audit.Latest(tx)
		if err != nil {
			return err
		}
		for i := uint64(0); i < cp.Size; i++ {
			inc, err := audit.ProveInclusion(tx, i, cp)
			if err != nil {
				return err
			}
			if r, err := audit.ParseRecord(inc.Record); err == nil && r.Command.Kind == "alarm.ack" {
				ack = int(i)
			}
		}
		return nil
	})
	if ack < 0 {
		t.Fatal("the acknowledgement is not in the audit tree")
	}
	idx := strconv.Itoa(ack)
	for _, n := range nodes {
		n.Close()
	}

	var out, errb strings.Builder
	for _, n := range f.Nodes {
		out.Reset()
		if code := run(ctx, []string{"audit", "verify", "--data", filepath.Join(data, n.ID), "--ca", data}, &out, &errb); code != 0 {
			t.Fatalf("verify %s: exit %d\n%s%s", n.ID, code, out.String(), errb.String())
		}
		if !strings.Contains(out.String(), "state.db: ") || !strings.Contains(out.String(), "— OK") {
			t.Errorf("verify %s printed %q", n.ID, out.String())
		}
	}
	node2 := filepath.Join(data, "node-2")
	out.Reset()
	if code := run(ctx, []string{"audit", "prove", "--data", node2, "--record", idx, "--ca", data}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "alarm.ack by officer") || !strings.Contains(out.String(), "verified: yes") {
		t.Errorf("prove record %s: exit %d\n%s%s", idx, code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(ctx, []string{"audit", "prove", "--data", node2, "--consistency", "--from", "0", "--to", "-1", "--json"}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), `"verified": true`) {
		t.Errorf("prove consistency: exit %d\n%s%s", code, out.String(), errb.String())
	}

	// An officer with root on node-2 rewrites who acknowledged the alarm.
	db, err := bolt.Open(filepath.Join(node2, "state.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		rec := tx.Bucket([]byte("_audit")).Bucket([]byte("rec"))
		k := binary.BigEndian.AppendUint64(nil, uint64(ack))
		v := bytes.Replace(bytes.Clone(rec.Get(k)), []byte("on my way"), []byte("never came"), 1)
		return rec.Put(k, v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(ctx, []string{"audit", "verify", "--data", node2, "--ca", data}, &out, &errb); code != 1 ||
		!strings.Contains(out.String(), "record "+idx+": record "+idx+" was altered") {
		t.Errorf("verify after tampering: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := run(ctx, []string{"audit", "prove", "--data", node2, "--record", idx}, &out, &errb); code != 1 ||
		!strings.Contains(out.String(), "verified: NO") {
		t.Errorf("prove of the altered record: exit %d\n%s", code, out.String())
	}
	if _, err := os.Stat(filepath.Join(data, "node-1", "state.db")); err != nil {
		t.Fatal(err)
	}
}
