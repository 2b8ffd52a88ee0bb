package doors

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// Input is what a device of a door reports.
type Input int

// Inputs.
const (
	ContactInput Input = iota // Active: the door is open
	ExitInput                 // the request-to-exit button was pressed (Active true)
	TamperInput               // Active: the tamper switch is open
	CardInput                 // Card: a card number at the reader
)

// Event is one settled report of a door's device.
type Event struct {
	Device string
	Input  Input
	Active bool
	Card   uint64
	At     time.Time
}

// Raiser is the alarm core as doors need it.
type Raiser interface {
	RaiseLocal(ctx context.Context, r alarm.Raise) (alarm.Alarm, error)
}

// Replica is the replicated log as doors need it.
type Replica interface {
	Propose(ctx context.Context, c *command.Command) (replica.Result, error)
	View(fn func(*bolt.Tx) error) error
}

// Service runs the doors of one node.
type Service struct {
	f      *facility.Facility
	node   string
	access *Access
	raiser Raiser
	rep    Replica
	log    *slog.Logger
	// Alarms have their own queue and worker: a forced door's alarm must
	// not wait behind the commit of the previous state change. It is a
	// list, never full: an alarm is never dropped, however long the alarm
	// core takes (no quorum: each waits for its commit window before it is
	// kept in the outbox).
	alarmMu   sync.Mutex
	alarmList []pending
	alarmWake chan struct{} // capacity 1
	effects   chan pending  // lock releases and states, in order

	mu       sync.Mutex // guards doors (Handle, Tick and Observe come from different goroutines)
	doors    map[string]*entry
	byDevice map[string]*entry
	byLock   map[string]*entry
}

type entry struct {
	cfg  facility.Door
	door *Door
}

type pending struct {
	door facility.Door
	e    Effect
	at   time.Time
}

// NewService builds the doors of f that node runs.
func NewService(f *facility.Facility, node string, raiser Raiser, rep Replica, log *slog.Logger) (*Service, error) {
	access, err := NewAccess(f)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{f: f, node: node, access: access, raiser: raiser, rep: rep, log: log.With("component", "doors"),
		alarmWake: make(chan struct{}, 1), effects: make(chan pending, 1024), doors: map[string]*entry{}, byDevice: map[string]*entry{}, byLock: map[string]*entry{}}
	for _, d := range f.Doors {
		if f.DoorNode(d) != node {
			continue
		}
		en := &entry{cfg: d, door: New(Config{ID: d.ID, Name: d.Name, Zone: d.Inside,
			HeldOpen: time.Duration(d.HeldOpen), UnlockFor: time.Duration(d.UnlockFor),
			AntiPassback: antiPassback(d), Locked: d.Lock != ""})}
		s.doors[d.ID] = en
		for _, dev := range []string{d.Contact, d.Exit, d.Tamper, d.Reader} {
			if dev != "" {
				s.byDevice[dev] = en
			}
		}
		if d.Lock != "" {
			s.byLock[d.Lock] = en
		}
	}
	return s, nil
}

// antiPassback is the window in which a card granted at a door is refused
// there again: long enough to pass it back through the door to someone.
func antiPassback(d facility.Door) time.Duration {
	if d.AntiPassback {
		return 10 * time.Minute
	}
	return 0
}

// Doors returns the ids of the doors this service runs.
func (s *Service) Doors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.doors))
	for id := range s.doors {
		out = append(out, id)
	}
	return out
}

// Handle feeds one device report to its door and queues the effects.
// Unknown devices are ignored (counted in the log at debug level).
func (s *Service) Handle(ev Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	en := s.byDevice[ev.Device]
	if en == nil {
		s.log.Debug("event of a device that is not a door's", "device", ev.Device)
		return
	}
	var es []Effect
	switch ev.Input {
	case ContactInput:
		es = en.door.Contact(ev.Active, ev.At)
	case ExitInput:
		if !ev.Active {
			break
		}
		if s.lockedDown(en.cfg.Inside) || s.lockedDown(en.cfg.Outside) {
			// A lockdown holds against the exit button too (life-safety
			// egress stays in the door hardware).
			s.log.Info("exit request refused: the zone is locked down", "door", en.cfg.ID)
			break
		}
		es = en.door.Exit(ev.At)
	case TamperInput:
		es = en.door.Tamper(ev.Active, ev.At)
	case CardInput:
		dec := s.access.Decide(en.cfg, ev.Card, ev.At, s.lockedDown)
		es = en.door.Credential(ev.Card, dec, ev.At)
	}
	s.queue(en.cfg, es, ev.At)
}

// WouldGrant says whether card would pass door now (the demo's simulated
// people only open doors their card opens).
func (s *Service) WouldGrant(door string, card uint64, at time.Time) bool {
	fd, ok := s.f.Door(door)
	return ok && s.access.Decide(fd, card, at, s.lockedDown).Granted
}

// Tick advances every door's clocks.
func (s *Service) Tick(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, en := range s.doors {
		s.queue(en.cfg, en.door.Tick(now), now)
	}
}

