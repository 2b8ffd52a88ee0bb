package sallyport

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/sensors/radar"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// Raiser is the alarm core as the service needs it.
type Raiser interface {
	RaiseLocal(ctx context.Context, r alarm.Raise) (alarm.Alarm, error)
}

// Replica is the replicated log as the service needs it.
type Replica interface {
	Propose(ctx context.Context, c *command.Command) (replica.Result, error)
	View(fn func(*bolt.Tx) error) error
	WaitApplied(ctx context.Context, index uint64) error
}

// Timing bounds of the owning node's service.
const (
	// MaxAge is how old a committed step may be for the node to act on its
	// outputs: a log replayed after a restart never moves a gate, never
	// starts a scan. The actuator refuses older requests by the same
	// bound.
	MaxAge = 10 * time.Second
	// OverrideLapse is how long a pending approval or a granted override
	// stays in force.
	OverrideLapse = 5 * time.Minute
	// scanGrace is how long past its end a scan waits for the radar's last
	// frames before it is judged with what came.
	scanGrace = 2 * time.Second
)

// Service is the owning node's side of its sally ports: it reports the
// limit switches and loops as committed inputs, moves the gate operators
// for committed drives, runs the life-detection scans, raises the alarms
// and lets overrides lapse. Every decision is the machine's, taken on the
// log; the service only carries the world to it and back.
//
// Concurrency: Sense, Radar and Observe may be called from any goroutine;
// Run owns the workers.
type Service struct {
	node   string
	rep    Replica
	raiser Raiser
	log    *slog.Logger
	now    func() time.Time
	scan   ScanConfig

	mu       sync.Mutex // guards ports' mutable fields and jobs
	ports    map[string]*port
	byDevice map[string]slot
	byRadar  map[string]*port
	jobs     []job
	wake     chan struct{} // capacity 1: the worker has something to do
}

// ScanConfig is how scans are judged; Detector builds the detector of one
// scan. The zero value uses DefaultScan.
type ScanConfig struct {
	Detector func(people, animals int) Detector
}

// Detector is a life-detection scan as the service drives it
// (edge/lifescan's Detector through an adapter, or a test's).
type Detector interface {
	Add(at time.Time, f radar.Frame)
	Judge(at time.Time) (Scan, Evidence)
}

type port struct {
	cfg   facility.SallyPort
	rules Rules
	zone  string
	// Levels as the devices report them; known until reported is false.
	limits [2][2]level // gate × (closed, open)
	loops  [3]level
	// The running scan, if any.
	scan *scanRun
	// When the current approval was given (the log's time), for the lapse.
	approvedAt time.Time
	// failing: the last report could not be committed (logged once).
	failing bool
}

type level struct{ known, active bool }

// slot is what a device reports for a port.
type slot struct {
	p         *port
	limit     bool // a limit switch (else a loop)
	gate      Gate
	openLimit bool
	loop      Loop
}

type scanRun struct {
	index      uint64 // the step that began it
	start, end time.Time
	det        Detector
	frames     int
}

// job is work for the service's worker, in order.
type job struct {
	kind  jobKind
	port  *port
	index uint64
	out   Output
	n     int
	at    time.Time
	in    Input
	actor string
	scan  *scanRun
}

type jobKind uint8

const (
	jobDrive jobKind = iota + 1
	jobScan
	jobAlarm
	jobJudge
)

// NewService builds the service of the sally ports f gives to node. rep
// and raiser are the node's log and alarm core.
func NewService(f *facility.Facility, node string, rep Replica, raiser Raiser, scan ScanConfig, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if scan.Detector == nil {
		scan = DefaultScan()
	}
	s := &Service{node: node, rep: rep, raiser: raiser, log: log.With("component", "sallyport"), now: now, scan: scan,
		ports: map[string]*port{}, byDevice: map[string]slot{}, byRadar: map[string]*port{}, wake: make(chan struct{}, 1)}
	dir := FacilityDirectory(f)
	for _, sp := range f.SallyPorts {
		if dir.Owner(sp.ID) != node {
			continue
		}
		rules, _ := dir.Rules(sp.ID)
		p := &port{cfg: sp, rules: rules, zone: sp.Zone}
		s.ports[sp.ID] = p
		for gi, g := range []facility.SallyGate{sp.Outer, sp.Inner} {
			s.byDevice[g.Closed] = slot{p: p, limit: true, gate: Gate(gi)}
			s.byDevice[g.Opened] = slot{p: p, limit: true, gate: Gate(gi), openLimit: true}
			s.byDevice[g.Loop] = slot{p: p, loop: loopOf(Gate(gi))}
		}
		s.byDevice[sp.BayLoop] = slot{p: p, loop: BayLoop}
		if sp.Radar != "" {
			s.byRadar[sp.Radar] = p
		}
	}
	return s
}

