package uplink_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/sallyport"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/sync/uplink"
	"github.com/palisade/palisade/sync/uplink/uplinktest"
)

// testDay is a busy facility's day with less door traffic (which yields no
// records, only audit leaves), so the suite stays fast under -race.
var testDay = uplinktest.Profile{Events: 1000, Notable: 600, Minor: 300, Overrides: 40, RollupEvery: time.Minute}

func dayStart() time.Time { return time.Now().Add(-48 * time.Hour).Truncate(time.Hour).UTC() }

func newFacility(t testing.TB, name string, feed uplink.Feed) *uplinktest.Facility {
	start := dayStart()
	return uplinktest.NewFacility(t, filepath.Join(t.TempDir(), name), "north", nil,
		uplinktest.Options{Feed: feed, IssuedAt: start.Add(-time.Hour), FirstTime: start,
			Domains: replica.Router{"headcount": headcountDomain{}}})
}

func records(t testing.TB, f *uplinktest.Facility) []uplink.Record {
	t.Helper()
	raw, err := f.Records()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]uplink.Record, len(raw))
	for i, b := range raw {
		if out[i], err = uplink.ParseRecord(b); err != nil {
			t.Fatalf("stored record %d: %v\n%s", i, err, b)
		}
		if !bytes.Equal(out[i].Marshal(), b) {
			t.Fatalf("record %d is not canonical:\n%s\n%s", i, b, out[i].Marshal())
		}
	}
	return out
}

