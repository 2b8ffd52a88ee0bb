package sallyport

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// run feeds inputs and fails on the first refusal, returning the machine
// and every output.
func run(t *testing.T, r Rules, m Machine, ins ...Input) (Machine, []Output) {
	t.Helper()
	var all []Output
	for i, in := range ins {
		var out []Output
		var err error
		if m, out, err = m.Step(r, in); err != nil {
			t.Fatalf("input %d (%+v): %v", i, in, err)
		}
		all = append(all, out...)
	}
	return m, all
}

func limit(g Gate, open, active bool) Input {
	return Input{Kind: LimitSwitch, Gate: g, OpenLimit: open, Active: active}
}
func loop(l Loop, on bool) Input { return Input{Kind: LoopSensor, Loop: l, Active: on} }

// moveOpen and moveClosed are the two limit reports of a full travel.
func moveOpen(g Gate) []Input   { return []Input{limit(g, false, false), limit(g, true, true)} }
func moveClosed(g Gate) []Input { return []Input{limit(g, true, false), limit(g, false, true)} }

func atRest(t *testing.T) Machine {
	m, _ := run(t, Rules{}, New(), limit(Outer, false, true), limit(Inner, false, true))
	return m
}

func cat(parts ...any) []Input {
	var ins []Input
	for _, p := range parts {
		switch v := p.(type) {
		case Input:
			ins = append(ins, v)
		case []Input:
			ins = append(ins, v...)
		}
	}
	return ins
}

func TestLeavingVehicleNeedsAClearScan(t *testing.T) {
	m := atRest(t)
	// A vehicle leaves: inner gate, into the bay, inner gate shut.
	m, _ = run(t, Rules{}, m, cat(loop(InnerLoop, true), Input{Kind: OpenGate, Gate: Inner}, moveOpen(Inner),
		loop(BayLoop, true), loop(InnerLoop, false), Input{Kind: CloseGate, Gate: Inner}, moveClosed(Inner),
		Input{Kind: Declare, People: 1})...)
	if m.Dir != Leaving {
		t.Fatalf("direction %s, want leaving", m.Dir)
	}
	_, _, err := m.Step(Rules{}, Input{Kind: Pass})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "clear scan") {
		t.Fatalf("pass without a scan: %v, want a refusal asking for a clear scan", err)
	}
	m, out := run(t, Rules{}, m, Input{Kind: StartScan}, Input{Kind: ScanResult, Result: Hidden})
	if !hasOutput(out, AlarmHidden) || !hasOutput(out, BeginScan) {
		t.Fatalf("outputs %+v: want the scan begun and a hidden-occupant alarm", out)
	}
	if _, _, err := m.Step(Rules{}, Input{Kind: OpenGate, Gate: Outer}); err == nil || !strings.Contains(err.Error(), "hidden occupant") {
		t.Fatalf("release after a hidden-occupant scan: %v", err)
	}
	// Searched, rescanned clear, passed, released; the cycle ends behind it.
	m, out = run(t, Rules{}, m, cat(Input{Kind: StartScan}, Input{Kind: ScanResult, Result: Clear}, Input{Kind: Pass},
		loop(OuterLoop, true), Input{Kind: OpenGate, Gate: Outer}, moveOpen(Outer), loop(BayLoop, false), loop(OuterLoop, false),
		Input{Kind: CloseGate, Gate: Outer}, moveClosed(Outer))...)
	if !hasOutput(out, CycleEnded) || m.Dir != Idle {
		t.Fatalf("after the exit gate shut behind the vehicle: dir %s, outputs %+v", m.Dir, out)
	}
}

func TestOverrideNeedsTwoDifferentSupervisors(t *testing.T) {
	m := atRest(t)
	m, _ = run(t, Rules{}, m, cat(Input{Kind: OpenGate, Gate: Inner}, moveOpen(Inner), loop(BayLoop, true),
		Input{Kind: CloseGate, Gate: Inner}, moveClosed(Inner), Input{Kind: Declare, People: 1},
		Input{Kind: StartScan}, Input{Kind: ScanResult, Result: Inconclusive})...)
	for _, c := range []struct {
		in   Input
		want string
	}{
		{Input{Kind: Approve, Override: Release, By: "officer-1"}, "only a supervisor"},
		{Input{Kind: OpenGate, Gate: Outer}, "inspection has not passed"},
	} {
		if _, _, err := m.Step(Rules{}, c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%+v: %v, want %q", c.in, err, c.want)
		}
	}
	m, _ = run(t, Rules{}, m, Input{Kind: Approve, Override: Release, By: "sup-a", Supervisor: true})
	if _, _, err := m.Step(Rules{}, Input{Kind: Approve, Override: Release, By: "sup-a", Supervisor: true}); err == nil || !strings.Contains(err.Error(), "different supervisor") {
		t.Fatalf("the same supervisor twice: %v", err)
	}
	m, out := run(t, Rules{}, m, Input{Kind: Approve, Override: Release, By: "sup-b", Supervisor: true})
	if !hasOutput(out, OverrideGranted) || m.GrantedBy != [2]string{"sup-a", "sup-b"} {
		t.Fatalf("granted %s by %v, outputs %+v", m.Granted, m.GrantedBy, out)
	}
	m, _ = run(t, Rules{}, m, Input{Kind: OpenGate, Gate: Outer})
	if m.Granted != NoOverride {
		t.Fatalf("the release override is single-use, still %s", m.Granted)
	}
}