// Ports returns the ids of the ports this node owns.
func (s *Service) Ports() []string {
	out := make([]string, 0, len(s.ports))
	for id := range s.ports {
		out = append(out, id)
	}
	return out
}

// Sense reports the level of a limit switch or loop (by device id). The
// node calls it with each input's level when the input is opened, then on
// every settled change. A device of no port of this node is ignored.
func (s *Service) Sense(device string, active bool) {
	sl, ok := s.byDevice[device]
	if !ok {
		return
	}
	s.mu.Lock()
	if sl.limit {
		i := 0
		if sl.openLimit {
			i = 1
		}
		sl.p.limits[sl.gate][i] = level{known: true, active: active}
	} else {
		sl.p.loops[sl.loop] = level{known: true, active: active}
	}
	s.mu.Unlock()
	s.poke()
}

// Radar passes an event of a radar (by device id) to the scan of its port.
// It does not block.
func (s *Service) Radar(device string, ev radar.Event) {
	p, ok := s.byRadar[device]
	if !ok {
		return
	}
	fe, ok := ev.(radar.FrameEvent)
	if !ok {
		return // silence shows as a gap in the frames: the detector's rule
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := p.scan
	if sc == nil || fe.At.Before(sc.start) {
		return
	}
	if !fe.At.After(sc.end) {
		sc.det.Add(fe.At, fe.Frame)
		sc.frames++
		return
	}
	s.finishLocked(p, fe.At)
}

// Tick lets time pass: scans whose radar went silent end, approvals lapse.
func (s *Service) Tick(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.ports {
		if p.scan != nil && now.After(p.scan.end.Add(scanGrace)) {
			s.finishLocked(p, now)
		}
	}
	s.wakeLocked()
}

// finishLocked ends p's scan and hands it to the worker to be judged
// (s.mu held). Judging thousands of frames takes a while: never under the
// lock that Observe, on raft's apply goroutine, needs.
func (s *Service) finishLocked(p *port, at time.Time) {
	sc := p.scan
	p.scan = nil
	s.jobs = append(s.jobs, job{kind: jobJudge, port: p, scan: sc, at: at})
	s.wakeLocked()
}

// judge judges a finished scan and commits its result — if the machine
// still waits for that very scan: a rescan or a new declaration since
// then voids it (its verdict answered another question).
func (s *Service) judge(ctx context.Context, j job) {
	sc := j.scan
	res, ev := sc.det.Judge(sc.end)
	if sc.frames == 0 {
		res, ev = Inconclusive, Evidence{Verdict: Inconclusive.String(), Reason: "the radar sent nothing during the scan"}
	}
	ev.Began = sc.start
	current := false
	_ = s.rep.View(func(tx *bolt.Tx) error {
		if m, _ := Load(tx, j.port.cfg.ID); m.Scan != Scanning {
			return nil
		}
		steps := History(tx, j.port.cfg.ID, 64)
		for i := len(steps) - 1; i >= 0; i-- {
			if st := steps[i]; st.Input.Kind == StartScan && len(st.Outputs) > 0 {
				current = st.Index == sc.index
				break
			}
		}
		return nil
	})
	if !current {
		s.log.Info("scan result dropped: the scan was voided or superseded", "port", j.port.cfg.ID, "result", res)
		return
	}
	s.log.Info("scan judged", "port", j.port.cfg.ID, "result", res, "frames", sc.frames, "reason", ev.Reason)
	if err := s.propose(ctx, j.port, Input{Kind: ScanResult, Result: res, Reason: ev.Reason, Evidence: &ev}); err != nil {
		s.log.Error("scan result not recorded: the vehicle stays held", "port", j.port.cfg.ID, "err", err)
	}
}

func (s *Service) poke() {
	s.mu.Lock()
	s.wakeLocked()
	s.mu.Unlock()
}

func (s *Service) wakeLocked() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Observe learns the committed inputs of this node's ports and queues what
// their outputs ask of the hardware — only for steps younger than MaxAge.
// It runs on the replica's apply goroutine and does not block.
func (s *Service) Observe(as []replica.Applied) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range as {
		if a.Err != nil || a.Dup || a.Command.Kind != KindInput {
			continue
		}
		var b Body
		if json.Unmarshal(a.Command.Body, &b) != nil {
			continue
		}
		p := s.ports[b.Port]
		if p == nil {
			continue
		}
		var outs []Output
		_ = json.Unmarshal(a.Result, &outs)
		if b.Input.Kind == Approve {
			p.approvedAt = a.Time
		}
		if b.Input.Kind == Expire {
			p.approvedAt = time.Time{}
		}
		if age := now.Sub(a.Time); a.Time.IsZero() || age > MaxAge {
			if age < time.Minute && len(outs) > 0 {
				// Not a replay: this node's clock and the leader's
				// disagree, or it is far behind — say so.
				s.log.Warn("sally port step not acted on: older than the bound when applied here", "port", b.Port,
					"index", a.Index, "age", age, "bound", MaxAge)
			}
			continue
		}
		for i, o := range outs {
			switch o.Kind {
			case DriveGate:
				s.jobs = append(s.jobs, job{kind: jobDrive, port: p, index: a.Index, out: o, n: i, at: a.Time})
			case BeginScan:
				s.jobs = append(s.jobs, job{kind: jobScan, port: p, index: a.Index, at: a.Time})
			case AlarmBothOpen, AlarmMoved, AlarmLimits, AlarmHidden, AlarmBlocked:
				s.jobs = append(s.jobs, job{kind: jobAlarm, port: p, index: a.Index, out: o, at: a.Time, in: b.Input, actor: a.Command.Actor})
			}
		}
		if b.Input.Kind == OpenGate || b.Input.Kind == EndCycle || (b.Input.Kind == ScanResult && p.scan != nil) {
			// A scan in progress is void once the bay is opened or the
			// cycle ends; a result recorded some other way ends it too.
			if p.scan != nil && b.Input.Kind != ScanResult {
				s.log.Info("scan abandoned", "port", p.cfg.ID, "by", b.Input.Kind)
			}
			p.scan = nil
		}
	}
	s.wakeLocked()
}

