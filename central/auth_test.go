package central

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/palisade/palisade/sync/uplink"
)

// With analysts configured, the dashboard and the API answer only an
// analyst with the right password; without any, HQ refuses to listen off
// loopback.
func TestAnalystsLogIn(t *testing.T) {
	w := newWorld(t, 1, uplink.Feed{})
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	w.cfg.Analysts = []Analyst{{Name: "marie", PasswordHash: string(hash)}}
	h := w.startHQ(uplink.SystemClock{})
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	for _, c := range []struct {
		user, pw string
		want     int
	}{{"", "", 401}, {"marie", "wrong", 401}, {"mallory", "correct horse", 401}, {"marie", "correct horse", 200}, {"marie", "correct horse", 200}} {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/facilities", nil)
		if c.user != "" {
			req.SetBasicAuth(c.user, c.pw)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s/%s: %d, want %d", c.user, c.pw, resp.StatusCode, c.want)
		}
		if c.want == 401 && !strings.Contains(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("401 without a basic challenge")
		}
	}

	cfg := *w.cfg
	cfg.Analysts, cfg.Listen = nil, "0.0.0.0:8480"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "analysts") {
		t.Fatalf("HQ open to the network without accounts: %v", err)
	}
	cfg.Listen = "127.0.0.1:8480"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("loopback without accounts: %v", err)
	}
}

// Resolving needs the dashboard's header: a cross-site form cannot send it.
func TestResolveNeedsTheDashboardsHeader(t *testing.T) {
	w := newWorld(t, 1, uplink.Feed{})
	h := w.startHQ(uplink.SystemClock{})
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/api/v1/alarms/resolve?id=x", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a form's POST: %d, want 403", resp.StatusCode)
	}
	cfg := *w.cfg
	cfg.Listen, cfg.Analysts = "10.0.0.5:8480", []Analyst{{Name: "marie", PasswordHash: "$2a$10$abc"}}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "tls_cert") {
		t.Fatalf("passwords in clear off loopback: %v", err)
	}
}
