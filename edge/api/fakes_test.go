package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
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

var (
	hashesOnce sync.Once
	hashes     = map[string]string{}
)

// users are one of each role; each password is "pw-" + name.
func users(t testing.TB) []api.User {
	hashesOnce.Do(func() {
		for _, name := range []string{"olga", "sam", "ada"} {
			h, err := bcrypt.GenerateFromPassword([]byte("pw-"+name), bcrypt.MinCost)
			if err != nil {
				panic(err)
			}
			hashes[name] = string(h)
		}
	})
	return []api.User{
		{Name: "olga", Role: "officer", PasswordHash: hashes["olga"]},
		{Name: "sam", Role: "supervisor", PasswordHash: hashes["sam"]},
		{Name: "ada", Role: "admin", PasswordHash: hashes["ada"]},
	}
}

var userOf = map[api.Role]string{api.Officer: "olga", api.Supervisor: "sam", api.Admin: "ada"}

type harness struct {
	srv    *api.Server
	ts     *httptest.Server
	clock  *fakeClock
	alarms *fakeAlarms
}

func newHarness(t testing.TB, list ...alarm.Alarm) *harness {
	t.Helper()
	h := &harness{clock: &fakeClock{t: time.Date(2026, 1, 15, 22, 0, 0, 0, time.UTC)}, alarms: newFakeAlarms(list...)}
	srv, err := api.New(api.Config{
		Node: "n1", Facility: "North Prison", Users: users(t),
		Alarms: h.alarms,
		Cluster: fakeCluster{replica.Status{Node: "n1", State: "Leader", Leader: "n1", Quorum: true, Term: 3,
			Members: []replica.MemberInfo{{ID: "n1", Addr: "127.0.0.1:7001", Voter: true}}}},
		Gatherer: prometheus.NewRegistry(),
		Now:      h.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.ts = httptest.NewServer(srv.Handler()) // listens on 127.0.0.1
	t.Cleanup(h.ts.Close)
	t.Cleanup(srv.Close) // runs first: ends streams so ts.Close does not wait
	return h
}

// client is a browser: a cookie jar and the CSRF token from login.
type client struct {
	t    *testing.T
	h    *harness
	http *http.Client
	csrf string
}

func (h *harness) anonymous(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, h: h, http: &http.Client{Jar: jar, Timeout: 5 * time.Second}}
}

func (h *harness) login(t *testing.T, user string) *client {
	t.Helper()
	c := h.anonymous(t)
	var s struct {
		CSRF string `json:"csrf_token"`
	}
	status, body := c.doJSON("POST", "/v1/login", `{"user":"`+user+`","password":"pw-`+user+`"}`, &s)
	if status != http.StatusOK {
		t.Fatalf("login %s: %d %s", user, status, body)
	}
	c.csrf = s.CSRF
	return c
}

// do sends a request with the CSRF token (if any) and returns status and body.
func (c *client) do(method, path, body string) (int, string) {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.h.ts.URL+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// doJSON is do, decoding a successful answer into v.
func (c *client) doJSON(method, path, body string, v any) (int, string) {
	c.t.Helper()
	status, b := c.do(method, path, body)
	if status < 300 && v != nil {
		if err := json.Unmarshal([]byte(b), v); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return status, b
}

// errorOf returns the "error" of a JSON error body.
func errorOf(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	return e.Error
}
