package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/api"
)

var allRoles = []api.Role{api.Anonymous, api.Officer, api.Supervisor, api.Admin, api.Learner}

// side is one of the two handlers, as a test walks it.
type side struct {
	name   string
	base   string
	cookie string
	kiosk  bool
	routes []api.Route
	// logsIn is who may log in here; everyone else's session comes from
	// the other handler.
	logsIn func(api.Role) bool
}

func sides(h *harness) []side {
	return []side{
		{"console", h.ts.URL, "palisade_session", false, h.srv.Routes(),
			func(r api.Role) bool { return r != api.Learner }},
		{"kiosk", h.kiosk.URL, "palisade_kiosk", true, h.srv.KioskRoutes(),
			func(r api.Role) bool { return r == api.Learner }},
	}
}

// pathOf is a request path that the route's pattern matches.
func pathOf(rt api.Route) string {
	path := strings.NewReplacer("{id}", "a1", "{name}", "olga", "{zone}", "hb-a", "{$}", "").Replace(rt.Pattern)
	if path != "/" && strings.HasSuffix(path, "/") || path == "/" && rt.Method == "" {
		path += "nothing" // a catch-all: not a route of its own
	}
	return path
}

// expect is what the table says role gets on rt: "401", "403" or
// "through". valid is whether the caller's session was made on this
// handler; one made on the other handler is no session here.
func expect(rt api.Route, role api.Role, valid bool) string {
	switch {
	case rt.Allow.Allows(api.Anonymous): // anyone: no session looked at
		return "through"
	case role == api.Anonymous || !valid:
		return "401"
	case !rt.Allow.Allows(role):
		return "403"
	}
	return "through"
}

func checkStatus(t *testing.T, name string, status int, want string) {
	t.Helper()
	switch want {
	case "401", "403":
		if strconv.Itoa(status) != want {
			t.Errorf("%s: got %d, want %s", name, status, want)
		}
	default:
		if status == http.StatusUnauthorized || status == http.StatusForbidden || status >= 500 {
			t.Errorf("%s: got %d, want it let through", name, status)
		}
	}
}

// TestRouteTable walks every route of both handlers as every role. Each
// role logs in where it may (staff at the console, learners at the kiosk)
// and presents its session to the route's handler under that handler's
// cookie: anonymous callers and sessions of the other handler get 401,
// roles the route does not allow 403, and everyone else gets through.
// Then a session forged for the role on the route's own handler shows the
// role decision alone: 403 or through, exactly as the table says.
func TestRouteTable(t *testing.T) {
	h := newHarness(t)
	for _, sd := range sides(h) {
		if len(sd.routes) == 0 {
			t.Fatalf("%s: no routes", sd.name)
		}
		anonymous := map[string]bool{}
		for _, rt := range sd.routes {
			if rt.Allow.Allows(api.Anonymous) {
				anonymous[rt.Method+" "+rt.Pattern] = true
			}
			method := rt.Method
			if method == "" {
				method = http.MethodGet
			}
			path := pathOf(rt)
			for _, role := range allRoles {
				name := sd.name + " " + method + " " + path + " as " + role.String()
				c := h.browser(t, sd.base)
				valid := false
				if role != api.Anonymous {
					var home *client
					if role == api.Learner {
						home = h.loginKiosk(t, userOf[role])
					} else {
						home = h.login(t, userOf[role])
					}
					homeCookie := map[bool]string{true: "palisade_kiosk", false: "palisade_session"}[role == api.Learner]
					c = home.presenting(sd.base, sd.cookie, home.sessionID(homeCookie))
					valid = sd.logsIn(role)
				}
				checkStatus(t, name, c.status(method, path), expect(rt, role, valid))

				if role == api.Anonymous {
					continue
				}
				ck, csrf := h.srv.ForgeSession(role, sd.kiosk)
				forged := h.browser(t, sd.base).presenting(sd.base, ck.Name, ck.Value)
				forged.csrf = csrf
				checkStatus(t, name+" (session forged on "+sd.name+")", forged.status(method, path), expect(rt, role, true))
			}
		}
		// Adding an anonymous route must be a decision made here too.
		want := map[string]map[string]bool{
			"console": {"POST /v1/login": true, "GET /healthz": true, "GET /metrics": true, " /": true},
			"kiosk":   {"POST /k/v1/login": true, "GET /k/healthz": true, "GET /{$}": true, " /": true},
		}[sd.name]
		for r := range anonymous {
			if !want[r] {
				t.Errorf("%s: route %q is open to anonymous callers", sd.name, r)
			}
		}
		for r := range want {
			if !anonymous[r] {
				t.Errorf("%s: route %q should be open to anonymous callers", sd.name, r)
			}
		}
	}
}