// Observe learns from committed commands when a door's lock is released or
// relocked — by the door itself, by an officer, by a lockdown.
func (s *Service) Observe(as []replica.Applied) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range as {
		if a.Err != nil || (a.Command.Kind != actuator.KindRequest && a.Command.Kind != actuator.KindResult) {
			continue
		}
		var act actuator.Actuation
		if json.Unmarshal(a.Result, &act) != nil {
			continue
		}
		en := s.byLock[act.Request.Device]
		if en == nil {
			continue
		}
		at, r := act.CommittedAt, act.Request
		var es []Effect
		if a.Command.Kind == actuator.KindResult {
			// The lock did not move: the door is not released, whatever
			// the request said.
			if act.State == actuator.Failed && r.Action != actuator.Off {
				es = en.door.Relocked(act.DoneAt, "the release failed: "+act.Error)
				s.queue(en.cfg, es, act.DoneAt)
			}
			continue
		}
		switch r.Action {
		case actuator.Pulse:
			es = en.door.Released(at, r.Duration, false, r.Reason)
		case actuator.On:
			es = en.door.Released(at, 0, true, r.Reason)
		case actuator.Off:
			es = en.door.Relocked(at, r.Reason)
		}
		s.queue(en.cfg, es, at)
	}
}

// lockedDown reads the zone's lockdown from the replicated state; a state
// that cannot be read counts as locked down (fail-secure).
func (s *Service) lockedDown(zone string) bool {
	var on bool
	err := s.rep.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketLockdowns); b != nil {
			on = b.Get([]byte(zone)) != nil
		}
		return nil
	})
	return on || err != nil
}

func (s *Service) queue(d facility.Door, es []Effect, at time.Time) {
	for _, e := range es {
		if e.Alarm != nil {
			s.alarmMu.Lock()
			s.alarmList = append(s.alarmList, pending{d, e, at})
			s.alarmMu.Unlock()
			select {
			case s.alarmWake <- struct{}{}:
			default: // already woken
			}
			continue
		}
		select {
		case s.effects <- pending{d, e, at}:
		default:
			// The worker is far behind (no quorum for minutes): a state
			// record or a release is dropped, and said. (A release that
			// cannot commit would not move the lock anyway.)
			s.log.Error("door effect dropped: the worker is behind", "door", d.ID, "state", e.State)
		}
	}
}

// Run ticks the doors every tick and carries out their effects in order
// until ctx ends. events, if not nil, feeds Handle.
func (s *Service) Run(ctx context.Context, events <-chan Event, now func() time.Time, tick time.Duration) {
	if tick <= 0 {
		tick = 250 * time.Millisecond
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.raiseAlarms(ctx) }()
	go func() { defer wg.Done(); s.work(ctx, s.effects) }()
	t := time.NewTicker(tick)
	defer func() { t.Stop(); wg.Wait() }()
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			s.Handle(ev)
		case <-t.C:
			s.Tick(now())
		}
	}
}

// work carries out the effects of q one after another: alarms through the
// alarm core (kept locally when there is no quorum), lock releases as
// committed actuate requests (never without a quorum), states as
// door.state commands.
func (s *Service) work(ctx context.Context, q <-chan pending) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-q:
			s.apply(ctx, p)
		}
	}
}

// raiseAlarms raises the queued alarms in order until ctx ends.
func (s *Service) raiseAlarms(ctx context.Context) {
	for {
		s.alarmMu.Lock()
		batch := s.alarmList
		s.alarmList = nil
		s.alarmMu.Unlock()
		for _, p := range batch {
			s.apply(ctx, p)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.alarmWake:
		}
	}
}

func (s *Service) apply(ctx context.Context, p pending) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	switch {
	case p.e.Alarm != nil:
		start := time.Now()
		if _, err := s.raiser.RaiseLocal(ctx, *p.e.Alarm); err != nil {
			s.log.Error("door alarm not raised", "door", p.door.ID, "kind", p.e.Alarm.Kind, "err", err)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			s.log.Warn("door alarm slow to commit", "door", p.door.ID, "kind", p.e.Alarm.Kind, "took", d, "since_event", time.Since(p.at))
		}
	case p.e.Unlock > 0:
		dev, _ := s.f.Device(p.door.Lock)
		cmd, err := actuator.NewRequest(actuator.Request{Device: p.door.Lock, Node: dev.Node, Action: actuator.Pulse,
			Duration: p.e.Unlock, Reason: p.door.Name + ": " + p.e.Reason}, p.door.ID, "")
		if err == nil {
			_, err = s.rep.Propose(ctx, cmd)
		}
		if err != nil {
			s.log.Warn("door not unlocked: the release was not committed", "door", p.door.ID, "err", err)
		}
	case p.e.State != "":
		c := StateCommand(Status{Door: p.door.ID, State: p.e.State, Since: p.at, Reason: p.e.Reason}, s.node)
		if _, err := s.rep.Propose(ctx, c); err != nil {
			s.log.Warn("door state not recorded", "door", p.door.ID, "state", p.e.State, "err", err)
		}
	}
}

// UnlockCommand is an officer's release of a door's lock for d (0: until
// locked again), or a relock (lock true): an actuate request on its lock.
func UnlockCommand(f *facility.Facility, door string, d time.Duration, lock bool, reason, by, terminal string) (*command.Command, error) {
	fd, ok := f.Door(door)
	if !ok {
		return nil, fmt.Errorf("%w: no door %q", actuator.ErrNotFound, door)
	}
	if fd.Lock == "" {
		return nil, fmt.Errorf("%w: door %q has no lock", actuator.ErrInvalid, door)
	}
	dev, _ := f.Device(fd.Lock)
	r := actuator.Request{Device: fd.Lock, Node: dev.Node, Reason: reason}
	switch {
	case lock:
		r.Action = actuator.Off
	case d > 0:
		r.Action, r.Duration = actuator.Pulse, d
	default:
		r.Action = actuator.On
	}
	return actuator.NewRequest(r, by, terminal)
}
