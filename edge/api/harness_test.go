package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/sync/replica"
)

// harness is one server with its console (ts) and its kiosk (kiosk), each
// on its own 127.0.0.1 port as on a node.
type harness struct {
	srv       *api.Server
	ts        *httptest.Server
	kiosk     *httptest.Server
	clock     *fakeClock
	alarms    *fakeAlarms
	passwords *fakePasswords
}

func newHarness(t testing.TB, list ...alarm.Alarm) *harness {
	t.Helper()
	return newHarnessWith(t, nil, list...)
}

// newHarnessWith is newHarness with the config changed by edit first.
func newHarnessWith(t testing.TB, edit func(*api.Config), list ...alarm.Alarm) *harness {
	t.Helper()
	h := &harness{
		clock:  &fakeClock{t: time.Date(2026, 1, 15, 22, 0, 0, 0, time.UTC)},
		alarms: newFakeAlarms(list...), passwords: newFakePasswords(),
	}
	cfg := api.Config{
		Node: "n1", Facility: "North Prison", Users: users(t), Learners: learners(t),
		Alarms: h.alarms,
		Cluster: fakeCluster{replica.Status{Node: "n1", State: "Leader", Leader: "n1", Quorum: true, Term: 3,
			Members: []replica.MemberInfo{{ID: "n1", Addr: "127.0.0.1:7001", Voter: true}}}},
		Passwords: h.passwords,
		Audit:     fakeAudit{api.AuditStatus{Records: 12, Checkpoints: 2, Signed: 10, SignedBy: "n1"}},
		Gatherer:  prometheus.NewRegistry(),
		Now:       h.clock.Now,
	}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.ts = httptest.NewServer(srv.Handler()) // listens on 127.0.0.1
	h.kiosk = httptest.NewServer(srv.KioskHandler())
	t.Cleanup(h.ts.Close)
	t.Cleanup(h.kiosk.Close)
	t.Cleanup(srv.Close) // runs first: ends streams so ts.Close does not wait
	return h
}

// client is a browser at one of the handlers: a cookie jar and the CSRF
// token from login.
type client struct {
	t    *testing.T
	h    *harness
	base string // the handler's URL
	http *http.Client
	csrf string
}

// anonymous is a browser at the console.
func (h *harness) anonymous(t *testing.T) *client { return h.browser(t, h.ts.URL) }

// kioskAnonymous is a browser at the kiosk.
func (h *harness) kioskAnonymous(t *testing.T) *client { return h.browser(t, h.kiosk.URL) }

func (h *harness) browser(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, h: h, base: base, http: &http.Client{Jar: jar, Timeout: 5 * time.Second}}
}

// login logs user in at the console.
func (h *harness) login(t *testing.T, user string) *client {
	t.Helper()
	return h.anonymous(t).logIn("/v1/login", user, password(user))
}

// loginKiosk logs a learner in at the kiosk.
func (h *harness) loginKiosk(t *testing.T, user string) *client {
	t.Helper()
	return h.kioskAnonymous(t).logIn("/k/v1/login", user, password(user))
}

func (c *client) logIn(path, user, pw string) *client {
	c.t.Helper()
	var s struct {
		CSRF string `json:"csrf_token"`
	}
	body, _ := json.Marshal(map[string]string{"user": user, "password": pw})
	status, b := c.doJSON("POST", path, string(body), &s)
	if status != http.StatusOK {
		c.t.Fatalf("login %s at %s: %d %s", user, path, status, b)
	}
	c.csrf = s.CSRF
	return c
}

// sessionID returns the session id the browser holds in cookie name.
func (c *client) sessionID(name string) string {
	c.t.Helper()
	for _, path := range []string{"/", "/k/"} {
		u, _ := url.Parse(c.base + path)
		for _, ck := range c.http.Jar.Cookies(u) {
			if ck.Name == name {
				return ck.Value
			}
		}
	}
	c.t.Fatalf("no %s cookie", name)
	return ""
}

// presenting is a browser at base that sends id in cookie name, with the
// CSRF token of c: c's session carried to another handler.
func (c *client) presenting(base, name, id string) *client {
	other := c.h.browser(c.t, base)
	u, _ := url.Parse(base + "/")
	other.http.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: id, Path: "/"}})
	other.csrf = c.csrf
	return other
}

// do sends a request with the CSRF token (if any) and returns status and body.
func (c *client) do(method, path, body string) (int, string) {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, r)
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

type fakeAudit struct{ st api.AuditStatus }

func (f fakeAudit) AuditStatus() (api.AuditStatus, error) { return f.st, nil }