// Run works until ctx ends: it commits the sensors' levels where the
// machine does not know them, moves the gates, starts scans, raises alarms
// and lets approvals lapse. tick is how often time is looked at (250 ms on
// a node).
func (s *Service) Run(ctx context.Context, tick time.Duration) {
	if len(s.ports) == 0 {
		return
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		s.work(ctx)
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
			s.Tick(s.now())
		}
	}
}

// work does everything queued, then reconciles each port, until there is
// nothing left or ctx ends.
func (s *Service) work(ctx context.Context) {
	for ctx.Err() == nil {
		s.mu.Lock()
		jobs := s.jobs
		s.jobs = nil
		s.mu.Unlock()
		for _, j := range jobs {
			s.do(ctx, j)
		}
		progressed := false
		for _, p := range s.ports {
			if s.reconcile(ctx, p) {
				progressed = true
			}
		}
		s.mu.Lock()
		more := len(s.jobs) > 0
		s.mu.Unlock()
		if !more && !progressed {
			return
		}
	}
}

func (s *Service) do(ctx context.Context, j job) {
	switch j.kind {
	case jobDrive:
		s.drive(ctx, j)
	case jobScan:
		s.beginScan(j)
	case jobAlarm:
		s.raise(ctx, j)
	case jobJudge:
		s.judge(ctx, j)
	}
}

