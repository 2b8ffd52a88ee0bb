package sallyport

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// The exploration test puts the machine in a small physical world — two
// gate operators that follow the machine's drives one limit switch at a
// time, three loops that a vehicle (or a faulty detector) may set or clear
// at any moment, gates that can be forced, officers and supervisors who
// press anything in any order, a scanner that answers anything — and walks
// breadth-first through every state reachable from rest, to a fixpoint.
// There is no depth bound: the walk ends when no event leads to an unseen
// state, so sequences of every length are covered (the printed depth is the
// longest shortest path to a state).
//
// The world keeps its own account of what happened (who approved what, was
// the bay inspected since its entry gate last opened), apart from the
// machine's fields, and checks after every event:
//
//  1. both gates are never off their closed limits together unless a
//     two-person both-open override was used or a gate was forced; and
//     whenever they are, without the override in force, the priority-1
//     both-open alarm has been raised;
//  2. no gate motor drives closed while its loop reports a vehicle, unless
//     a two-person close-on-loop override allowed that close;
//  3. no gate is driven open except by an officer's accepted command (or
//     the reversal of a closing gate that was legitimately open); the exit
//     gate of a cycle only after the inspection passed since the entry gate
//     last opened — with a clear scan when leaving — or under a two-person
//     release override approved since its last use;
//  4. a hidden-occupant result raises its priority-1 alarm, and a forced
//     gate raises the moved-without-command alarm;
//  5. from every reachable state the port can be brought back to rest:
//     no sequence of events wedges it.

type motor uint8

const (
	still motor = iota
	opening
	closing
)

// approvals are the supervisors (bit 0: sup-a, bit 1: sup-b) who approved
// an override since it was last used or lapsed.
type approvals [4]uint8

func (a approvals) both(o Override) bool { return a[o] == 3 }

// world is the machine with its surroundings and the observer's account.
// Comparable: it is the key of the visited set.
type world struct {
	m      Machine
	pos    [2]Position // physical: Closed, Between or Opened
	motor  [2]motor
	forced [2]bool // forced and not closed since

	inCycle   bool
	entry     Gate
	declared  bool
	scanning  bool
	scanClear bool
	inspected bool
	appr      approvals
	legit     [2]bool // driven open by an accepted command, not closed since
	closeOvr  [2]bool // the close under way was an override
	bothOK    bool    // a both-open override was used; both not closed since
	p1Both    bool    // the both-open alarm was raised in this episode
}

var supervisors = [2]string{"sup-a", "sup-b"}

type event struct {
	name  string
	in    Input
	force bool // physical: force in.Gate off its closed limit
	move  bool // physical: the motor of in.Gate moves it one switch
}

// allEvents lists the events of one exploration. Approvals are explored one
// override kind at a time (ovr; NoOverride: none): approvals of different
// kinds do not interact except that one replaces another's pending first
// approval, and walking all three at once multiplies the states by the
// observer's 64 approval combinations without reaching a new behaviour.
func allEvents(ovr Override) []event {
	var es []event
	for g := Outer; g <= Inner; g++ {
		es = append(es,
			event{name: "motor moves the " + g.String(), move: true, in: Input{Gate: g}},
			event{name: "someone forces the " + g.String(), force: true, in: Input{Gate: g}},
			event{name: "officer opens the " + g.String(), in: Input{Kind: OpenGate, Gate: g, By: "officer"}},
			event{name: "officer closes the " + g.String(), in: Input{Kind: CloseGate, Gate: g, By: "officer"}},
		)
	}
	for l := OuterLoop; l <= InnerLoop; l++ {
		es = append(es,
			event{name: l.String() + " occupied", in: Input{Kind: LoopSensor, Loop: l, Active: true}},
			event{name: l.String() + " clear", in: Input{Kind: LoopSensor, Loop: l}})
	}
	es = append(es,
		event{name: "officer declares one person", in: Input{Kind: Declare, People: 1, By: "officer"}},
		event{name: "officer starts the scan", in: Input{Kind: StartScan, By: "officer"}},
		event{name: "scan: clear", in: Input{Kind: ScanResult, Result: Clear}},
		event{name: "scan: hidden occupant", in: Input{Kind: ScanResult, Result: Hidden}},
		event{name: "scan: inconclusive", in: Input{Kind: ScanResult, Result: Inconclusive}},
		event{name: "officer passes the inspection", in: Input{Kind: Pass, By: "officer"}},
		event{name: "overrides expire", in: Input{Kind: Expire}},
		event{name: "officer ends the cycle", in: Input{Kind: EndCycle, By: "officer"}},
	)
	for o := Release; o <= CloseOnLoop; o++ {
		if o != ovr {
			continue
		}
		for _, by := range supervisors {
			es = append(es, event{name: fmt.Sprintf("%s approves %s", by, o), in: Input{Kind: Approve, Override: o, By: by, Supervisor: true}})
		}
		es = append(es, event{name: fmt.Sprintf("officer approves %s", o), in: Input{Kind: Approve, Override: o, By: "officer"}})
	}
	return es
}