// dump returns every key and value of the feed's buckets.
func dump(t testing.TB, db *bolt.DB) string {
	t.Helper()
	var sb strings.Builder
	err := db.View(func(tx *bolt.Tx) error {
		top := tx.Bucket([]byte("_uplink"))
		if top == nil {
			return fmt.Errorf("no feed")
		}
		return top.ForEachBucket(func(name []byte) error {
			return top.Bucket(name).ForEach(func(k, v []byte) error {
				fmt.Fprintf(&sb, "%s/%x=%x\n", name, k, v)
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return sb.String()
}

func TestTheSameLogGivesTheSameFeedOnTwoStateFiles(t *testing.T) {
	cs := uplinktest.Span(dayStart(), 12*time.Hour, testDay, 1)
	feed := uplink.Feed{RetainFor: 3 * time.Hour} // prunes: the base summary must agree too
	a, b := newFacility(t, "a.db", feed), newFacility(t, "b.db", feed)
	// raft groups entries into batches differently on every node and run
	if _, err := a.Apply(cs, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Apply(cs, 300); err != nil {
		t.Fatal(err)
	}
	b.Reopen(t)
	da, db := dump(t, a.DB), dump(t, b.DB)
	if da != db {
		t.Fatalf("two state files fed the same log hold different feeds (%d and %d bytes of dump)", len(da), len(db))
	}
	recs := records(t, a)
	if len(recs) < 200 || recs[0].Kind != uplink.KindGap {
		t.Fatalf("%d records, first %s: want a pruned feed that starts with a gap", len(recs), recs[0].Kind)
	}
}

func TestRecordsOfAnAlarmsLifecycleOverridesAndRollups(t *testing.T) {
	f := newFacility(t, "s.db", uplink.Feed{Derivers: []uplink.Deriver{headcounts{}}})
	t0 := dayStart()
	var cs []*command.Command
	at := func(c *command.Command, d time.Duration) *command.Command {
		c.Time = t0.Add(d)
		cs = append(cs, c)
		return c
	}
	p1 := at(jsonCmd(alarm.KindRaise, "cam-1", alarm.Raise{Kind: "fight", Priority: 1, Zone: "yard", Device: "cam-1", Message: "x"}), 0)
	at(jsonCmd(alarm.KindRaise, "cam-1", alarm.Raise{Kind: "fight", Priority: 1, Zone: "yard", Device: "cam-1", Message: "again"}), time.Second) // coalesced: no record
	p3 := at(jsonCmd(alarm.KindRaise, "cam-2", alarm.Raise{Kind: "tamper", Priority: 3, Device: "cam-2", Message: "y"}), 2*time.Second)
	p4 := at(jsonCmd(alarm.KindRaise, "cam-3", alarm.Raise{Kind: "dirty lens", Priority: 4, Device: "cam-3", Message: "z"}), 3*time.Second)
	at(jsonCmd(alarm.KindAck, "officer-1", map[string]string{"id": p1.ID.String(), "note": "going"}), time.Minute)
	at(jsonCmd(alarm.KindEscalate, "n1", map[string]any{"id": p3.ID.String(), "level": 1}), 2*time.Minute) // 3 → 2: notable from now on
	at(uplink.RollupCommand("n1", t0.Add(5*time.Minute), uplink.RollupBody{Cluster: uplink.Cluster{Members: 3, Leader: "n1"}, Devices: &uplink.Devices{Offline: []string{"cam-9", "cam-2", "cam-9"}}}), 5*time.Minute)
	at(jsonCmd(alarm.KindResolve, "officer-1", map[string]string{"id": p1.ID.String(), "note": "done"}), 6*time.Minute)
	at(jsonCmd(alarm.KindResolve, "officer-1", map[string]string{"id": p1.ID.String(), "note": "twice"}), 6*time.Minute) // refused: no record
	at(jsonCmd(alarm.KindResolve, "officer-1", map[string]string{"id": p4.ID.String(), "note": "cleaned"}), 7*time.Minute)
	at(sallyport.InputCommand("gate-1", sallyport.Input{Kind: sallyport.Approve, Override: sallyport.BothOpen}, "sup-a", "n1", "", t0), 8*time.Minute)
	at(sallyport.InputCommand("gate-1", sallyport.Input{Kind: sallyport.Approve, Override: sallyport.BothOpen}, "sup-b", "n1", "", t0), 9*time.Minute)
	at(jsonCmd("headcount.finish", "officer-1", uplink.Headcount{Expected: 120, Counted: 119, MissingCount: 1, Missing: []string{uplinktest.ResidentName}}), 10*time.Minute)
	at(uplink.RollupCommand("n1", t0.Add(15*time.Minute), uplink.RollupBody{Cluster: uplink.Cluster{Members: 3, Leader: "n2"}}), 15*time.Minute)
	refused, err := f.Apply(cs, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) != 1 || refused[8] == nil { // the second resolve
		t.Fatalf("refused: %v", refused)
	}
	recs := records(t, f)
	var got []string
	for _, r := range recs {
		s := r.Kind
		switch r.Kind {
		case uplink.KindAlarm:
			var a uplink.Alarm
			mustJSON(t, r.Body, &a)
			s += "/" + a.Event + "/" + a.Kind + fmt.Sprintf("/p%d", a.Priority)
			if a.Message != "" || a.Note != "" {
				t.Errorf("record %d carries free text without Names: %s", r.Seq, r.Body)
			}
		case uplink.KindOverride:
			var o uplink.Override
			mustJSON(t, r.Body, &o)
			s += "/" + o.Override + "/" + o.By[0] + "+" + o.By[1]
		case uplink.KindHeadcount:
			var h uplink.Headcount
			mustJSON(t, r.Body, &h)
			if len(h.Missing) != 0 {
				t.Errorf("a headcount without Names lists residents: %s", r.Body)
			}
		}
		got = append(got, s)
		if r.Seq != uint64(len(got)) {
			t.Fatalf("record %d has seq %d", len(got), r.Seq)
		}
	}
	want := []string{
		"alarm/raised/fight/p1",
		"alarm/acknowledged/fight/p1",
		"alarm/escalated/tamper/p2",
		"rollup",
		"alarm/resolved/fight/p1",
		"override/both-open/sup-a+sup-b",
		"headcount",
		"rollup",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var r1, r2 uplink.Rollup
	mustJSON(t, recs[3].Body, &r1)
	mustJSON(t, recs[7].Body, &r2)
	// At the first rollup: the fight acknowledged (p1), the tamper raised
	// and escalated (p2), the lens (p4) raised.
	if r1.Open != [4]uplink.OpenCount{{Acknowledged: 1}, {Raised: 1}, {}, {Raised: 1}} || r1.RaisedN != [4]int{1, 0, 1, 1} ||
		r1.Cluster != (uplink.Cluster{Members: 3, Leader: "n1"}) || r1.Devices == nil || strings.Join(r1.Devices.Offline, ",") != "cam-2,cam-9" ||
		r1.Since != 0 || r1.Entries != recs[3].Index || r1.Headcount != nil {
		t.Errorf("first rollup %s", recs[3].Body)
	}
	if r2.Open != [4]uplink.OpenCount{{}, {Raised: 1}, {}, {}} || r2.RaisedN != [4]int{} || r2.Devices != nil ||
		r2.Since != recs[3].Index || r2.Entries != recs[7].Index-recs[3].Index ||
		r2.Headcount == nil || r2.Headcount.Cleared || r2.Headcount.MissingCount != 1 {
		t.Errorf("second rollup %s", recs[7].Body)
	}
	var s uplink.Summary
	for _, r := range recs {
		if err := s.Apply(r); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.Open) != 1 || s.Open[0].ID != p3.ID.String() || s.Overrides != 1 || s.Rollup == nil || s.Headcount == nil {
		t.Errorf("summary %+v", s)
	}
}

// headcountDomain and headcounts stand in for the headcount domain, which
// does not exist yet: its applier returns the finished count, and the
// deriver turns it into a record.
type headcountDomain struct{}

func (headcountDomain) Apply(_ *bolt.Tx, _ replica.Entry, c *command.Command) ([]byte, error) {
	return c.Body, nil
}

type headcounts struct{}

func (headcounts) Derive(a uplink.Applied) ([]uplink.Note, error) {
	if a.Command.Kind != "headcount.finish" {
		return nil, nil
	}
	var h uplink.Headcount
	if err := json.Unmarshal(a.Result, &h); err != nil {
		return nil, err
	}
	h.Cleared = h.Counted == h.Expected
	if !a.Names {
		h.Missing = nil
	}
	return []uplink.Note{{Kind: uplink.KindHeadcount, Body: h}}, nil
}

func mustJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

func jsonCmd(kind, actor string, body any) *command.Command {
	raw, _ := json.Marshal(body)
	return &command.Command{ID: command.NewID(), Kind: kind, Node: "n1", Actor: actor, Body: raw}
}

// A deriver that fails or panics costs its own records only: the command
// stays applied, and the built-in records are made.
func TestAFailingDeriverDoesNotRefuseTheCommand(t *testing.T) {
	boom := uplink.DeriverFunc(func(uplink.Applied) ([]uplink.Note, error) { panic("bug") })
	bad := uplink.DeriverFunc(func(uplink.Applied) ([]uplink.Note, error) {
		return []uplink.Note{{Kind: uplink.KindRollup, Body: map[string]int{}}, {Kind: "BAD KIND", Body: 1}}, nil
	})
	f := newFacility(t, "s.db", uplink.Feed{Derivers: []uplink.Deriver{boom, bad}})
	c := jsonCmd(alarm.KindRaise, "cam-1", alarm.Raise{Kind: "fight", Priority: 1, Message: "x"})
	c.Time = dayStart()
	refused, err := f.Apply([]*command.Command{c}, 1)
	if err != nil || len(refused) != 0 {
		t.Fatalf("refused %v, err %v", refused, err)
	}
	if recs := records(t, f); len(recs) != 1 || recs[0].Kind != uplink.KindAlarm {
		t.Fatalf("records %+v", recs)
	}
}