// propose commits one input of p as this node and waits until this node's
// state shows it, so the next reconcile reads what was committed.
func (s *Service) propose(ctx context.Context, p *port, in Input) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	res, err := s.rep.Propose(ctx, InputCommand(p.cfg.ID, in, s.node, s.node, "", s.now()))
	if err != nil {
		return err
	}
	return s.rep.WaitApplied(ctx, res.Index)
}

// reconcile commits the first sensor level p's machine does not know yet
// (clearing before setting, so a gate seen moving during an outage is never
// recorded at both limits), and the lapse of an approval. It reports
// whether it committed something.
func (s *Service) reconcile(ctx context.Context, p *port) bool {
	var m Machine
	if err := s.rep.View(func(tx *bolt.Tx) error { m, _ = Load(tx, p.cfg.ID); return nil }); err != nil {
		return false
	}
	s.mu.Lock()
	in, ok := s.nextInputLocked(p, m)
	s.mu.Unlock()
	if !ok {
		return false
	}
	err := s.propose(ctx, p, in)
	switch {
	case err != nil && !p.failing:
		p.failing = true
		s.log.Error("sally port sensor report not committed; retrying", "port", p.cfg.ID, "input", in.Kind, "err", err)
	case err == nil && p.failing:
		p.failing = false
		s.log.Info("sally port sensor reports committed again", "port", p.cfg.ID)
	}
	return err == nil
}

// nextInputLocked is the next input that brings m to what the devices and
// the clock say, if any.
func (s *Service) nextInputLocked(p *port, m Machine) (Input, bool) {
	// A gate the machine has not heard of yet: the switch that is made
	// first, so that a closed gate is never taken for a part-open one.
	for g := range 2 {
		if m.Gates[g].Reported {
			continue
		}
		closed, opened := p.limits[g][0], p.limits[g][1]
		switch {
		case opened.known && opened.active:
			return Input{Kind: LimitSwitch, Gate: Gate(g), OpenLimit: true, Active: true}, true
		case closed.known && (closed.active || opened.known):
			return Input{Kind: LimitSwitch, Gate: Gate(g), Active: closed.active}, true
		}
	}
	// Then clearing before setting.
	for _, want := range []bool{false, true} {
		for g := range 2 {
			for i, lv := range p.limits[g] {
				have := m.Gates[g].ClosedLim
				if i == 1 {
					have = m.Gates[g].OpenLim
				}
				if lv.known && lv.active == want && lv.active != have && m.Gates[g].Reported {
					return Input{Kind: LimitSwitch, Gate: Gate(g), OpenLimit: i == 1, Active: lv.active}, true
				}
			}
		}
		for l, lv := range p.loops {
			if lv.known && lv.active == want && lv.active != m.Loops[l] {
				return Input{Kind: LoopSensor, Loop: Loop(l), Active: lv.active}, true
			}
		}
	}
	if m.Pending != NoOverride || m.Granted != NoOverride {
		now := s.now()
		if p.approvedAt.IsZero() {
			p.approvedAt = now // after a restart: the lapse counts from now
		}
		if now.Sub(p.approvedAt) >= OverrideLapse && !m.BothOpenUsed {
			return Input{Kind: Expire, Reason: fmt.Sprintf("not used within %s", OverrideLapse)}, true
		}
	}
	return Input{}, false
}

