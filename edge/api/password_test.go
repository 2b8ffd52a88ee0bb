package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/sync/replica"
)

const newPassword = "correct horse battery"

// TestChangeOwnPassword: the change ends every session of the user, the
// caller's included, and its live streams; the old password stops working
// and the new one logs in.
func TestChangeOwnPassword(t *testing.T) {
	h := newHarness(t)
	c := h.login(t, "olga")
	other := h.login(t, "olga") // another console of hers
	_, lines := other.stream()
	<-h.alarms.subbed
	waitLine(t, lines, ": connected", time.Second)
	sam := h.login(t, "sam")

	var got struct{ User, Message string }
	status, body := c.doJSON("POST", "/v1/password", `{"old":"pw-olga","new":"`+newPassword+`"}`, &got)
	if status != http.StatusOK || got.User != "olga" || got.Message != "password changed; log in again" {
		t.Fatalf("change: %d %s", status, body)
	}
	waitEnd(t, lines, time.Second)
	for name, cl := range map[string]*client{"caller": c, "other console": other} {
		if status, _ := cl.do("GET", "/v1/session", ""); status != http.StatusUnauthorized {
			t.Errorf("%s after the change: %d, want 401", name, status)
		}
	}
	if status, _ := sam.do("GET", "/v1/session", ""); status != http.StatusOK {
		t.Errorf("another user's session after the change: %d, want 200", status)
	}
	hash, ok := h.passwords.Hash("olga")
	if !ok || h.passwords.changedBy("olga") != "olga" {
		t.Fatalf("the store has %q, changed by %q", hash, h.passwords.changedBy("olga"))
	}
	if cost, err := bcrypt.Cost([]byte(hash)); err != nil || cost != bcrypt.MinCost {
		t.Errorf("new hash cost %d, %v; want %d, that of the configured hashes", cost, err, bcrypt.MinCost)
	}
	if status, _ := h.anonymous(t).do("POST", "/v1/login", `{"user":"olga","password":"pw-olga"}`); status != http.StatusUnauthorized {
		t.Errorf("login with the old password: %d, want 401", status)
	}
	h.anonymous(t).logIn("/v1/login", "olga", newPassword)
}

func TestChangePasswordRefused(t *testing.T) {
	h := newHarness(t)
	c := h.login(t, "olga")
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"too short", `{"old":"pw-olga","new":"short"}`, 400, "new: must be at least 10 characters, not 5"},
		{"too long", `{"old":"pw-olga","new":"` + fmt.Sprintf("%073d", 0) + `"}`, 400, "new: must be at most 72 bytes, not 73"},
		{"same as old", `{"old":"pw-olga-long","new":"pw-olga-long"}`, 400, "new: must differ from the old password"},
		{"no old", `{"new":"` + newPassword + `"}`, 400, "old: your current password is required"},
		{"wrong old", `{"old":"pw-sam","new":"` + newPassword + `"}`, 403, "old: that is not your current password"},
		{"unknown field", `{"old":"pw-olga","new":"` + newPassword + `","user":"ada"}`, 400, `body: unknown field "user"`},
	} {
		status, body := c.do("POST", "/v1/password", tc.body)
		if status != tc.status || errorOf(t, body) != tc.want {
			t.Errorf("%s: got %d %s, want %d %q", tc.name, status, body, tc.status, tc.want)
		}
	}
	if _, changed := h.passwords.Hash("olga"); changed {
		t.Error("a refused change reached the store")
	}
	if status, _ := c.do("GET", "/v1/session", ""); status != http.StatusOK {
		t.Errorf("session after refused changes: %d, want 200", status)
	}
}

// TestWrongOldPasswordLocksOut: guessing the old password at a logged-in
// console counts toward the login lockout of that user at that terminal.
func TestWrongOldPasswordLocksOut(t *testing.T) {
	h := newHarness(t)
	c := h.login(t, "olga")
	for i := range 5 {
		if status, body := c.do("POST", "/v1/password", `{"old":"guess-`+fmt.Sprint(i)+`","new":"`+newPassword+`"}`); status != http.StatusForbidden {
			t.Fatalf("guess %d: %d %s", i+1, status, body)
		}
	}
	if status, _ := c.do("POST", "/v1/password", `{"old":"pw-olga","new":"`+newPassword+`"}`); status != http.StatusTooManyRequests {
		t.Errorf("right old password while locked out: %d, want 429", status)
	}
	if status, _ := h.anonymous(t).do("POST", "/v1/login", `{"user":"olga","password":"pw-olga"}`); status != http.StatusTooManyRequests {
		t.Errorf("login while locked out: %d, want 429", status)
	}
}

