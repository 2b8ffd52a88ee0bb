package sallyport

import (
	"errors"
	"fmt"
)

// ErrRefused wraps every input the machine refuses; the message says why in
// words an officer understands. Refused inputs change nothing.
var ErrRefused = errors.New("sally port")

// Gate is one of the two gates.
type Gate uint8

// The gates. The outer gate opens to the public side, the inner gate to the
// secure side.
const (
	Outer Gate = iota
	Inner
)

func (g Gate) other() Gate { return 1 - g }

func (g Gate) String() string {
	if g == Outer {
		return "outer gate"
	}
	return "inner gate"
}

// Loop is one of the three vehicle loop detectors.
type Loop uint8

// The loops: one in the line of each gate, one in the bay.
const (
	OuterLoop Loop = iota
	BayLoop
	InnerLoop
)

func (l Loop) String() string {
	return [...]string{"outer gate loop", "bay loop", "inner gate loop"}[l]
}

// loopOf is the loop in a gate's line: a vehicle on it would be struck by
// the closing gate.
func loopOf(g Gate) Loop {
	if g == Outer {
		return OuterLoop
	}
	return InnerLoop
}

// Drive is what the machine tells a gate's operator to do.
type Drive uint8

// Drives. Close is the rest state: a gate the machine has not opened is
// wanted closed.
const (
	Close Drive = iota
	Open
	Stop // halted where it is: neither open nor confirmed closed
)

func (d Drive) String() string { return [...]string{"close", "open", "stop"}[d] }

// Position is where a gate's limit switches say it is.
type Position uint8

// Positions.
const (
	Closed  Position = iota // closed limit only
	Between                 // neither limit: moving, stopped part-way, or forced
	Opened                  // open limit only
	Fault                   // both limits: a sensor is lying
)

func (p Position) String() string {
	return [...]string{"closed", "part-open", "open", "limit-switch fault"}[p]
}

// Direction is which way the vehicle of the current cycle travels.
type Direction uint8

// Directions. The gate a cycle starts with is its entry gate; the other is
// its exit gate, which opens only after the inspection.
const (
	Idle     Direction = iota
	Entering           // outside → inside: entry is the outer gate
	Leaving            // inside → outside: entry is the inner gate
)

func (d Direction) String() string { return [...]string{"idle", "entering", "leaving"}[d] }

func (d Direction) entry() Gate {
	if d == Entering {
		return Outer
	}
	return Inner
}

// Scan is the state of the life-detection scan.
type Scan uint8

// Scan states.
const (
	NoScan       Scan = iota
	Scanning          // the radar is scanning
	Clear             // life signs match the declaration
	Hidden            // more life signs than declared: priority-1 alarm
	Inconclusive      // too short, radar silent, engine running: no release
)

func (s Scan) String() string {
	return [...]string{"not scanned", "scanning", "clear", "hidden occupant", "inconclusive"}[s]
}

// Override is an action that bypasses a rule. It needs two different
// supervisors, both on the record.
type Override uint8

// Overrides.
const (
	NoOverride Override = iota
	// Release opens the exit gate without a passed inspection (radar broken,
	// scan inconclusive, a hidden-occupant alarm judged false after a search).
	Release
	// BothOpen lets a gate open while the other is not closed (an emergency
	// convoy); it lapses when both gates are closed again.
	BothOpen
	// CloseOnLoop closes a gate while its loop reports a vehicle (a stuck
	// loop detector).
	CloseOnLoop
)

func (o Override) String() string {
	return [...]string{"none", "release", "both-open", "close-on-loop"}[o]
}

// gate is what the machine knows of one gate.
type gate struct {
	Want               Drive
	OpenLim, ClosedLim bool
	// Settled: the gate reached the position it was driven to since the
	// last drive; leaving it afterwards is a movement nobody commanded.
	Settled bool
	// Forced: it left the closed position without a command and has not
	// closed since. A forced gate is never reversed open.
	Forced bool
	// Reported: a limit switch of the gate has reported since the start.
	// Until then its position is unknown, not "part-open": no alarm, and
	// it is not secured.
	Reported bool
}

