package sallyport

import (
	"fmt"
	"strings"
	"time"
)

// View is a sally port as the console shows it: words, not enum numbers.
type View struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Node      string     `json:"node"`
	At        []float64  `json:"at,omitempty"`
	Outer     GateView   `json:"outer"`
	Inner     GateView   `json:"inner"`
	Loops     LoopsView  `json:"loops"`
	Direction string     `json:"direction"` // idle, entering, leaving
	Stage     string     `json:"stage"`     // the step of the cycle, for the step screen
	Declared  *Occupants `json:"declared,omitempty"`
	Scan      string     `json:"scan"`
	Passed    bool       `json:"passed"`
	Pending   string     `json:"pending_override,omitempty"`
	PendingBy string     `json:"pending_by,omitempty"`
	Granted   string     `json:"granted_override,omitempty"`
	GrantedBy []string   `json:"granted_by,omitempty"`
	History   []StepView `json:"history"` // the current cycle's steps, oldest first
	// ScanStarted is when the running scan began (empty when none runs);
	// ScanSeconds how long a scan lasts, for the progress bar.
	ScanStarted string `json:"scan_started,omitempty"`
	ScanSeconds int    `json:"scan_seconds,omitempty"`
	// Evidence is the last scan's of this cycle, if any.
	Evidence *Evidence `json:"evidence,omitempty"`
}

// GateView is one gate.
type GateView struct {
	Driven   string `json:"driven"`   // open, close, stop
	Position string `json:"position"` // closed, part-open, open, limit-switch fault, not reported
	Secured  bool   `json:"secured"`
}

// LoopsView says which loops report a vehicle.
type LoopsView struct {
	Outer bool `json:"outer"`
	Bay   bool `json:"bay"`
	Inner bool `json:"inner"`
}

// Occupants are the declared occupants.
type Occupants struct {
	People  int `json:"people"`
	Animals int `json:"animals"`
}

// StepView is one step of the history in words.
type StepView struct {
	At      string   `json:"at"`
	By      string   `json:"by,omitempty"`
	What    string   `json:"what"`
	Results []string `json:"results,omitempty"`
}

// NewView describes m with the steps of its current cycle.
func NewView(id, name, node string, m Machine, steps []Step) View {
	v := View{ID: id, Name: name, Node: node, Direction: m.Dir.String(), Scan: m.Scan.String(), Passed: m.Passed,
		Outer: gateView(m.Gates[Outer]), Inner: gateView(m.Gates[Inner]),
		Loops: LoopsView{m.Loops[OuterLoop], m.Loops[BayLoop], m.Loops[InnerLoop]}, Stage: stage(m), History: []StepView{}}
	if m.Declared {
		v.Declared = &Occupants{int(m.People), int(m.Animals)}
	}
	if m.Pending != NoOverride {
		v.Pending, v.PendingBy = m.Pending.String(), m.PendingBy
	}
	if m.Granted != NoOverride {
		v.Granted, v.GrantedBy = m.Granted.String(), m.GrantedBy[:]
	}
	// The current cycle: back to the last step that ended one.
	start := 0
	for i, s := range steps {
		for _, o := range s.Outputs {
			if o.Kind == CycleEnded && i < len(steps)-1 {
				start = i + 1
			}
		}
	}
	for _, s := range steps[start:] {
		v.History = append(v.History, stepView(s))
		switch {
		case s.Input.Kind == StartScan && len(s.Outputs) > 0:
			v.ScanStarted, v.Evidence = s.At.UTC().Format(time.RFC3339Nano), nil
		case s.Input.Kind == ScanResult && s.Input.Evidence != nil:
			v.Evidence = s.Input.Evidence
		}
	}
	if m.Scan != Scanning {
		v.ScanStarted = ""
	}
	return v
}

func gateView(g gate) GateView {
	pos := g.pos().String()
	if !g.Reported {
		pos = "not reported"
	}
	return GateView{Driven: g.Want.String(), Position: pos, Secured: g.secured()}
}

// stage names where the cycle is, for the console's step screen.
func stage(m Machine) string {
	shut := m.Gates[Outer].secured() && m.Gates[Inner].secured()
	switch {
	case m.Dir == Idle && !shut:
		return "gates not confirmed closed"
	case m.Dir == Idle:
		return "waiting for a vehicle"
	case m.ExitOpened:
		return "released"
	case !shut:
		return "vehicle entering the bay"
	case !m.Declared:
		return "declare occupants"
	case m.Scan == Scanning:
		return "scanning"
	case m.Scan == Hidden:
		return "hidden occupant: search the vehicle"
	case m.Passed:
		return "ready to release"
	case m.Dir == Leaving && m.Scan != Clear:
		return "scan the vehicle"
	}
	return "pass the inspection"
}

func stepView(s Step) StepView {
	sv := StepView{At: s.At.UTC().Format("15:04:05"), What: describe(s.Input)}
	if s.Input.Kind >= OpenGate && s.Input.Kind != ScanResult && s.Input.Kind != Expire {
		sv.By = s.Input.By
	}
	for _, o := range s.Outputs {
		if r := describeOutput(o); r != "" {
			sv.Results = append(sv.Results, r)
		}
	}
	return sv
}

func onOff(b bool, on, off string) string {
	if b {
		return on
	}
	return off
}

func describe(in Input) string {
	var s string
	switch in.Kind {
	case LimitSwitch:
		s = fmt.Sprintf("%s %s limit %s", in.Gate, onOff(in.OpenLimit, "open", "closed"), onOff(in.Active, "reached", "left"))
	case LoopSensor:
		s = fmt.Sprintf("%s %s", in.Loop, onOff(in.Active, "occupied", "clear"))
	case OpenGate:
		s = "open the " + in.Gate.String()
	case CloseGate:
		s = "close the " + in.Gate.String()
	case Declare:
		s = fmt.Sprintf("declared %d people, %d animals", in.People, in.Animals)
	case StartScan:
		s = "life-detection scan started"
	case ScanResult:
		s = "scan result: " + in.Result.String()
	case Pass:
		s = "inspection passed"
	case Approve:
		s = fmt.Sprintf("approved the %s override", in.Override)
	case Expire:
		s = "overrides lapsed"
	case EndCycle:
		s = "cycle ended: bay empty"
	default:
		s = fmt.Sprintf("input %d", in.Kind)
	}
	if in.Reason != "" {
		s += " — " + in.Reason
	}
	return s
}

func describeOutput(o Output) string {
	var s string
	switch o.Kind {
	case DriveGate:
		s = fmt.Sprintf("%s driven %s", o.Gate, o.Drive)
	case BeginScan:
		s = "radar scanning"
	case AlarmBothOpen:
		s = "PRIORITY 1: both gates open"
	case AlarmMoved:
		s = fmt.Sprintf("PRIORITY 1: %s moved without a command", o.Gate)
	case AlarmLimits:
		s = fmt.Sprintf("priority 2: %s limit switches contradict", o.Gate)
	case AlarmHidden:
		s = "PRIORITY 1: hidden occupant"
	case AlarmBlocked:
		s = fmt.Sprintf("priority 2: %s stopped on a vehicle", o.Gate)
	case OverrideGranted, CycleEnded:
	default:
		return ""
	}
	if o.Reason != "" {
		if s == "" {
			return o.Reason
		}
		return s + " (" + o.Reason + ")"
	}
	return strings.TrimSpace(s)
}
