package api_test

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/palisade/palisade/edge/api"
)

// consolePaths are the console's routes and files as requests: every one
// must be unknown to the kiosk.
func consolePaths(h *harness) []string {
	var paths []string
	for _, rt := range h.srv.Routes() {
		if rt.Pattern != "/" { // the console's files, listed below
			paths = append(paths, pathOf(rt))
		}
	}
	return append(paths,
		"/index.html", "/console.js", "/console.css",
		"/v1/", "/v1/alarms?open=1", "/v1/alarms/a1", "/v1/events", "/v1/users/ada/password",
		"/k/v1/alarms", "/k/v1/events", "/k/v1/cluster", "/k/metrics", "/k/v1/sessions", "/k/v1/password")
}

// TestKioskListenerServesNoSecurityRoute: whoever asks — nobody, a learner
// whose session is sent under either cookie name on every path, staff
// whose console session is carried to the kiosk — the kiosk answers every
// console route, file and look-alike with a JSON 404, never with what the
// console would serve. And a learner's session gets nothing but 401 from
// the console.
func TestKioskListenerServesNoSecurityRoute(t *testing.T) {
	h := newHarness(t, openAlarm("a1"))
	learner := h.loginKiosk(t, "lena")
	learnerID := learner.sessionID("palisade_kiosk")
	admin := h.login(t, "ada")
	adminID := admin.sessionID("palisade_session")
	callers := map[string]*client{
		"anonymous":                  h.kioskAnonymous(t),
		"learner":                    learner.presenting(h.kiosk.URL, "palisade_kiosk", learnerID),
		"learner, console cookie":    learner.presenting(h.kiosk.URL, "palisade_session", learnerID),
		"admin's session":            admin.presenting(h.kiosk.URL, "palisade_session", adminID),
		"admin's session as kiosk's": admin.presenting(h.kiosk.URL, "palisade_kiosk", adminID),
	}
	for who, c := range callers {
		for _, path := range consolePaths(h) {
			for _, method := range []string{"GET", "POST"} {
				status, body := c.do(method, path, "{}")
				if status != http.StatusNotFound || !strings.HasPrefix(errorOf(t, body), "no such endpoint: ") {
					t.Errorf("kiosk %s %s as %s: %d %.80s, want a JSON 404", method, path, who, status, body)
				}
			}
		}
	}

	for _, name := range []string{"palisade_session", "palisade_kiosk"} {
		c := learner.presenting(h.ts.URL, name, learnerID)
		for _, rt := range h.srv.Routes() {
			if rt.Allow.Allows(api.Anonymous) {
				continue
			}
			method := rt.Method
			if method == "" {
				method = "GET"
			}
			if status := c.status(method, pathOf(rt)); status != http.StatusUnauthorized {
				t.Errorf("console %s %s with the learner's session in %s: %d, want 401", method, pathOf(rt), name, status)
			}
		}
	}
	// Refused at the console, the learner's session still works at the kiosk.
	if status, body := learner.do("GET", "/k/v1/session", ""); status != http.StatusOK {
		t.Errorf("kiosk session after the console refused it: %d %s", status, body)
	}
}

// TestKioskLogin: learners log in at the kiosk only and staff at the
// console only; the wrong place answers like a wrong password.
func TestKioskLogin(t *testing.T) {
	h := newHarness(t)
	var got struct {
		User, Role, Node, Facility string
		CSRF                       string `json:"csrf_token"`
	}
	c := h.kioskAnonymous(t)
	status, body := c.doJSON("POST", "/k/v1/login", `{"user":"liam","password":"pw-liam"}`, &got)
	if status != http.StatusOK || got.User != "liam" || got.Role != "learner" || got.Facility != "North Prison" || len(got.CSRF) < 40 {
		t.Fatalf("kiosk login: %d %s", status, body)
	}
	if got.Node != "" {
		t.Errorf("kiosk login tells the node: %s", body)
	}
	c.csrf = got.CSRF
	if status, body := c.do("GET", "/k/v1/session", ""); status != http.StatusOK || !strings.Contains(body, `"role":"learner"`) {
		t.Errorf("kiosk session: %d %s", status, body)
	}
	for _, tc := range []struct{ where, path, user string }{
		{"learner at the console", "/v1/login", "lena"},
		{"officer at the kiosk", "/k/v1/login", "olga"},
		{"admin at the kiosk", "/k/v1/login", "ada"},
	} {
		base := h.ts.URL
		if strings.HasPrefix(tc.path, "/k/") {
			base = h.kiosk.URL
		}
		status, body := h.browser(t, base).do("POST", tc.path, `{"user":"`+tc.user+`","password":"`+password(tc.user)+`"}`)
		if status != http.StatusUnauthorized || errorOf(t, body) != "wrong user name or password" {
			t.Errorf("%s: %d %s", tc.where, status, body)
		}
	}
	if status, _ := c.do("POST", "/k/v1/logout", ""); status != http.StatusNoContent {
		t.Errorf("kiosk logout: %d", status)
	}
	if status, _ := c.do("GET", "/k/v1/session", ""); status != http.StatusUnauthorized {
		t.Errorf("kiosk session after logout: %d, want 401", status)
	}
}