func (g gate) pos() Position {
	switch {
	case g.OpenLim && g.ClosedLim:
		return Fault
	case g.ClosedLim:
		return Closed
	case g.OpenLim:
		return Opened
	}
	return Between
}

// drive records a new drive; a gate already where it is driven is settled.
func (g *gate) drive(d Drive) {
	g.Want = d
	g.Settled = (d == Close && g.pos() == Closed) || (d == Open && g.pos() == Opened)
}

// secured: driven closed and reported closed. Only a secured gate lets the
// other one open.
func (g gate) secured() bool { return g.Want == Close && g.pos() == Closed }

// Machine is the state of one sally port: gates, loops, the vehicle cycle,
// the inspection, the overrides. It is a comparable value with no time in
// it; [Machine.Step] is a pure function, so every node computes the same
// state from the same committed inputs, and the exploration test can
// enumerate every reachable state.
type Machine struct {
	Gates [2]gate
	Loops [3]bool
	Dir   Direction
	// ExitOpened: the exit gate was opened in this cycle; the cycle ends
	// when it is secured again with every loop clear.
	ExitOpened bool

	Declared        bool
	People, Animals uint8
	Scan            Scan
	Passed          bool

	Pending   Override // first approval given, waiting for a second supervisor
	PendingBy string
	Granted   Override
	GrantedBy [2]string
	// BothOpenUsed: a gate opened under the both-open override; the
	// override lapses when both gates are secured again.
	BothOpenUsed bool

	// Alarm episodes, so an alarm is raised once per episode.
	BothOpenAlarm bool
	MovedAlarm    [2]bool
	FaultAlarm    [2]bool
}

// Rules are the facility's choices for one sally port.
type Rules struct {
	// ScanEntering requires a clear scan for entering vehicles too (by
	// default only leaving vehicles, where a hidden person is an escape).
	ScanEntering bool
}

// New returns a sally port at rest: both gates driven closed, limit
// switches not yet reported (a gate is not secured until its closed limit
// is seen).
func New() Machine { return Machine{} }

// InputKind says what an Input is.
type InputKind uint8

// Input kinds: sensor reports first, then officers' and supervisors'
// actions, then the scanner's result and the clock.
const (
	LimitSwitch InputKind = iota + 1 // Gate, OpenLimit (which switch), Active
	LoopSensor                       // Loop, Active (occupied)
	OpenGate                         // Gate
	CloseGate                        // Gate
	Declare                          // People, Animals
	StartScan
	ScanResult // Result
	Pass       // the officer passes the inspection
	Approve    // Override, By, Supervisor
	Expire     // pending and granted overrides lapse
	EndCycle   // the officer records the bay empty and ends the cycle
)

// Input is one committed event for the machine.
type Input struct {
	Kind      InputKind
	Gate      Gate
	Loop      Loop
	OpenLimit bool // LimitSwitch: the open limit (else the closed limit)
	Active    bool
	People    uint8
	Animals   uint8
	Result    Scan
	Override  Override
	By        string // who acted
	// Supervisor: By holds a supervisor's (or an administrator's) role.
	Supervisor bool
	// Reason is what the person said, for the record (approvals, overrides).
	Reason string
	// Evidence is what a scan found (ScanResult, from the owning node).
	Evidence *Evidence `json:",omitempty"`
}

// Output is what a step asks of the world.
type Output struct {
	Kind   OutputKind
	Gate   Gate
	Drive  Drive
	Reason string
}

// OutputKind says what an Output is.
type OutputKind uint8

// Outputs.
const (
	DriveGate       OutputKind = iota + 1 // drive Gate with Drive
	BeginScan                             // start the radar scan
	AlarmBothOpen                         // P1: both gates report not closed
	AlarmMoved                            // P1: Gate moved without a command
	AlarmLimits                           // P2: Gate's limit switches contradict
	AlarmHidden                           // P1: hidden occupant
	AlarmBlocked                          // P2: a closing gate met a vehicle and could not reverse
	OverrideGranted                       // a two-person override is in force
	CycleEnded                            // the vehicle is through; the port is idle
)