// drive moves a gate operator: off the opposite contact first, then on the
// one asked for (maintained contacts; stop is both off). Each is a
// committed actuation executed with read-back by this node's executor; the
// ids derive from the step, so a retry after a failure does not act twice.
func (s *Service) drive(ctx context.Context, j job) {
	if age := s.now().Sub(j.at); age > MaxAge {
		s.log.Warn("gate not driven: the step waited too long to be acted on", "port", j.port.cfg.ID, "gate", j.out.Gate,
			"drive", j.out.Drive, "age", age, "bound", MaxAge)
		return
	}
	g := j.port.cfg.Outer
	if j.out.Gate == Inner {
		g = j.port.cfg.Inner
	}
	type act struct {
		dev string
		a   actuator.Action
	}
	var acts []act
	switch j.out.Drive {
	case Open:
		acts = []act{{g.Close, actuator.Off}, {g.Open, actuator.On}}
	case Close:
		acts = []act{{g.Open, actuator.Off}, {g.Close, actuator.On}}
	default:
		acts = []act{{g.Open, actuator.Off}, {g.Close, actuator.Off}}
	}
	for k, a := range acts {
		body, _ := json.Marshal(actuator.Request{Device: a.dev, Node: s.node, Action: a.a,
			Reason: fmt.Sprintf("%s: %s the %s (step %d)", j.port.cfg.ID, j.out.Drive, j.out.Gate, j.index)})
		sum := sha256.Sum256(fmt.Appendf(nil, "sallyport/%s/%d/%d/%d", j.port.cfg.ID, j.index, j.n, k))
		c := &command.Command{Kind: actuator.KindRequest, Node: s.node, Actor: j.port.cfg.ID, Time: s.now().UTC(), Body: body}
		copy(c.ID[:], sum[:])
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, err := s.rep.Propose(pctx, c)
		cancel()
		if err != nil {
			s.log.Error("gate not driven: the actuation was not committed", "port", j.port.cfg.ID, "gate", j.out.Gate, "drive", j.out.Drive, "err", err)
			return
		}
	}
}

func (s *Service) beginScan(j job) {
	var m Machine
	if err := s.rep.View(func(tx *bolt.Tx) error { m, _ = Load(tx, j.port.cfg.ID); return nil }); err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Scan != Scanning {
		return // already over (a newer step)
	}
	d := time.Duration(j.port.cfg.Scan)
	if d <= 0 {
		d = 30 * time.Second
	}
	start := s.now()
	j.port.scan = &scanRun{index: j.index, start: start, end: start.Add(d), det: s.scan.Detector(int(m.People), int(m.Animals))}
	if j.port.cfg.Radar == "" {
		// No radar: the scan can only be inconclusive; say so at once.
		s.finishLocked(j.port, start)
		return
	}
	s.log.Info("scan started", "port", j.port.cfg.ID, "people", m.People, "animals", m.Animals, "for", d)
}

// alarmOf is what each alarm output raises.
var alarmOf = map[OutputKind]struct {
	kind     string
	priority alarm.Priority
}{
	AlarmBothOpen: {"sallyport.both_open", 1},
	AlarmMoved:    {"sallyport.gate_moved", 1},
	AlarmHidden:   {"sallyport.hidden_occupant", 1},
	AlarmLimits:   {"sallyport.limit_fault", 2},
	AlarmBlocked:  {"sallyport.gate_blocked", 2},
}

func (s *Service) raise(ctx context.Context, j job) {
	a := alarmOf[j.out.Kind]
	r := alarm.Raise{Key: fmt.Sprintf("%s/%s/%d", a.kind, j.port.cfg.ID, j.index), Kind: a.kind, Priority: a.priority,
		Zone: j.port.zone, Device: j.port.cfg.ID, Message: j.port.cfg.Name + ": " + alarmMessage(j.out)}
	if j.out.Kind == AlarmHidden && j.in.Evidence != nil {
		r.Evidence = j.in.Evidence.Lines()
		r.Message += " — " + j.in.Evidence.Reason
	}
	if _, err := s.raiser.RaiseLocal(ctx, r); err != nil && ctx.Err() == nil {
		s.log.Error("sally port alarm not raised", "port", j.port.cfg.ID, "kind", a.kind, "err", err)
	}
}

func alarmMessage(o Output) string {
	switch o.Kind {
	case AlarmBothOpen:
		return "both gates open — " + o.Reason
	case AlarmMoved:
		return fmt.Sprintf("the %s moved without a command — %s", o.Gate, o.Reason)
	case AlarmHidden:
		return "hidden occupant detected, release blocked"
	case AlarmLimits:
		return fmt.Sprintf("%s: its limit switches contradict each other — %s", o.Gate, o.Reason)
	case AlarmBlocked:
		return fmt.Sprintf("the %s stopped on a vehicle — %s", o.Gate, o.Reason)
	}
	return o.Reason
}

// Scanning reports whether a scan of port is running on this node.
func (s *Service) Scanning(port string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.ports[port]
	return p != nil && p.scan != nil
}
