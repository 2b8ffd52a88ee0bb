package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/headcount"
	"github.com/palisade/palisade/edge/presence"
	"github.com/palisade/palisade/edge/reports"
	"github.com/palisade/palisade/edge/rounds"
	"github.com/palisade/palisade/edge/zonerules"
	"github.com/palisade/palisade/sensors/rfid"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// custodyTick is how often the leader judges the zone rules and lets the
// headcount and rounds schedules propose what is due.
const custodyTick = time.Second

// custody runs the custody domains on a node: zone rules, headcounts,
// security rounds and the custody report. The node's router applies the
// headcount and rounds commands (Appliers over the plans); this is the
// rest of their wiring:
//
//   - observe (the replica's observer) turns the outcomes of the commands
//     this process proposed into alarms to raise and to resolve, queued
//     for a worker: the apply goroutine never waits on the alarm core;
//   - a ticker on the raft leader runs headcount.Plan.Tick,
//     rounds.Plan.Tick and the zone-rules monitor on the committed presence
//     state and opts.Now, proposing and raising what they return;
//   - sighted turns the tag reads of this node's readers into round checks
//     at checkpoint readers (rounds.Sightings), proposed off the presence
//     loop.
type custody struct {
	f      *facility.Facility
	me     string
	log    *slog.Logger
	now    func() time.Time
	count  *headcount.Plan
	rounds *rounds.Plan
	sight  *rounds.Sightings
	report *reports.Reporter

	// rep and alarms are set by attach, once the replica is open and
	// before run; observe does not use them.
	rep    *replica.Replica
	alarms *alarm.Service

	mu sync.Mutex
	// mine are the commands this process proposed, until applied: only
	// their outcomes are raised here. A command of this node replayed
	// from the log after a restart was raised by the process that
	// proposed it, and is not raised again.
	mine map[command.ID]time.Time

	jobs   chan alarmJob         // raises and resolutions, off the apply goroutine
	checks chan *command.Command // checks at checkpoint readers, to propose
}

// alarmJob is an alarm to raise, or (clear set) the open alarm of a key
// to resolve with a note.
type alarmJob struct {
	raise alarm.Raise
	clear string
	note  string
}

// Queue sizes: a count's start over a large facility may raise a few
// hundred problems at once; an officer walking past a checkpoint yields a
// check a minute.
const (
	alarmQueue = 1024
	checkQueue = 256
	// mineKept bounds the proposals remembered: an entry older than this
	// was never applied (refused before the log, or the proposal lost).
	mineKept = 10 * time.Minute
)

func newCustody(f *facility.Facility, me string, log *slog.Logger, now func() time.Time) (*custody, error) {
	count, err := headcount.NewPlan(f)
	if err != nil {
		return nil, fmt.Errorf("node %s: headcount: %w", me, err)
	}
	rp, err := rounds.NewPlan(f)
	if err != nil {
		return nil, fmt.Errorf("node %s: rounds: %w", me, err)
	}
	if _, err := zonerules.NewMonitor(f); err != nil {
		return nil, fmt.Errorf("node %s: zone rules: %w", me, err)
	}
	return &custody{f: f, me: me, log: log.With("component", "custody"), now: now, count: count, rounds: rp,
		sight: rp.NewSightings(me), report: reports.New(f), mine: map[command.ID]time.Time{},
		jobs: make(chan alarmJob, alarmQueue), checks: make(chan *command.Command, checkQueue)}, nil
}

// attach gives custody the node's replica and alarm core.
func (c *custody) attach(rep *replica.Replica, alarms *alarm.Service) { c.rep, c.alarms = rep, alarms }

// run starts the alarm worker, the checkpoint proposer and the leader's
// ticker, owned by wg and stopped by ctx.
func (c *custody) run(ctx context.Context, wg *sync.WaitGroup) {
	wg.Add(3)
	go func() { defer wg.Done(); c.runAlarms(ctx) }()
	go func() { defer wg.Done(); c.runChecks(ctx) }()
	go func() { defer wg.Done(); c.runTicker(ctx) }()
}