func refuse(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, a...))
}

// Step applies one input and returns the new state and what the world must
// do. A refused input returns the machine unchanged and an error wrapping
// [ErrRefused].
func (m Machine) Step(r Rules, in Input) (Machine, []Output, error) {
	var out []Output
	var err error
	switch in.Kind {
	case LimitSwitch:
		g := &m.Gates[in.Gate]
		g.Reported = true
		if in.OpenLimit {
			g.OpenLim = in.Active
		} else {
			g.ClosedLim = in.Active
		}
		out = m.limitChanged(in.Gate, out)
	case LoopSensor:
		m.Loops[in.Loop] = in.Active
		out = m.loopChanged(in.Loop, out)
	case OpenGate:
		out, err = m.open(r, in.Gate, out)
	case CloseGate:
		out, err = m.close(in.Gate, out)
	case Declare:
		err = m.declare(in)
	case StartScan:
		if err = m.inspecting("scan"); err == nil && !m.Declared {
			err = refuse("declare the vehicle's occupants before the scan")
		}
		if err == nil {
			m.Scan, m.Passed = Scanning, false
			out = append(out, Output{Kind: BeginScan})
		}
	case ScanResult:
		if m.Scan != Scanning {
			return m, nil, refuse("no scan is running")
		}
		switch in.Result {
		case Clear, Inconclusive:
		case Hidden:
			out = append(out, Output{Kind: AlarmHidden, Reason: "more life signs than the declared occupants"})
		default:
			return m, nil, refuse("scan result %s is not a result", in.Result)
		}
		m.Scan = in.Result
	case Pass:
		err = m.pass(r)
	case Approve:
		out, err = m.approve(in, out)
	case Expire:
		m.Pending, m.PendingBy, m.Granted, m.GrantedBy, m.BothOpenUsed = NoOverride, "", NoOverride, [2]string{}, false
	case EndCycle:
		if m.Dir == Idle {
			return m, nil, refuse("no vehicle cycle is in progress")
		}
		if !m.Gates[Outer].secured() || !m.Gates[Inner].secured() || m.Loops != [3]bool{} {
			return m, nil, refuse("both gates must be closed and every loop clear to end the cycle")
		}
		m.reset()
		out = append(out, Output{Kind: CycleEnded, Reason: "ended by the officer: bay empty"})
	default:
		return m, nil, refuse("unknown input %d", in.Kind)
	}
	if err != nil {
		return m, nil, err
	}
	out = m.settle(out)
	return m, out, nil
}

// open drives g open if the interlock and the inspection allow it.
func (m *Machine) open(r Rules, g Gate, out []Output) ([]Output, error) {
	if !m.Gates[g.other()].secured() {
		if m.Granted != BothOpen {
			return out, refuse("the %s is not closed: the gates never stand open together", g.other())
		}
		m.BothOpenUsed = true
	}
	if m.Gates[g].pos() == Fault {
		return out, refuse("the %s reports a limit-switch fault", g)
	}
	switch {
	case m.Dir == Idle && m.Loops[BayLoop] && m.Granted != Release:
		return out, refuse("the bay loop reports a vehicle but no cycle is in progress: check the bay; two supervisors must override (release) to open")
	case m.Dir == Idle:
		if m.Granted == Release && m.Loops[BayLoop] {
			m.Granted, m.GrantedBy = NoOverride, [2]string{}
		}
		m.Dir = Entering
		if g == Inner {
			m.Dir = Leaving
		}
	case g == m.Dir.entry():
		// The vehicle backs out, or the gate reopens: whatever entered the
		// bay since the inspection has not been inspected.
		m.Declared, m.People, m.Animals, m.Scan, m.Passed = false, 0, 0, NoScan, false
	default: // the exit gate
		switch {
		case m.Passed:
		case m.Granted == Release:
			m.Granted, m.GrantedBy = NoOverride, [2]string{}
		case m.Scan == Hidden:
			return out, refuse("the scan found a hidden occupant: search the vehicle and rescan, or two supervisors must override")
		default:
			return out, refuse("the inspection has not passed: declare the occupants%s, then pass the inspection", scanWord(r, m.Dir))
		}
		m.ExitOpened = true
	}
	if m.Scan == Scanning {
		m.Scan = NoScan
	}
	m.Gates[g].drive(Open)
	return append(out, Output{Kind: DriveGate, Gate: g, Drive: Open}), nil
}

