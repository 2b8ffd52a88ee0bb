package api

import (
	"testing"
	"time"
)

// A login that checked the password before a revocation does not create
// its session after it: the change it raced wins.
func TestCreateAfterRevocation(t *testing.T) {
	st := newSessions(time.Hour, time.Hour)
	now := time.Date(2026, 1, 15, 22, 0, 0, 0, time.UTC)
	gen := st.generation("olga")
	// ... bcrypt runs; meanwhile the password changes:
	if n := st.revokeUser("olga"); n != 0 {
		t.Fatalf("revoked %d sessions, want 0", n)
	}
	if sess := st.create("olga", Officer, consoleListener, "t", gen, now); sess != nil {
		t.Fatal("a login that raced a revocation got a session")
	}
	sess := st.create("olga", Officer, consoleListener, "t", st.generation("olga"), now)
	if sess == nil {
		t.Fatal("a login after the revocation got no session")
	}
	if st.lookup(sess.id, kioskListener, now) != nil {
		t.Error("a console session was found for the kiosk")
	}
	if st.lookup(sess.id, consoleListener, now) != sess {
		t.Error("the console session is gone after it was refused at the kiosk")
	}
	if n := st.revokeUser("olga"); n != 1 {
		t.Errorf("revoked %d sessions, want 1", n)
	}
	select {
	case <-sess.done:
	default:
		t.Error("revocation left the session's done channel open")
	}
}