// rest is the starting world: both gates closed and reported closed.
func rest(r Rules) world {
	w := world{}
	for g := Outer; g <= Inner; g++ {
		var err error
		w.m, _, err = w.m.Step(r, Input{Kind: LimitSwitch, Gate: g, Active: true})
		if err != nil {
			panic(err)
		}
	}
	return w
}

func (w world) atRest() bool {
	return w.m.Dir == Idle && w.pos == [2]Position{Closed, Closed} && w.m.Gates[Outer].secured() && w.m.Gates[Inner].secured()
}

// physical moves a gate one limit switch and returns the switch report.
func (w *world) physical(e event) (Input, bool) {
	g := e.in.Gate
	in := Input{Kind: LimitSwitch, Gate: g}
	switch {
	case e.force && w.pos[g] == Closed && w.motor[g] == still:
		w.pos[g], w.forced[g] = Between, true
	case e.force:
		return in, false
	case w.motor[g] == opening && w.pos[g] == Closed:
		w.pos[g] = Between
	case w.motor[g] == opening && w.pos[g] == Between:
		w.pos[g], w.motor[g], in.OpenLimit, in.Active = Opened, still, true, true
	case w.motor[g] == closing && w.pos[g] == Opened:
		w.pos[g], in.OpenLimit = Between, true
	case w.motor[g] == closing && w.pos[g] == Between:
		w.pos[g], w.motor[g], in.Active = Closed, still, true
	default:
		return in, false
	}
	return in, true
}

// next applies e. ok is false when the event is impossible or refused (the
// world is unchanged); a non-empty violation is a broken invariant.
func (w world) next(r Rules, e event) (nw world, ok bool, violation string) {
	in := e.in
	if e.force || e.move {
		var possible bool
		if in, possible = w.physical(e); !possible {
			return w, false, ""
		}
	}
	before := w
	var outs []Output
	var err error
	w.m, outs, err = w.m.Step(r, in)
	if errors.Is(err, ErrRefused) {
		if e.force || e.move {
			return w, false, fmt.Sprintf("sensor report refused: %v", err)
		}
		return before, false, ""
	} else if err != nil {
		return w, false, fmt.Sprintf("unexpected error %v", err)
	}
	if v := w.account(r, e, before, outs); v != "" {
		return w, true, v
	}
	for _, o := range outs {
		if o.Kind != DriveGate {
			continue
		}
		g := o.Gate
		switch o.Drive {
		case Open:
			if !w.legit[g] {
				return w, true, fmt.Sprintf("the machine drove the %s open without an authorised command", g)
			}
			w.motor[g] = opening
			if w.pos[g] == Opened {
				w.motor[g] = still
			}
		case Close:
			w.motor[g] = closing
			if w.pos[g] == Closed {
				w.motor[g] = still
			}
		case Stop:
			w.motor[g] = still
		}
	}
	for g := Outer; g <= Inner; g++ {
		if w.pos[g] == Closed && w.motor[g] != opening {
			w.legit[g], w.forced[g], w.closeOvr[g] = false, false, false
		}
	}
	return w, true, w.check()
}

