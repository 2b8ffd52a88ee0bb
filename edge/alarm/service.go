package alarm

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// Replica is what the service needs of the replicated log. Implemented by
// *replica.Replica.
type Replica interface {
	Propose(ctx context.Context, c *command.Command) (replica.Result, error)
	View(fn func(*bolt.Tx) error) error
	IsLeader() bool
}

// Config configures a Service.
type Config struct {
	Node           string
	Dir            string        // where the local outbox lives
	EscalateAfter  time.Duration // an unacknowledged alarm escalates after this
	MaxEscalations int           // steps at most (each raises the priority by one)
	ProposeTimeout time.Duration // a device alarm waits this long for a quorum, then shows as not replicated
	CommitTimeout  time.Duration // an operator's change waits this long (a failover takes < 0.5 s), then fails
	RetryInterval  time.Duration // outbox retry and escalation check period
	Now            func() time.Time
	Logger         *slog.Logger
}

func (c *Config) defaults() {
	if c.EscalateAfter <= 0 {
		c.EscalateAfter = 2 * time.Minute
	}
	if c.MaxEscalations <= 0 {
		c.MaxEscalations = 3
	}
	if c.ProposeTimeout <= 0 {
		c.ProposeTimeout = time.Second
	}
	if c.CommitTimeout <= 0 {
		c.CommitTimeout = 3 * time.Second
	}
	if c.RetryInterval <= 0 {
		c.RetryInterval = time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Service is the alarm core of one node.
type Service struct {
	cfg    Config
	log    *slog.Logger
	rep    Replica
	outbox *outbox
	bus    *bus
	// flushMu keeps one outbox flush at a time (the loop and a test or an
	// operator-triggered flush).
	flushMu sync.Mutex
}

// NewService opens the node's outbox. Call Attach before use and pass
// Observe to the replica as (part of) its observer.
func NewService(cfg Config) (*Service, error) {
	cfg.defaults()
	ob, err := openOutbox(filepath.Join(cfg.Dir, "alarm-outbox.db"), cfg.Logger)
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, log: cfg.Logger.With("component", "alarm"), outbox: ob, bus: newBus()}, nil
}

// Attach gives the service its replica. It must be called once, before Run
// and before any call that proposes or reads.
func (s *Service) Attach(r Replica) { s.rep = r }

// Close closes the outbox and ends every subscription. Run must have returned.
func (s *Service) Close() error {
	s.bus.close()
	return s.outbox.close()
}

// Observe publishes the events of applied alarm commands. It runs on the
// replica's FSM goroutine and does not block.
func (s *Service) Observe(as []replica.Applied) {
	for _, a := range as {
		if a.Err != nil || a.Dup || !strings.HasPrefix(a.Command.Kind, "alarm.") {
			continue
		}
		var ev Event
		if err := json.Unmarshal(a.Result, &ev); err != nil {
			continue
		}
		ev.Alarm.Index = a.Index
		s.bus.publish(ev)
	}
}

// Subscribe returns live events until ctx ends.
func (s *Service) Subscribe(ctx context.Context) <-chan Event { return s.bus.subscribe(ctx) }

func (s *Service) newCommand(kind string, by Actor, body any) (*command.Command, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return &command.Command{
		ID: command.NewID(), Kind: kind, Node: s.cfg.Node, Actor: by.Name, Terminal: by.Terminal,
		Time: s.cfg.Now().UTC(), Body: b,
	}, nil
}

func (s *Service) propose(ctx context.Context, c *command.Command) (Alarm, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CommitTimeout)
	defer cancel()
	res, err := s.rep.Propose(ctx, c)
	if err != nil {
		return Alarm{}, unwrapRejected(err)
	}
	var ev Event
	if err := json.Unmarshal(res.Value, &ev); err != nil {
		return Alarm{}, fmt.Errorf("alarm: result of %s: %w", c.Kind, err)
	}
	ev.Alarm.Index = res.Index
	return ev.Alarm, nil
}

// unwrapRejected turns the text of an applier's refusal back into this
// package's sentinel, so callers (the API) can map it.
func unwrapRejected(err error) error {
	if !errors.Is(err, replica.ErrRejected) {
		return err
	}
	for _, s := range []error{ErrNotFound, ErrAlreadyAcked, ErrAlreadyClosed, ErrNoteRequired, ErrInvalid} {
		if strings.Contains(err.Error(), s.Error()) {
			return fmt.Errorf("%w (%v)", s, err)
		}
	}
	return err
}

// Raise raises an alarm for an operator (a manual alarm). It is committed or
// it fails: the operator sees the error and can try again.
func (s *Service) Raise(ctx context.Context, r Raise, by Actor) (Alarm, error) {
	if err := r.Normalize(); err != nil {
		return Alarm{}, fmt.Errorf("%w: raise needs kind, priority 1–4 and a message", ErrInvalid)
	}
	c, err := s.newCommand(KindRaise, by, r)
	if err != nil {
		return Alarm{}, err
	}
	return s.propose(ctx, c)
}

