package central

import (
	bolt "go.etcd.io/bbolt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/sync/audit"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/uplink"
	"github.com/palisade/palisade/sync/uplink/uplinktest"
)

// A day of a busy facility reaches HQ while the WAN is cut, connections are
// reset part-way through pages, and the node HQ pulls from dies: every
// record arrives once, in order, byte for byte.
func TestADayThroughACutWANArrivesExactlyOnceAndInOrder(t *testing.T) {
	w := newWorld(t, 2, uplink.Feed{})
	w.cfg.PageRecords = 20 // several pages an hour: more pulls for the damage to hit
	day := uplinktest.Day(w.start, centralDay, 11)
	h := w.startHQ(uplink.SystemClock{})
	rng := rand.New(rand.NewPCG(3, 4))
	hours := 24
	per := len(day) / hours
	n1, n2 := w.nodes[0].wan, w.nodes[1].wan
	cuts, resets := 0, 0
	for hour := range hours {
		lo, hi := hour*per, (hour+1)*per
		if hour == hours-1 {
			hi = len(day)
		}
		w.apply(day[lo:hi]) // the facility lives on while HQ pulls
		switch {
		case hour == 12:
			// The node HQ pulls from dies for the rest of the day: HQ
			// moves to the other one.
			n1.Cut()
			cuts++
		case hour%3 == 0:
			// A WAN outage: listener gone, connections reset; HQ
			// backs off. The outage lasts a few of HQ's backoff steps
			// of real time — what a cut link is.
			w.nodes[1].wan.Cut()
			if hour < 12 {
				n1.Cut()
			}
			cuts++
			<-time.After(time.Duration(20+rng.IntN(60)) * time.Millisecond)
			if err := n2.Restore(); err != nil {
				t.Fatal(err)
			}
			if hour < 12 {
				if err := n1.Restore(); err != nil {
					t.Fatal(err)
				}
			}
		default:
			// A flaky link: connections reset part-way, often inside
			// a page (pages are gzipped: a few KiB).
			for _, nd := range w.nodes {
				nd.wan.SetFlaky(8<<10 + rng.IntN(8<<10))
				nd.wan.ResetAll()
			}
			resets++
		}
		// HQ catches up through the damage before the next hour.
		last := w.lastSeq(1)
		waitFor(t, h.Store(), 20*time.Second, "catching up", func() bool { return cursorOf(t, h.Store()) == last })
		for _, nd := range w.nodes {
			nd.wan.SetFlaky(0)
		}
	}
	last := w.lastSeq(0)
	waitFor(t, h.Store(), 30*time.Second, "every record", func() bool { return cursorOf(t, h.Store()) == last })
	w.checkExactlyOnce(h.Store())
	if n2.Accepts() == 0 {
		t.Fatal("HQ never pulled from the second node")
	}
	// The damage was transport only: no alarm, and the witness follows
	// the latest checkpoint.
	alarms, _ := h.Store().Alarms("north", true)
	for _, a := range alarms {
		t.Errorf("HQ alarm after a day of WAN trouble: %+v", a)
	}
	st, _ := h.Store().Facility("north")
	cp, _ := w.nodes[1].f.Checkpoint()
	if st.Checkpoint == nil || (cp.Size != 0 && st.Checkpoint.Size > cp.Size) {
		t.Fatalf("witnessed %v", st.Checkpoint)
	}
	failed := pulls(t, h.Service, resultTransport)
	if failed < 20 {
		t.Errorf("only %d pulls failed: the WAN was not damaged enough to test anything", failed)
	}
	t.Logf("%d records, %d cuts, %d flaky spells, %d failed pulls, %d ok, %d connections to node 1, %d to node 2",
		last, cuts, resets, failed, pulls(t, h.Service, resultOK), n1.Accepts(), n2.Accepts())
}