func scanWord(r Rules, d Direction) string {
	if d == Leaving || r.ScanEntering {
		return ", scan the vehicle"
	}
	return ""
}

// close drives g closed unless a vehicle stands in its line.
func (m *Machine) close(g Gate, out []Output) ([]Output, error) {
	if m.Loops[loopOf(g)] {
		if m.Granted != CloseOnLoop {
			return out, refuse("a vehicle is on the %s: the gate never closes on a vehicle", loopOf(g))
		}
		m.Granted, m.GrantedBy = NoOverride, [2]string{}
	}
	if m.Gates[g].Want != Close {
		m.Gates[g].drive(Close)
	}
	return append(out, Output{Kind: DriveGate, Gate: g, Drive: Close}), nil
}

// inspecting checks the bay is shut with a vehicle cycle in progress.
func (m *Machine) inspecting(what string) error {
	switch {
	case m.Dir == Idle:
		return refuse("no vehicle in the sally port to %s", what)
	case !m.Gates[Outer].secured() || !m.Gates[Inner].secured():
		return refuse("both gates must be closed to %s", what)
	}
	return nil
}

func (m *Machine) declare(in Input) error {
	if err := m.inspecting("declare its occupants"); err != nil {
		return err
	}
	if in.People > 20 || in.Animals > 20 {
		return refuse("%d people and %d animals is not a vehicle's load", in.People, in.Animals)
	}
	m.Declared, m.People, m.Animals = true, in.People, in.Animals
	m.Scan, m.Passed = NoScan, false // a new declaration needs a new scan
	return nil
}

func (m *Machine) pass(r Rules) error {
	if err := m.inspecting("pass the inspection"); err != nil {
		return err
	}
	if !m.Declared {
		return refuse("declare the vehicle's occupants first")
	}
	if m.Dir == Leaving || r.ScanEntering {
		switch m.Scan {
		case Clear:
		case Hidden:
			return refuse("the scan found a hidden occupant: search the vehicle and rescan")
		case Scanning:
			return refuse("the scan is still running")
		default:
			return refuse("the scan is %s: a leaving vehicle needs a clear scan", m.Scan)
		}
	}
	m.Passed = true
	return nil
}

func (m *Machine) approve(in Input, out []Output) ([]Output, error) {
	switch {
	case !in.Supervisor:
		return out, refuse("only a supervisor may approve an override")
	case in.By == "":
		return out, refuse("an approval must name the supervisor")
	case in.Override < Release || in.Override > CloseOnLoop:
		return out, refuse("unknown override %d", in.Override)
	case m.Granted != NoOverride:
		return out, refuse("the %s override is already in force", m.Granted)
	case m.Pending == in.Override && m.PendingBy == in.By:
		return out, refuse("%s already approved: a second, different supervisor must approve", in.By)
	case m.Pending == in.Override:
		m.Granted, m.GrantedBy = in.Override, [2]string{m.PendingBy, in.By}
		m.Pending, m.PendingBy = NoOverride, ""
		return append(out, Output{Kind: OverrideGranted, Reason: fmt.Sprintf("%s override approved by %s and %s", m.Granted, m.GrantedBy[0], m.GrantedBy[1])}), nil
	}
	m.Pending, m.PendingBy = in.Override, in.By // a new first approval replaces another kind's
	return out, nil
}