// observe queues the alarms of the applied headcount and rounds commands
// this process proposed. It runs on the replica's apply goroutine and
// never blocks.
func (c *custody) observe(as []replica.Applied) {
	var fresh []replica.Applied
	c.mu.Lock()
	for _, a := range as {
		if a.Command == nil {
			continue
		}
		if _, ok := c.mine[a.Command.ID]; !ok {
			continue
		}
		delete(c.mine, a.Command.ID)
		if !a.Dup && a.Err == nil {
			fresh = append(fresh, a)
		}
	}
	c.mu.Unlock()
	for _, a := range fresh {
		one := []replica.Applied{a}
		raise, clear := headcount.Alarms(one, c.me)
		r2, c2 := rounds.Alarms(one, c.me)
		raise, clear = append(raise, r2...), append(clear, c2...)
		for _, r := range raise {
			c.queue(alarmJob{raise: r})
		}
		for _, k := range clear {
			c.queue(alarmJob{clear: k, note: clearNote(a.Command)})
		}
	}
}

// clearNote says, on the resolved alarm, what ended it.
func clearNote(cmd *command.Command) string {
	what := map[string]string{
		headcount.KindZone:   "the zone was recounted by " + cmd.Actor,
		headcount.KindCancel: "the count was cancelled by " + cmd.Actor,
		rounds.KindCheck:     "the cell was checked by " + cmd.Actor,
		rounds.KindWatch:     "the resident's watch was changed by " + cmd.Actor,
	}[cmd.Kind]
	if what == "" {
		what = cmd.Kind + " by " + cmd.Actor
	}
	return "Cleared automatically: " + what + "."
}

func (c *custody) queue(j alarmJob) {
	select {
	case c.jobs <- j:
	default:
		c.log.Error("custody alarm dropped: the queue is full", "kind", j.raise.Kind, "clear", j.clear)
	}
}

func (c *custody) runAlarms(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-c.jobs:
			if j.clear == "" {
				if _, err := c.alarms.RaiseLocal(ctx, j.raise); err != nil && ctx.Err() == nil {
					c.log.Error("custody alarm not raised", "kind", j.raise.Kind, "key", j.raise.Key, "err", err)
				}
				continue
			}
			c.resolve(ctx, j.clear, j.note)
		}
	}
}

// resolve resolves the open alarms of key, on the record as this node.
func (c *custody) resolve(ctx context.Context, key, note string) {
	open, err := c.alarms.List(ctx, alarm.Filter{OpenOnly: true, Limit: 5000})
	if err != nil {
		c.log.Warn("custody alarm not resolved", "key", key, "err", err)
		return
	}
	for _, a := range open {
		if a.Key != key || a.NotReplicated {
			continue
		}
		if _, err := c.alarms.Resolve(ctx, a.ID, alarm.Actor{Name: c.me, Role: "node"}, note); err != nil && ctx.Err() == nil &&
			!errors.Is(err, alarm.ErrAlreadyClosed) {
			c.log.Warn("custody alarm not resolved", "key", key, "id", a.ID, "err", err)
		}
	}
}

// propose proposes cmd, remembered as this process's so that observe
// raises its outcome.
func (c *custody) propose(ctx context.Context, cmd *command.Command) (replica.Result, error) {
	now := c.now()
	c.mu.Lock()
	if len(c.mine) > 1024 {
		for id, t := range c.mine {
			if now.Sub(t) > mineKept {
				delete(c.mine, id)
			}
		}
	}
	c.mine[cmd.ID] = now
	c.mu.Unlock()
	return c.rep.Propose(ctx, cmd)
}

// sighted takes one event of this node's RFID readers: an officer's tag
// read at a checkpoint reader becomes a round check, queued for
// runChecks. It runs on the presence loop and never blocks.
func (c *custody) sighted(ev rfid.Event) {
	r, ok := ev.(rfid.Read)
	if !ok {
		return
	}
	for _, cmd := range c.sight.Seen(r.Reader, string(r.EPC), r.At) {
		select {
		case c.checks <- cmd:
		default:
			c.log.Error("round check dropped: the queue is full", "reader", r.Reader)
		}
	}
}

