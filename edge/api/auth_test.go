package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/api"
)

func TestLogin(t *testing.T) {
	h := newHarness(t)
	c := h.anonymous(t)
	var got struct {
		User      string    `json:"user"`
		Role      string    `json:"role"`
		CSRF      string    `json:"csrf_token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	status, body := c.doJSON("POST", "/v1/login", `{"user":"sam","password":"pw-sam"}`, &got)
	if status != http.StatusOK {
		t.Fatalf("login: %d %s", status, body)
	}
	if got.User != "sam" || got.Role != "supervisor" || len(got.CSRF) < 40 {
		t.Errorf("login answered %s", body)
	}
	if want := h.clock.Now().Add(12 * time.Hour); !got.ExpiresAt.Equal(want) {
		t.Errorf("expires_at %v, want %v (a shift)", got.ExpiresAt, want)
	}
	c.csrf = got.CSRF
	if status, body := c.do("GET", "/v1/session", ""); status != http.StatusOK || !strings.Contains(body, `"user":"sam"`) {
		t.Errorf("session after login: %d %s", status, body)
	}

	for _, tc := range []struct{ name, body string }{
		{"wrong password", `{"user":"sam","password":"nope"}`},
		{"unknown user", `{"user":"mallory","password":"pw-sam"}`},
	} {
		status, body := h.anonymous(t).do("POST", "/v1/login", tc.body)
		if status != http.StatusUnauthorized || errorOf(t, body) != "wrong user name or password" {
			t.Errorf("%s: %d %s", tc.name, status, body)
		}
	}
}

func TestLoginCookie(t *testing.T) {
	h := newHarness(t)
	for _, url := range []string{"http://node/v1/login", "https://node/v1/login"} {
		req := httptest.NewRequest("POST", url, strings.NewReader(`{"user":"olga","password":"pw-olga"}`))
		rec := httptest.NewRecorder()
		h.srv.Handler().ServeHTTP(rec, req)
		cookies := rec.Result().Cookies()
		if rec.Code != http.StatusOK || len(cookies) != 1 {
			t.Fatalf("%s: %d, cookies %v", url, rec.Code, cookies)
		}
		ck := cookies[0]
		if ck.Name != "palisade_session" || ck.Path != "/" || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure != (req.TLS != nil) || len(ck.Value) < 40 {
			t.Errorf("%s: cookie %s", url, ck)
		}
	}
}

func TestLoginLockout(t *testing.T) {
	h := newHarness(t)
	try := func(addr, password string) int {
		req := httptest.NewRequest("POST", "/v1/login", strings.NewReader(`{"user":"olga","password":"`+password+`"}`))
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.srv.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	const terminal, other = "10.0.0.7:50000", "10.0.0.8:50000"
	for i := range 5 {
		if got := try(terminal, "guess"); got != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, got)
		}
	}
	if got := try(terminal, "pw-olga"); got != http.StatusTooManyRequests {
		t.Errorf("right password while locked out: %d, want 429", got)
	}
	// The officer can still log in at another console.
	if got := try(other, "pw-olga"); got != http.StatusOK {
		t.Errorf("other terminal: %d, want 200", got)
	}
	h.clock.Advance(4*time.Minute + 59*time.Second)
	if got := try(terminal, "pw-olga"); got != http.StatusTooManyRequests {
		t.Errorf("after 4m59s: %d, want 429", got)
	}
	h.clock.Advance(time.Second)
	if got := try(terminal, "pw-olga"); got != http.StatusOK {
		t.Errorf("after 5 min: %d, want 200", got)
	}
	// A success clears the count: four more failures do not lock.
	for range 4 {
		try(terminal, "guess")
	}
	if got := try(terminal, "pw-olga"); got != http.StatusOK {
		t.Errorf("after 4 failures: %d, want 200", got)
	}
}

func TestSessionIdleExpiry(t *testing.T) {
	h := newHarness(t)
	c := h.login(t, "olga")
	for range 3 { // used within the idle limit: stays
		h.clock.Advance(59 * time.Minute)
		if status, body := c.do("GET", "/v1/session", ""); status != http.StatusOK {
			t.Fatalf("after 59 min: %d %s", status, body)
		}
	}
	h.clock.Advance(time.Hour)
	if status, _ := c.do("GET", "/v1/session", ""); status != http.StatusUnauthorized {
		t.Errorf("idle 1h: %d, want 401", status)
	}
}

func TestSessionAbsoluteExpiry(t *testing.T) {
	h := newHarness(t)
	c := h.login(t, "olga")
	for i := range 23 { // busy all shift: 23 × 30 min = 11h30
		h.clock.Advance(30 * time.Minute)
		if status, _ := c.do("GET", "/v1/alarms", ""); status != http.StatusOK {
			t.Fatalf("after %d min: %d", (i+1)*30, status)
		}
	}
	h.clock.Advance(30 * time.Minute)
	if status, _ := c.do("GET", "/v1/alarms", ""); status != http.StatusUnauthorized {
		t.Errorf("after 12h: %d, want 401", status)
	}
}

func TestLogout(t *testing.T) {
	h := newHarness(t)
	c := h.login(t, "olga")
	if status, body := c.do("POST", "/v1/logout", ""); status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", status, body)
	}
	if status, _ := c.do("GET", "/v1/session", ""); status != http.StatusUnauthorized {
		t.Errorf("session after logout: %d, want 401", status)
	}
}

func TestCSRF(t *testing.T) {
	h := newHarness(t, openAlarm("a1"))
	c := h.login(t, "olga")
	token := c.csrf
	for _, tc := range []struct{ name, token string }{{"missing", ""}, {"wrong", strings.Repeat("x", len(token))}} {
		c.csrf = tc.token
		for _, path := range []string{"/v1/alarms/a1/ack", "/v1/logout"} {
			status, body := c.do("POST", path, `{"note":""}`)
			if status != http.StatusForbidden || errorOf(t, body) != "missing or wrong CSRF token" {
				t.Errorf("%s token, POST %s: %d %s", tc.name, path, status, body)
			}
		}
	}
	c.csrf = token
	if status, body := c.do("POST", "/v1/alarms/a1/ack", `{"note":""}`); status != http.StatusOK {
		t.Errorf("right token: %d %s", status, body)
	}
}

// Parallel guesses cannot slip past the lockout while bcrypt runs: at most
// the limit of passwords are ever checked.
func TestLockoutHoldsAgainstParallelGuesses(t *testing.T) {
	h := newHarness(t)
	var wg sync.WaitGroup
	var checked atomic.Int32
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := h.anonymous(t)
			status, _ := c.do("POST", "/v1/login", `{"user":"olga","password":"guess"}`)
			if status == http.StatusUnauthorized {
				checked.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := checked.Load(); n > 5 {
		t.Errorf("%d parallel guesses were checked against the password, want at most 5", n)
	}
}

func TestConfigAccounts(t *testing.T) {
	h := newHarness(t)
	staffUser := func(name, role string) api.User {
		return api.User{Name: name, Role: role, PasswordHash: hashOf("olga")}
	}
	for _, tc := range []struct {
		name            string
		staff, learners []api.User
		want            string
	}{
		{"learner as staff", []api.User{staffUser("lena", "learner")}, nil,
			`api: config: users[0] "lena": role "learner": want officer, supervisor or admin`},
		{"officer as learner", nil, []api.User{staffUser("olga", "officer")},
			`api: config: learners[0] "olga": role "officer": want learner or nothing`},
		{"both staff and learner", []api.User{staffUser("kim", "officer")}, []api.User{staffUser("kim", "")},
			`api: config: learners[0]: "kim" is both a staff account and a learner`},
		{"learner twice", nil, []api.User{staffUser("kim", ""), staffUser("kim", "learner")},
			`api: config: learners[1]: user "kim" appears twice`},
		{"learner without hash", nil, []api.User{{Name: "kim"}},
			`api: config: learners[0] "kim": password hash: crypto/bcrypt: hashedSecret too short to be a bcrypted password`},
	} {
		_, err := api.New(api.Config{Node: "n1", Users: tc.staff, Learners: tc.learners, Alarms: h.alarms, Cluster: fakeCluster{}})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