// TestTablesKeepRolesApart: no console route lets a learner in and no
// kiosk route lets staff in, whatever else changes in the tables.
func TestTablesKeepRolesApart(t *testing.T) {
	h := newHarness(t)
	for _, rt := range h.srv.Routes() {
		if rt.Allow.Allows(api.Learner) && !rt.Allow.Allows(api.Anonymous) {
			t.Errorf("console route %s %s lets learners in", rt.Method, rt.Pattern)
		}
	}
	for _, rt := range h.srv.KioskRoutes() {
		for _, r := range []api.Role{api.Officer, api.Supervisor, api.Admin} {
			if rt.Allow.Allows(r) && !rt.Allow.Allows(api.Anonymous) {
				t.Errorf("kiosk route %s %s lets %s in", rt.Method, rt.Pattern, r)
			}
		}
		if !strings.HasPrefix(rt.Pattern, "/k/") && rt.Pattern != "/" && rt.Pattern != "/{$}" {
			t.Errorf("kiosk route %s %s is outside /k/", rt.Method, rt.Pattern)
		}
	}
}

// TestNewRefusesRouteWithoutDecision: a route added to either table
// without an access decision stops the server from being built.
func TestNewRefusesRouteWithoutDecision(t *testing.T) {
	h := newHarness(t)
	cfg := api.Config{Node: "n1", Users: users(t), Learners: learners(t), Alarms: h.alarms, Cluster: fakeCluster{}}
	for _, tc := range []struct {
		name  string
		kiosk bool
		rt    api.Route
		want  string
	}{
		{"console, zero value", false, api.Route{Method: "GET", Pattern: "/v1/new"},
			`api: console route "GET /v1/new" has no access decision`},
		{"kiosk, zero value", true, api.Route{Method: "POST", Pattern: "/k/v1/new"},
			`api: kiosk route "POST /k/v1/new" has no access decision`},
		{"anonymous but not everyone", false, api.Route{Method: "GET", Pattern: "/v1/new", Allow: api.Access(1)},
			`api: console route "GET /v1/new" lets anonymous callers in but not officer, supervisor, admin, learner; use anyone`},
		{"a role that does not exist", true, api.Route{Pattern: "/k/new", Allow: api.Access(1 << 7)},
			`api: kiosk route "/k/new" access 0x80 names a role that does not exist`},
	} {
		srv, err := api.NewWithRoute(cfg, tc.kiosk, tc.rt)
		if err == nil {
			srv.Close()
			t.Errorf("%s: New succeeded", tc.name)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%s: error %q, want %q", tc.name, err, tc.want)
		}
	}
}

