package api_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/sync/replica"
)

// fakeClock is the injected clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeAlarms keeps alarms in a map and fans events out to subscribers.
type fakeAlarms struct {
	mu     sync.Mutex
	alarms map[string]alarm.Alarm
	err    error // if set, every call but Subscribe fails with it
	subs   map[chan alarm.Event]bool
	actor  alarm.Actor // of the last change
	note   string      // of the last change
	subbed chan struct{}
}

func newFakeAlarms(list ...alarm.Alarm) *fakeAlarms {
	f := &fakeAlarms{alarms: map[string]alarm.Alarm{}, subs: map[chan alarm.Event]bool{}, subbed: make(chan struct{}, 16)}
	for _, a := range list {
		f.alarms[a.ID] = a
	}
	return f
}

func (f *fakeAlarms) List(_ context.Context, fl alarm.Filter) ([]alarm.Alarm, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	var out []alarm.Alarm
	for _, a := range f.alarms {
		if (!fl.OpenOnly || a.Open()) && (fl.Limit == 0 || len(out) < fl.Limit) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fakeAlarms) Get(_ context.Context, id string) (alarm.Alarm, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return alarm.Alarm{}, f.err
	}
	a, ok := f.alarms[id]
	if !ok {
		return alarm.Alarm{}, alarm.ErrNotFound
	}
	return a, nil
}

func (f *fakeAlarms) Raise(_ context.Context, r alarm.Raise, by alarm.Actor) (alarm.Alarm, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return alarm.Alarm{}, f.err
	}
	if err := r.Normalize(); err != nil {
		return alarm.Alarm{}, err
	}
	f.actor = by
	a := alarm.Alarm{ID: "m" + r.Kind, Key: r.Key, Kind: r.Kind, Priority: r.Priority, Raised: r.Priority,
		Zone: r.Zone, Message: r.Message, State: alarm.Raised, Count: 1}
	f.alarms[a.ID] = a
	return a, nil
}

func (f *fakeAlarms) Ack(_ context.Context, id string, by alarm.Actor, note string) (alarm.Alarm, error) {
	return f.change(id, by, note, alarm.Acknowledged)
}

func (f *fakeAlarms) Resolve(_ context.Context, id string, by alarm.Actor, note string) (alarm.Alarm, error) {
	return f.change(id, by, note, alarm.Resolved)
}

func (f *fakeAlarms) change(id string, by alarm.Actor, note string, to alarm.State) (alarm.Alarm, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return alarm.Alarm{}, f.err
	}
	a, ok := f.alarms[id]
	switch {
	case !ok:
		return a, alarm.ErrNotFound
	case a.State == alarm.Resolved:
		return a, alarm.ErrAlreadyClosed
	case a.State == alarm.Acknowledged && to == alarm.Acknowledged:
		return a, alarm.ErrAlreadyAcked
	}
	f.actor, f.note = by, note
	a.State = to
	a.Index++
	f.alarms[id] = a
	return a, nil
}

func (f *fakeAlarms) Subscribe(ctx context.Context) <-chan alarm.Event {
	ch := make(chan alarm.Event, 16)
	f.mu.Lock()
	f.subs[ch] = true
	f.mu.Unlock()
	context.AfterFunc(ctx, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs, ch)
		close(ch)
	})
	f.subbed <- struct{}{}
	return ch
}

func (f *fakeAlarms) publish(ev alarm.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.subs {
		ch <- ev
	}
}

func (f *fakeAlarms) subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

func (f *fakeAlarms) setErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

type fakeCluster struct{ st replica.Status }

func (c fakeCluster) Status() replica.Status { return c.st }

// fakePasswords keeps changed hashes in a map, as the replicated store
// would once a change is applied.
type fakePasswords struct {
	mu     sync.Mutex
	hashes map[string]string
	by     map[string]string // who made each user's last change
	err    error             // if set, Set fails with it
}

func newFakePasswords() *fakePasswords {
	return &fakePasswords{hashes: map[string]string{}, by: map[string]string{}}
}

func (p *fakePasswords) Hash(user string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h, ok := p.hashes[user]
	return h, ok
}

func (p *fakePasswords) Set(_ context.Context, user, hash, by string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.hashes[user], p.by[user] = hash, by
	return nil
}

func (p *fakePasswords) changedBy(user string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.by[user]
}

func (p *fakePasswords) setErr(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.err = err
}

var (
	hashesOnce sync.Once
	hashes     = map[string]string{}
)

// password is the test password of each account.
func password(user string) string { return "pw-" + user }

func hashOf(user string) string {
	hashesOnce.Do(func() {
		for _, name := range []string{"olga", "sam", "ada", "lena", "liam"} {
			h, err := bcrypt.GenerateFromPassword([]byte(password(name)), bcrypt.MinCost)
			if err != nil {
				panic(err)
			}
			hashes[name] = string(h)
		}
	})
	return hashes[user]
}

// users are one of each staff role.
func users(t testing.TB) []api.User {
	return []api.User{
		{Name: "olga", Role: "officer", PasswordHash: hashOf("olga")},
		{Name: "sam", Role: "supervisor", PasswordHash: hashOf("sam")},
		{Name: "ada", Role: "admin", PasswordHash: hashOf("ada")},
	}
}

// learners are two kiosk accounts, one with the role spelled out.
func learners(t testing.TB) []api.User {
	return []api.User{
		{Name: "lena", PasswordHash: hashOf("lena")},
		{Name: "liam", Role: "learner", PasswordHash: hashOf("liam")},
	}
}

var userOf = map[api.Role]string{api.Officer: "olga", api.Supervisor: "sam", api.Admin: "ada", api.Learner: "lena"}