// account updates the observer's record for an accepted event and checks
// what must hold of that one event.
func (w *world) account(r Rules, e event, before world, outs []Output) string {
	has := func(k OutputKind, g Gate) bool {
		for _, o := range outs {
			if o.Kind == k && (o.Gate == g || k == AlarmHidden || k == AlarmBothOpen) {
				return true
			}
		}
		return false
	}
	for _, o := range outs {
		if o.Kind == AlarmBothOpen {
			w.p1Both = true
		}
		if o.Kind == CycleEnded {
			w.inCycle, w.declared, w.scanning, w.scanClear, w.inspected = false, false, false, false, false
		}
	}
	in := e.in
	switch {
	case e.force:
		if !before.m.MovedAlarm[in.Gate] && !has(AlarmMoved, in.Gate) {
			return fmt.Sprintf("the %s was forced and no moved-without-command alarm was raised", in.Gate)
		}
	case in.Kind == OpenGate:
		g := in.Gate
		if before.pos[g.other()] != Closed || before.motor[g.other()] != still {
			if !w.appr.both(BothOpen) && !before.bothOK {
				return fmt.Sprintf("the %s was opened while the %s was %s, without a both-open override", g, g.other(), before.pos[g.other()])
			}
			w.appr[BothOpen], w.bothOK = 0, true
		}
		switch {
		case !before.inCycle && before.m.Loops[BayLoop]:
			if !w.appr.both(Release) {
				return "a gate was opened on a bay holding an unaccounted vehicle without a release override"
			}
			w.appr[Release] = 0
			fallthrough
		case !before.inCycle:
			w.inCycle, w.entry = true, g
		case g == w.entry:
			w.declared, w.scanning, w.scanClear, w.inspected = false, false, false, false
		case w.inspected:
		case w.appr.both(Release):
			w.appr[Release] = 0
		default:
			return fmt.Sprintf("the exit gate (%s) was opened without a passed inspection or a release override", g)
		}
		w.legit[g] = true
	case in.Kind == CloseGate:
		w.closeOvr[in.Gate] = false
		if before.m.Loops[loopOf(in.Gate)] {
			if !w.appr.both(CloseOnLoop) {
				return fmt.Sprintf("the %s was closed on its occupied loop without an override", in.Gate)
			}
			w.appr[CloseOnLoop], w.closeOvr[in.Gate] = 0, true
		}
	case in.Kind == Declare:
		w.declared, w.scanning, w.scanClear, w.inspected = true, false, false, false
	case in.Kind == StartScan:
		w.scanning, w.scanClear, w.inspected = true, false, false
	case in.Kind == ScanResult:
		if !w.scanning {
			return "a scan result was accepted with no scan running"
		}
		w.scanning, w.scanClear = false, in.Result == Clear
		if in.Result == Hidden && !has(AlarmHidden, 0) {
			return "a hidden occupant was found and no alarm was raised"
		}
	case in.Kind == Pass:
		needScan := w.entry == Inner || r.ScanEntering
		if !w.declared || (needScan && !w.scanClear) {
			return "the inspection passed without a declaration and a clear scan"
		}
		w.inspected = true
	case in.Kind == Approve:
		if in.Supervisor {
			w.appr[in.Override] |= 1 << indexOf(in.By)
		}
	case in.Kind == Expire:
		w.appr = approvals{} // a both-open episode under way stays authorised until both gates shut
	case in.Kind == EndCycle:
		if w.pos != [2]Position{Closed, Closed} || w.m.Loops != [3]bool{} {
			return "the cycle was ended with a gate open or a loop occupied"
		}
		w.inCycle, w.declared, w.scanning, w.scanClear, w.inspected = false, false, false, false, false
	}
	if in.Kind == OpenGate && w.scanning {
		w.scanning = false
	}
	return ""
}