func TestKioskLoginCookie(t *testing.T) {
	h := newHarness(t)
	for _, url := range []string{"http://kiosk/k/v1/login", "https://kiosk/k/v1/login"} {
		req := httptest.NewRequest("POST", url, strings.NewReader(`{"user":"lena","password":"pw-lena"}`))
		rec := httptest.NewRecorder()
		h.srv.KioskHandler().ServeHTTP(rec, req)
		cookies := rec.Result().Cookies()
		if rec.Code != http.StatusOK || len(cookies) != 1 {
			t.Fatalf("%s: %d, cookies %v", url, rec.Code, cookies)
		}
		ck := cookies[0]
		if ck.Name != "palisade_kiosk" || ck.Path != "/k/" || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode ||
			ck.Secure != (req.TLS != nil) || len(ck.Value) < 40 {
			t.Errorf("%s: cookie %s", url, ck)
		}
	}
}

// TestKioskPage: the placeholder page renders under its strict CSP (its one
// style is allowed by hash, nothing else) and only at "/".
func TestKioskPage(t *testing.T) {
	h := newHarness(t)
	resp, err := http.Get(h.kiosk.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(page, "learning kiosk is coming") {
		t.Fatalf("GET /: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	style := page[strings.Index(page, "<style>")+len("<style>") : strings.Index(page, "</style>")]
	sum := sha256.Sum256([]byte(style))
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'",
		"style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(csp, "script-src") {
		t.Errorf("the kiosk page runs scripts: CSP %q", csp)
	}
	c := h.kioskAnonymous(t)
	for _, tc := range []struct{ method, path string }{{"POST", "/"}, {"GET", "/index.html"}, {"GET", "/k/"}} {
		if status, body := c.do(tc.method, tc.path, ""); status != http.StatusNotFound || errorOf(t, body) == "" {
			t.Errorf("%s %s: %d %s, want a JSON 404", tc.method, tc.path, status, body)
		}
	}
}

// TestKioskHealthz tells a kiosk only that the node serves.
func TestKioskHealthz(t *testing.T) {
	h := newHarness(t)
	status, body := h.kioskAnonymous(t).do("GET", "/k/healthz", "")
	if status != http.StatusOK || strings.TrimSpace(body) != `{"ok":true}` {
		t.Errorf("kiosk healthz: %d %s", status, body)
	}
}

// TestSecurityHeaders: both handlers send them on every answer, HSTS only
// over TLS, and every kiosk answer forbids everything by CSP.
func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		handler http.Handler
		kiosk   bool
		path    string
	}{
		{h.srv.Handler(), false, "/healthz"}, {h.srv.Handler(), false, "/v1/alarms"},
		{h.srv.KioskHandler(), true, "/k/healthz"}, {h.srv.KioskHandler(), true, "/v1/alarms"},
		{h.srv.KioskHandler(), true, "/"},
	} {
		for _, scheme := range []string{"http", "https"} {
			rec := httptest.NewRecorder()
			tc.handler.ServeHTTP(rec, httptest.NewRequest("GET", scheme+"://node"+tc.path, nil))
			hd := rec.Header()
			name := scheme + " " + tc.path
			if hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("X-Frame-Options") != "DENY" ||
				hd.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("%s: headers %v", name, hd)
			}
			if got, want := hd.Get("Strict-Transport-Security"), map[string]string{"https": "max-age=31536000"}[scheme]; got != want {
				t.Errorf("%s: Strict-Transport-Security %q, want %q", name, got, want)
			}
			if tc.kiosk && !strings.HasPrefix(hd.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("%s: kiosk CSP %q", name, hd.Get("Content-Security-Policy"))
			}
		}
	}
}