func TestSensorsThatContradictRaiseAlarms(t *testing.T) {
	m := atRest(t)
	_, out := run(t, Rules{}, m, limit(Outer, true, true))
	if !hasOutput(out, AlarmLimits) {
		t.Fatalf("both limits of one gate: %+v", out)
	}
	m, out = run(t, Rules{}, m, limit(Outer, false, false), limit(Inner, false, false))
	if !hasOutput(out, AlarmBothOpen) || !hasOutput(out, AlarmMoved) {
		t.Fatalf("both gates leave their closed limits with no command: %+v", out)
	}
	if _, _, err := m.Step(Rules{}, Input{Kind: OpenGate, Gate: Outer}); err == nil {
		t.Fatal("a gate opened while the other is not closed")
	}
}

func TestClosingGateReversesForAVehicle(t *testing.T) {
	m := atRest(t)
	m, _ = run(t, Rules{}, m, cat(Input{Kind: OpenGate, Gate: Outer}, moveOpen(Outer), Input{Kind: CloseGate, Gate: Outer}, limit(Outer, true, false))...)
	m, out := run(t, Rules{}, m, loop(OuterLoop, true))
	if len(out) != 1 || out[0].Kind != DriveGate || out[0].Drive != Open || m.Gates[Outer].Want != Open {
		t.Fatalf("a vehicle in the line of the closing gate: %+v", out)
	}
	if _, _, err := m.Step(Rules{}, Input{Kind: CloseGate, Gate: Outer}); err == nil || !strings.Contains(err.Error(), "never closes on a vehicle") {
		t.Fatalf("close on an occupied loop: %v", err)
	}
}

func hasOutput(out []Output, k OutputKind) bool {
	for _, o := range out {
		if o.Kind == k {
			return true
		}
	}
	return false
}

// At start no limit switch has reported: the gates are unknown, not open,
// so nothing opens and no both-open alarm is raised.
func TestUnreportedGatesAreNotAnAlarm(t *testing.T) {
	m, out := run(t, Rules{}, New(), Input{Kind: Approve, Override: Release, By: "sup-a", Supervisor: true}, limit(Outer, false, true))
	if hasOutput(out, AlarmBothOpen) {
		t.Fatalf("both-open alarm before the inner gate reported: %+v", out)
	}
	if _, _, err := m.Step(Rules{}, Input{Kind: OpenGate, Gate: Outer}); err == nil || !strings.Contains(err.Error(), "inner gate is not closed") {
		t.Fatalf("open with the inner gate unreported: %v", err)
	}
	if v := NewView("p", "P", "n", m, nil); v.Inner.Position != "not reported" || v.Outer.Position != "closed" {
		t.Fatalf("view: outer %q inner %q", v.Outer.Position, v.Inner.Position)
	}
}

// The step screen learns when the running scan began (for its progress
// bar), and the last scan's evidence once it is judged.
func TestViewShowsTheScanInProgressThenItsEvidence(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	begin := Step{Index: 1, At: at, Input: Input{Kind: StartScan}, Outputs: []Output{{Kind: BeginScan}}}
	m := Machine{Dir: Leaving, Declared: true, People: 1, Scan: Scanning}
	v := NewView("p", "P", "n", m, []Step{begin})
	if v.ScanStarted != "2026-11-27T09:00:00Z" || v.Evidence != nil {
		t.Fatalf("while scanning: %+v", v)
	}
	ev := &Evidence{Verdict: "hidden-occupant", Declared: "1 person, no animal", Signatures: []Sign{{Kind: "human", RangeM: 1.1}, {Kind: "human", RangeM: 3.2}}}
	done := Step{Index: 2, At: at.Add(30 * time.Second), Input: Input{Kind: ScanResult, Result: Hidden, Evidence: ev}, Outputs: []Output{{Kind: AlarmHidden}}}
	m.Scan = Hidden
	v = NewView("p", "P", "n", m, []Step{begin, done})
	if v.ScanStarted != "" || v.Evidence == nil || len(v.Evidence.Signatures) != 2 {
		t.Fatalf("after the scan: %+v", v)
	}
	// A new scan hides the old evidence until it is judged.
	again := Step{Index: 3, At: at.Add(time.Minute), Input: Input{Kind: StartScan}, Outputs: []Output{{Kind: BeginScan}}}
	m.Scan = Scanning
	if v = NewView("p", "P", "n", m, []Step{begin, done, again}); v.Evidence != nil || v.ScanStarted == "" {
		t.Fatalf("rescan: %+v", v)
	}
}