func indexOf(by string) int {
	if by == supervisors[1] {
		return 1
	}
	return 0
}

// check tests the invariants that hold of every state.
func (w world) check() string {
	if w.pos[Outer] != Closed && w.pos[Inner] != Closed {
		if !w.bothOK && !w.forced[Outer] && !w.forced[Inner] {
			return "both gates are open with no override and no gate forced"
		}
		if w.m.Granted != BothOpen && !w.p1Both {
			return "both gates are open and no priority-1 alarm was raised"
		}
	} else {
		w.p1Both = false
	}
	for g := Outer; g <= Inner; g++ {
		if w.motor[g] == closing && w.pos[g] != Closed && w.m.Loops[loopOf(g)] && !w.closeOvr[g] {
			return fmt.Sprintf("the %s is closing on a vehicle", g)
		}
	}
	return ""
}

func explore(t *testing.T, r Rules, ovr Override) {
	es := allEvents(ovr)
	start := rest(r)
	index := map[world]int32{start: 0}
	states := []world{start}
	depth := []uint16{0}
	parent := []int32{-1}
	via := []uint8{0}
	// preds[i] lists the states with an event into i (for the liveness walk).
	preds := [][]int32{nil}
	trace := func(i int32, last string) string {
		var steps []string
		for ; i > 0; i = parent[i] {
			steps = append(steps, es[via[i]].name)
		}
		for a, b := 0, len(steps)-1; a < b; a, b = a+1, b-1 {
			steps[a], steps[b] = steps[b], steps[a]
		}
		return strings.Join(append(steps, last), " → ")
	}
	transitions := 0
	for i := 0; i < len(states); i++ {
		if i%200000 == 0 && i > 0 {
			t.Logf("… %d states expanded, %d seen, depth %d", i, len(states), depth[i])
		}
		for ei, e := range es {
			nw, ok, v := states[i].next(r, e)
			if v != "" {
				t.Fatalf("%s\n  after: %s", v, trace(int32(i), e.name))
			}
			if !ok {
				continue
			}
			transitions++
			j, seen := index[nw]
			if !seen {
				j = int32(len(states))
				index[nw] = j
				states = append(states, nw)
				depth = append(depth, depth[i]+1)
				parent = append(parent, int32(i))
				via = append(via, uint8(ei))
				preds = append(preds, nil)
			}
			if j != int32(i) {
				preds[j] = append(preds[j], int32(i))
			}
		}
	}
	// Liveness: walk backwards from every state at rest.
	back := make([]bool, len(states))
	var queue []int32
	for i, w := range states {
		if w.atRest() {
			back[i] = true
			queue = append(queue, int32(i))
		}
	}
	for len(queue) > 0 {
		j := queue[0]
		queue = queue[1:]
		for _, p := range preds[j] {
			if !back[p] {
				back[p] = true
				queue = append(queue, p)
			}
		}
	}
	maxDepth := uint16(0)
	for i := range states {
		if !back[i] {
			t.Fatalf("no way back to rest from the state reached by: %s", trace(int32(i), ""))
		}
		maxDepth = max(maxDepth, depth[i])
	}
	t.Logf("rules %+v, override %s: %d reachable states, %d transitions over %d kinds of event, deepest state %d events from rest; every invariant holds",
		r, ovr, len(states), transitions, len(es), maxDepth)
	if len(states) < 1000 {
		t.Fatalf("only %d states reached: the world is not exercising the machine", len(states))
	}
}

func TestExploreEveryReachableState(t *testing.T) {
	if raceDetector {
		t.Skip("pure and single-goroutine: scripts/test.sh runs it without -race (110 s under the race detector, 15 s without)")
	}
	for _, r := range []Rules{{}, {ScanEntering: true}} {
		for o := NoOverride; o <= CloseOnLoop; o++ {
			t.Run(fmt.Sprintf("scan_entering=%v/override=%s", r.ScanEntering, o), func(t *testing.T) { explore(t, r, o) })
		}
	}
}