// HQ stopped and started again while it pulls a backlog resumes exactly
// where its last commit left it.
func TestCentralRestartedMidPullStoresEveryRecordOnce(t *testing.T) {
	w := newWorld(t, 1, uplink.Feed{})
	w.cfg.PageRecords = 40
	w.apply(uplinktest.Span(w.start, 4*time.Hour, centralDay, 12))
	last := w.lastSeq(0)
	restarts := 0
	for {
		h := w.startHQ(uplink.SystemClock{})
		st := h.Store()
		before := cursorOf(t, st)
		if before == last {
			h.stop()
			break
		}
		// Stop right after a commit: the puller is already fetching the
		// next page (a backlog is pulled without pause).
		waitFor(t, st, 20*time.Second, "a commit", func() bool { return cursorOf(t, st) > before })
		h.stop()
		restarts++
	}
	if restarts < 3 {
		t.Fatalf("only %d restarts: the backlog was too small to test anything", restarts)
	}
	s, err := OpenStore(w.cfg.Data + "/hq.db")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w.checkExactlyOnce(s)
}

// A facility whose audit log was rewritten (and re-signed with a node's
// key) is caught by HQ's witness: an alarm, and the witnessed checkpoint
// stays the last good one.
func TestARewrittenAuditLogRaisesTheWitnessAlarm(t *testing.T) {
	w := newWorld(t, 1, uplink.Feed{})
	cs := uplinktest.Span(w.start, 4*time.Hour, centralDay, 13)
	w.apply(cs[:len(cs)/2])
	h := w.startHQ(uplink.SystemClock{})
	var good audit.Signed
	_ = w.nodes[0].f.View(func(tx *bolt.Tx) (err error) { good, _, err = audit.Latest(tx); return err })
	waitFor(t, h.Store(), 20*time.Second, "the first checkpoint witnessed", func() bool {
		st, _ := h.Store().Facility("north")
		return st.Checkpoint != nil && st.Checkpoint.Size == good.Size
	})

	// Someone with a node's key rebuilds the log without one door event
	// and re-signs it, then serves it in place of the real node.
	forged := uplinktest.NewFacility(t, uplinktest.TempPath(t, "forged.db"), "north", w.ca,
		uplinktest.Options{Node: "n1", IssuedAt: w.start.Add(-time.Hour), FirstTime: w.start})
	var edited []*command.Command
	dropped := false
	for i, c := range cs {
		if !dropped && i >= 10 && strings.HasPrefix(c.Kind, "event.") {
			dropped = true
			continue
		}
		edited = append(edited, c)
	}
	if _, err := forged.Apply(edited, 64); err != nil {
		t.Fatal(err)
	}
	if _, err := forged.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	fake := uplinktest.Serve(t, forged.Handler(), forged.Cert, w.ca.Pool())
	w.nodes[0].wan.SetTarget(fake.Addr)
	w.nodes[0].wan.ResetAll()
	waitFor(t, h.Store(), 20*time.Second, "the witness alarm", func() bool {
		a, _ := h.Store().Alarms("north", true)
		return len(a) == 1 && a[0].Kind == AlarmWitness
	})
	a, _ := h.Store().Alarms("north", true)
	if !strings.Contains(a[0].Message, "not a prefix") || !strings.Contains(a[0].Message, "rewritten") {
		t.Errorf("witness alarm says %q", a[0].Message)
	}
	st, _ := h.Store().Facility("north")
	if st.Checkpoint.Size != good.Size || st.Checkpoint.Root != good.Root {
		t.Fatalf("HQ now witnesses %v instead of the last good %v", st.Checkpoint, good)
	}
	views, _ := h.Facilities()
	if views[0].Status != "alarm" {
		t.Errorf("dashboard status %q with a witness alarm open", views[0].Status)
	}
}

// pulls returns palisade_hq_pulls_total of facility north and result.
func pulls(t testing.TB, s *Service, result string) int {
	t.Helper()
	mfs, err := s.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mf := range mfs {
		if mf.GetName() != "palisade_hq_pulls_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					n += int(m.GetCounter().GetValue())
				}
			}
		}
	}
	return n
}