// RaiseLocal raises an alarm from one of this node's own devices. It is
// stored durably in the local outbox first, then proposed. Without a quorum
// it returns the alarm marked NotReplicated and a nil error: it is kept, shown
// and replicated when the quorum returns — once.
func (s *Service) RaiseLocal(ctx context.Context, r Raise) (Alarm, error) {
	if err := r.Normalize(); err != nil {
		return Alarm{}, fmt.Errorf("%w: raise needs kind, priority 1–4 and a message", ErrInvalid)
	}
	c, err := s.newCommand(KindRaise, Actor{Name: r.Device}, r)
	if err != nil {
		return Alarm{}, err
	}
	if err := s.outbox.put(c); err != nil {
		return Alarm{}, fmt.Errorf("alarm: outbox: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, s.cfg.ProposeTimeout)
	al, err := s.propose(pctx, c)
	cancel()
	if err == nil || errors.Is(err, replica.ErrRejected) || errors.Is(err, ErrInvalid) {
		if rerr := s.outbox.remove(c.ID); rerr != nil {
			s.log.Error("outbox remove", "id", c.ID.String(), "err", rerr)
		}
		return al, err
	}
	if serr := s.outbox.sync(); serr != nil {
		return Alarm{}, fmt.Errorf("alarm: outbox: %w", serr)
	}
	s.log.Warn("alarm kept locally until the quorum returns", "kind", r.Kind, "id", c.ID.String(), "err", err)
	pending := pendingAlarm(c, r)
	s.bus.publish(Event{Type: EventPending, Alarm: pending})
	return pending, nil
}

func pendingAlarm(c *command.Command, r Raise) Alarm {
	return Alarm{
		ID: c.ID.String(), Key: r.Key, Kind: r.Kind, Priority: r.Priority, Raised: r.Priority,
		Zone: r.Zone, Device: r.Device, Node: c.Node, RaisedBy: c.Actor, Message: r.Message, Evidence: r.Evidence,
		State: Raised, Count: 1, RaisedAt: c.Time, LastAt: c.Time, NotReplicated: true,
	}
}

// Ack acknowledges an alarm. It returns once the acknowledgement is committed.
func (s *Service) Ack(ctx context.Context, id string, by Actor, note string) (Alarm, error) {
	c, err := s.newCommand(KindAck, by, noteBody{ID: id, Note: note})
	if err != nil {
		return Alarm{}, err
	}
	return s.propose(ctx, c)
}

// Resolve resolves an alarm with a note (required).
func (s *Service) Resolve(ctx context.Context, id string, by Actor, note string) (Alarm, error) {
	if strings.TrimSpace(note) == "" {
		return Alarm{}, ErrNoteRequired
	}
	c, err := s.newCommand(KindResolve, by, noteBody{ID: id, Note: note})
	if err != nil {
		return Alarm{}, err
	}
	return s.propose(ctx, c)
}

// Get returns one alarm from this node's state, or from its outbox.
func (s *Service) Get(_ context.Context, id string) (Alarm, error) {
	var al Alarm
	var ok bool
	if err := s.rep.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketAlarms); b != nil {
			al, ok = get(b, id)
		}
		return nil
	}); err != nil {
		return Alarm{}, err
	}
	if ok {
		return al, nil
	}
	pend, _ := s.pending(nil)
	for _, p := range pend {
		if p.ID == id {
			return p, nil
		}
	}
	return Alarm{}, fmt.Errorf("%w: %s", ErrNotFound, id)
}

// List returns alarms of this node's state plus those waiting in its
// outbox, most urgent first: open before resolved, then by priority, then
// newest first.
func (s *Service) List(_ context.Context, f Filter) ([]Alarm, error) {
	if f.Limit <= 0 {
		f.Limit = 500
	}
	var out []Alarm
	have := map[string]bool{}
	err := s.rep.View(func(tx *bolt.Tx) error {
		alarms := tx.Bucket(bucketAlarms)
		if alarms == nil {
			return nil
		}
		add := func(k, v []byte) error {
			var al Alarm
			if v == nil {
				var ok bool
				if al, ok = get(alarms, string(k)); !ok {
					return nil
				}
			} else if err := json.Unmarshal(v, &al); err != nil {
				return nil
			}
			have[al.ID] = true
			out = append(out, al)
			return nil
		}
		if f.OpenOnly {
			if b := tx.Bucket(bucketOpen); b != nil {
				return b.ForEach(func(k, _ []byte) error { return add(k, nil) })
			}
			return nil
		}
		return alarms.ForEach(add)
	})
	if err != nil {
		return nil, err
	}
	pend, err := s.pending(have)
	if err != nil {
		s.log.Error("outbox read", "err", err)
	}
	out = append(out, pend...)
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Open() != b.Open() {
			return a.Open()
		}
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		return a.LastAt.After(b.LastAt)
	})
	if len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// pending returns the outbox's alarms not already in the state.
func (s *Service) pending(have map[string]bool) ([]Alarm, error) {
	cs, err := s.outbox.pending()
	var out []Alarm
	for _, c := range cs {
		if have[c.ID.String()] {
			continue
		}
		var r Raise
		if json.Unmarshal(c.Body, &r) == nil {
			out = append(out, pendingAlarm(c, r))
		}
	}
	return out, err
}

// escalationID makes every node propose the same command for the same step,
// so a step proposed by an old and a new leader applies once.
func escalationID(alarmID string, level int) command.ID {
	sum := sha256.Sum256(fmt.Appendf(nil, "escalate/%s/%d", alarmID, level))
	var id command.ID
	copy(id[:], sum[:])
	return id
}