// TestAccess pins the names and decisions the tables are written with.
func TestAccess(t *testing.T) {
	for r, want := range map[api.Role]string{api.Anonymous: "anonymous", api.Officer: "officer",
		api.Supervisor: "supervisor", api.Admin: "admin", api.Learner: "learner"} {
		got, err := api.ParseRole(want)
		if err != nil || got != r || r.String() != want {
			t.Errorf("role %d: ParseRole(%q) = %v, %v; String %q", r, want, got, err, r.String())
		}
	}
	if _, err := api.ParseRole("inmate"); err == nil {
		t.Error(`ParseRole("inmate") succeeded`)
	}
	h := newHarness(t)
	got := map[string]string{}
	for _, rt := range append(h.srv.Routes(), h.srv.KioskRoutes()...) {
		got[rt.Method+" "+rt.Pattern] = rt.Allow.String()
	}
	for route, want := range map[string]string{
		"POST /v1/login":                 "anyone",
		"GET /v1/alarms":                 "officer, supervisor, admin",
		"GET /v1/sessions":               "admin",
		"GET /v1/audit":                  "supervisor, admin",
		"POST /v1/zones/{id}/lockdown":   "supervisor, admin",
		"POST /v1/doors/{id}/unlock":     "officer, supervisor, admin",
		"POST /v1/sallyports/{id}/act":   "officer, supervisor, admin",
		"GET /v1/presence":               "officer, supervisor, admin",
		"GET /v1/people/{id}":            "officer, supervisor, admin",
		"POST /v1/password":              "officer, supervisor, admin",
		"POST /v1/users/{name}/password": "admin",
		"GET /k/v1/session":              "learner",
		"POST /k/v1/logout":              "learner",

		// Custody: officers count and check, supervisors decide.
		"GET /v1/headcount":                    "officer, supervisor, admin",
		"POST /v1/headcount":                   "supervisor, admin",
		"POST /v1/headcount/{id}/zones/{zone}": "officer, supervisor, admin",
		"POST /v1/headcount/{id}/cancel":       "supervisor, admin",
		"GET /v1/rounds":                       "officer, supervisor, admin",
		"POST /v1/rounds/check":                "officer, supervisor, admin",
		"POST /v1/rounds/watch":                "supervisor, admin",
		"GET /v1/rounds/export.csv":            "officer, supervisor, admin",
		"GET /v1/reports/custody":              "supervisor, admin",

		// Cameras and evidence: staff only, never a learner.
		"GET /v1/cameras":                   "officer, supervisor, admin",
		"GET /v1/cameras/{id}/snapshot.jpg": "officer, supervisor, admin",
		"GET /v1/clips/{name}":              "officer, supervisor, admin",
		"GET /v1/snapshots/{name}":          "officer, supervisor, admin",
		"GET /v1/alarms/{id}/evidence":      "officer, supervisor, admin",
	} {
		if got[route] != want {
			t.Errorf("%s: allows %q, want %q", route, got[route], want)
		}
	}
}

// status sends an empty JSON object (for POSTs) and returns only the status;
// it does not wait for the body, so it works on the event stream too.
func (c *client) status(method, path string) int {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var body *strings.Reader
	if method == http.MethodPost {
		body = strings.NewReader("{}")
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequestWithContext(ctx, method, c.base+path, body)
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestConsoleServedAtRoot(t *testing.T) {
	h := newHarness(t)
	resp, err := http.Get(h.ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET /: Content-Type %q, want text/html", ct)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("GET /: Content-Security-Policy %q", csp)
	}
	c := h.anonymous(t)
	if status, _ := c.do("GET", "/console.js", ""); status != http.StatusOK {
		t.Errorf("GET /console.js: %d", status)
	}
	if status, _ := c.do("GET", "/nope.js", ""); status != http.StatusNotFound {
		t.Errorf("GET /nope.js: %d, want 404", status)
	}
}

func TestHealthz(t *testing.T) {
	h := newHarness(t)
	var got struct {
		Node, State string
		Quorum      bool
	}
	status, body := h.anonymous(t).doJSON("GET", "/healthz", "", &got)
	if status != http.StatusOK || got.Node != "n1" || got.State != "Leader" || !got.Quorum {
		t.Errorf("healthz: %d %s", status, body)
	}
}
