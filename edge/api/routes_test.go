package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/api"
)

// TestRouteTable walks every route as every role: anonymous callers get 401
// and under-privileged ones 403 wherever the table says so, and everyone
// else gets through.
func TestRouteTable(t *testing.T) {
	h := newHarness(t)
	roles := []api.Role{api.Anonymous, api.Officer, api.Supervisor, api.Admin}
	routes := h.srv.Routes()
	if len(routes) == 0 {
		t.Fatal("no routes")
	}
	anonymous := map[string]bool{}
	for _, rt := range routes {
		if rt.MinRole < api.Anonymous || rt.MinRole > api.Admin {
			t.Errorf("%s %s: role %v out of range", rt.Method, rt.Pattern, rt.MinRole)
		}
		if rt.MinRole == api.Anonymous {
			anonymous[rt.Method+" "+rt.Pattern] = true
		}
		for _, role := range roles {
			c := h.anonymous(t)
			if role != api.Anonymous {
				c = h.login(t, userOf[role])
			}
			method := rt.Method
			if method == "" {
				method = http.MethodGet
			}
			path := strings.ReplaceAll(rt.Pattern, "{id}", "a1")
			status := c.status(method, path)
			name := method + " " + path + " as " + role.String()
			switch {
			case role < rt.MinRole && role == api.Anonymous:
				if status != http.StatusUnauthorized {
					t.Errorf("%s: got %d, want 401", name, status)
				}
			case role < rt.MinRole:
				if status != http.StatusForbidden {
					t.Errorf("%s: got %d, want 403", name, status)
				}
			default:
				if status == http.StatusUnauthorized || status == http.StatusForbidden || status >= 500 {
					t.Errorf("%s: got %d, want it let through", name, status)
				}
			}
		}
	}
	// Adding an anonymous route must be a decision made here too.
	want := map[string]bool{"POST /v1/login": true, "GET /healthz": true, "GET /metrics": true, " /": true}
	for r := range anonymous {
		if !want[r] {
			t.Errorf("route %q is open to anonymous callers", r)
		}
	}
	for r := range want {
		if !anonymous[r] {
			t.Errorf("route %q should be open to anonymous callers", r)
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
	req, _ := http.NewRequestWithContext(ctx, method, c.h.ts.URL+path, body)
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