// TestAdminResetsPassword: an admin sets someone's password without the
// old one; that user's sessions, and only theirs, end.
func TestAdminResetsPassword(t *testing.T) {
	h := newHarness(t)
	olga := h.login(t, "olga")
	_, lines := olga.stream()
	<-h.alarms.subbed
	waitLine(t, lines, ": connected", time.Second)
	ada := h.login(t, "ada")

	var got struct{ User, Message string }
	status, body := ada.doJSON("POST", "/v1/users/olga/password", `{"new":"`+newPassword+`"}`, &got)
	if status != http.StatusOK || got.Message != "password of olga changed; their sessions have ended" {
		t.Fatalf("reset: %d %s", status, body)
	}
	waitEnd(t, lines, time.Second)
	if status, _ := olga.do("GET", "/v1/session", ""); status != http.StatusUnauthorized {
		t.Errorf("olga after the reset: %d, want 401", status)
	}
	if status, _ := ada.do("GET", "/v1/session", ""); status != http.StatusOK {
		t.Errorf("the admin after the reset: %d, want 200", status)
	}
	if by := h.passwords.changedBy("olga"); by != "ada" {
		t.Errorf("changed by %q, want ada", by)
	}
	h.anonymous(t).logIn("/v1/login", "olga", newPassword)

	// A learner's password too: the kiosk session ends.
	lena := h.loginKiosk(t, "lena")
	if status, body := ada.do("POST", "/v1/users/lena/password", `{"new":"`+newPassword+`"}`); status != http.StatusOK {
		t.Fatalf("reset lena: %d %s", status, body)
	}
	if status, _ := lena.do("GET", "/k/v1/session", ""); status != http.StatusUnauthorized {
		t.Errorf("lena after the reset: %d, want 401", status)
	}
	h.kioskAnonymous(t).logIn("/k/v1/login", "lena", newPassword)

	for _, tc := range []struct {
		path, body string
		status     int
		want       string
	}{
		{"/v1/users/nobody/password", `{"new":"` + newPassword + `"}`, 404, "no such user: nobody"},
		{"/v1/users/sam/password", `{"new":"short"}`, 400, "new: must be at least 10 characters, not 5"},
		{"/v1/users/sam/password", `{"old":"x","new":"` + newPassword + `"}`, 400, `body: unknown field "old"`},
	} {
		if status, body := ada.do("POST", tc.path, tc.body); status != tc.status || errorOf(t, body) != tc.want {
			t.Errorf("POST %s %s: %d %s, want %d %q", tc.path, tc.body, status, body, tc.status, tc.want)
		}
	}
	// Resetting one's own password ends one's own session too.
	if status, body := ada.doJSON("POST", "/v1/users/ada/password", `{"new":"`+newPassword+`"}`, &got); status != http.StatusOK ||
		got.Message != "password changed; log in again" {
		t.Errorf("reset own: %d %s", status, body)
	}
	if status, _ := ada.do("GET", "/v1/session", ""); status != http.StatusUnauthorized {
		t.Errorf("the admin after resetting her own: %d, want 401", status)
	}
}

func TestPasswordRoutesWithoutStore(t *testing.T) {
	h := newHarnessWith(t, func(c *api.Config) { c.Passwords = nil })
	ada := h.login(t, "ada") // logins use the configured hashes
	for _, path := range []string{"/v1/password", "/v1/users/olga/password"} {
		status, body := ada.do("POST", path, `{"old":"pw-ada","new":"`+newPassword+`"}`)
		if status != http.StatusServiceUnavailable ||
			errorOf(t, body) != "passwords cannot be changed on this node: it has no replicated password store" {
			t.Errorf("POST %s: %d %s", path, status, body)
		}
	}
}

// TestPasswordNotCommitted: without a quorum nothing changes and nobody is
// logged out.
func TestPasswordNotCommitted(t *testing.T) {
	h := newHarness(t)
	c := h.login(t, "olga")
	h.passwords.setErr(fmt.Errorf("password: propose: %w", replica.ErrNoLeader))
	status, body := c.do("POST", "/v1/password", `{"old":"pw-olga","new":"`+newPassword+`"}`)
	if status != http.StatusServiceUnavailable || errorOf(t, body) != "no quorum: the change cannot be recorded now" {
		t.Errorf("change without quorum: %d %s", status, body)
	}
	if status, _ := c.do("GET", "/v1/session", ""); status != http.StatusOK {
		t.Errorf("session after an uncommitted change: %d, want 200", status)
	}
}

// TestRevokeUser is what the node calls on every node when a change is
// applied: the user's sessions on both handlers end, streams included.
func TestRevokeUser(t *testing.T) {
	h := newHarness(t)
	olga := h.login(t, "olga")
	_, lines := olga.stream()
	<-h.alarms.subbed
	waitLine(t, lines, ": connected", time.Second)
	sam := h.login(t, "sam")
	lena := h.loginKiosk(t, "lena")

	h.srv.RevokeUser("olga")
	h.srv.RevokeUser("olga") // again: no harm
	h.srv.RevokeUser("nobody")
	waitEnd(t, lines, time.Second)
	if status, _ := olga.do("GET", "/v1/session", ""); status != http.StatusUnauthorized {
		t.Errorf("olga after RevokeUser: %d, want 401", status)
	}
	if status, _ := sam.do("GET", "/v1/session", ""); status != http.StatusOK {
		t.Errorf("sam after olga's revocation: %d, want 200", status)
	}
	h.srv.RevokeUser("lena")
	if status, _ := lena.do("GET", "/k/v1/session", ""); status != http.StatusUnauthorized {
		t.Errorf("lena after RevokeUser: %d, want 401", status)
	}
	// Revocation is not a lock: the user logs in again.
	h.login(t, "olga")
	h.loginKiosk(t, "lena")
}