// limitChanged reacts to a gate's limit switches.
func (m *Machine) limitChanged(gi Gate, out []Output) []Output {
	g := &m.Gates[gi]
	p := g.pos()
	if p == Fault {
		if !m.FaultAlarm[gi] {
			m.FaultAlarm[gi] = true
			out = append(out, Output{Kind: AlarmLimits, Gate: gi, Reason: fmt.Sprintf("the %s reports open and closed at once", gi)})
		}
		return out
	}
	m.FaultAlarm[gi] = false
	switch {
	case (g.Want == Close && p == Closed) || (g.Want == Open && p == Opened):
		g.Settled, m.MovedAlarm[gi] = true, false
		if p == Closed {
			g.Forced = false
		}
	case g.Want == Close && g.Settled:
		// Left the closed position with no command: forced, or a failed
		// operator. Drive it closed again.
		g.Settled, g.Forced = false, true
		if !m.MovedAlarm[gi] {
			m.MovedAlarm[gi] = true
			out = append(out, Output{Kind: AlarmMoved, Gate: gi, Reason: fmt.Sprintf("the %s opened without a command", gi)})
			if m.Loops[loopOf(gi)] {
				g.drive(Stop) // never onto a vehicle
				out = append(out, Output{Kind: DriveGate, Gate: gi, Drive: Stop, Reason: "a vehicle is in the gate's line"})
			} else {
				out = append(out, Output{Kind: DriveGate, Gate: gi, Drive: Close, Reason: "closing a gate that moved without a command"})
			}
		}
	}
	return out
}

// loopChanged reverses a closing gate that meets a vehicle.
func (m *Machine) loopChanged(l Loop, out []Output) []Output {
	if !m.Loops[l] || l == BayLoop {
		return out
	}
	gi := Outer
	if l == InnerLoop {
		gi = Inner
	}
	g := &m.Gates[gi]
	if g.Want != Close || g.pos() == Closed {
		return out
	}
	if !g.Forced && (m.Gates[gi.other()].secured() || m.Granted == BothOpen) {
		g.drive(Open)
		return append(out, Output{Kind: DriveGate, Gate: gi, Drive: Open, Reason: "reversed: a vehicle is in the gate's line"})
	}
	g.drive(Stop)
	return append(out, Output{Kind: DriveGate, Gate: gi, Drive: Stop, Reason: "stopped: a vehicle is in the gate's line"},
		Output{Kind: AlarmBlocked, Gate: gi, Reason: fmt.Sprintf("the %s stopped on a vehicle in its line", gi)})
}

// settle raises the both-open alarm and ends a finished cycle.
func (m *Machine) settle(out []Output) []Output {
	both := m.Gates[Outer].Reported && m.Gates[Inner].Reported &&
		m.Gates[Outer].pos() != Closed && m.Gates[Inner].pos() != Closed
	switch {
	case both && !m.BothOpenAlarm && m.Granted != BothOpen:
		m.BothOpenAlarm = true
		out = append(out, Output{Kind: AlarmBothOpen, Reason: fmt.Sprintf("outer gate %s and inner gate %s", m.Gates[Outer].pos(), m.Gates[Inner].pos())})
	case !both:
		m.BothOpenAlarm = false
	}
	if m.Granted == BothOpen && m.BothOpenUsed && m.Gates[Outer].secured() && m.Gates[Inner].secured() {
		m.Granted, m.GrantedBy, m.BothOpenUsed = NoOverride, [2]string{}, false
	}
	// The cycle ends when the exit gate is shut behind the vehicle: the bay
	// and the exit line clear (the next vehicle may wait at the entry).
	if m.Dir != Idle && m.ExitOpened && m.Gates[Outer].secured() && m.Gates[Inner].secured() &&
		!m.Loops[BayLoop] && !m.Loops[loopOf(m.Dir.entry().other())] {
		m.reset()
		out = append(out, Output{Kind: CycleEnded, Reason: "the vehicle is through"})
	}
	return out
}

// reset ends the cycle: what the sensors report and the open alarm
// episodes stay; the inspection and the overrides go.
func (m *Machine) reset() {
	*m = Machine{Gates: m.Gates, Loops: m.Loops, BothOpenAlarm: m.BothOpenAlarm, MovedAlarm: m.MovedAlarm, FaultAlarm: m.FaultAlarm}
}