func (c *custody) runChecks(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case cmd := <-c.checks:
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := c.propose(pctx, cmd)
			cancel()
			switch {
			case err == nil, ctx.Err() != nil:
			case errors.Is(err, replica.ErrRejected):
				c.log.Debug("round check refused", "err", err)
			default:
				c.log.Warn("round check not recorded", "err", err)
			}
		}
	}
}

// runTicker runs the schedules and the zone rules while this node leads.
// A node that becomes leader starts a fresh zone-rules tracker; the
// violations in progress whose alarms are still open are not raised
// again.
func (c *custody) runTicker(ctx context.Context) {
	t := time.NewTicker(custodyTick)
	defer t.Stop()
	var mon *zonerules.Monitor
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !c.rep.IsLeader() {
			mon = nil
			continue
		}
		fresh := mon == nil
		if fresh {
			mon, _ = zonerules.NewMonitor(c.f) // checked by newCustody
		}
		c.tick(ctx, mon, fresh)
	}
}

func (c *custody) tick(ctx context.Context, mon *zonerules.Monitor, fresh bool) {
	now := c.now()
	var snap zonerules.Snapshot
	var cmds []*command.Command
	err := c.rep.View(func(tx *bolt.Tx) error {
		states := presence.All(tx)
		snap = snapshot(states)
		cmds = append(cmds, c.count.Tick(tx, c.me, now, func() map[string]string { return located(states) })...)
		cmds = append(cmds, c.rounds.Tick(tx, c.me, now)...)
		return nil
	})
	if err != nil {
		c.log.Warn("custody tick: state unreadable", "err", err)
		return
	}
	raise, _ := mon.Check(snap, now)
	if fresh && len(raise) > 0 {
		raise = c.notOpen(ctx, raise)
	}
	for _, r := range raise {
		c.queue(alarmJob{raise: r})
	}
	for _, cmd := range cmds {
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, err := c.propose(pctx, cmd)
		cancel()
		switch {
		case err == nil, ctx.Err() != nil:
		case errors.Is(err, replica.ErrRejected):
			// The log's clock disagreed (a moment behind), or another
			// node's tick got there first: the next tick tries again.
			c.log.Debug("custody tick refused", "kind", cmd.Kind, "err", err)
		default:
			c.log.Warn("custody tick not recorded", "kind", cmd.Kind, "err", err)
		}
	}
}

// notOpen drops the raises whose key has an open alarm: a new leader's
// fresh tracker sees the violations in progress as new.
func (c *custody) notOpen(ctx context.Context, raise []alarm.Raise) []alarm.Raise {
	open, err := c.alarms.List(ctx, alarm.Filter{OpenOnly: true, Limit: 5000})
	if err != nil {
		return raise
	}
	keys := map[string]bool{}
	for _, a := range open {
		keys[a.Key] = true
	}
	var out []alarm.Raise
	for _, r := range raise {
		if !keys[r.Key] {
			out = append(out, r)
		}
	}
	return out
}

// snapshot is where committed presence puts everyone it knows the place
// of. A resident reported missing is left out: their last zone is where
// they were, not where they are.
func snapshot(states []presence.State) zonerules.Snapshot {
	s := zonerules.Snapshot{}
	for _, st := range states {
		if st.Zone != "" && !st.Missing {
			s[st.Person] = zonerules.Place{Zone: st.Zone, Since: st.Since}
		}
	}
	return s
}

// located is the snapshot a count starts from: person → zone.
func located(states []presence.State) map[string]string {
	out := map[string]string{}
	for _, st := range states {
		if st.Zone != "" && !st.Missing {
			out[st.Person] = st.Zone
		}
	}
	return out
}

// route adds the headcount and rounds appliers to the node's router.
func (c *custody) route(r replica.Router) {
	r["headcount"] = headcount.Applier{Plan: c.count}
	r["rounds"] = rounds.Applier{Plan: c.rounds}
}
