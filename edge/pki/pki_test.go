package pki

import (
	"errors"
	"testing"
	"time"
)

func TestIdentityAndVerification(t *testing.T) {
	now := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	ca, err := NewCA("northfield", now)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(RoleConsole, "console-hb-a", []string{"127.0.0.1", "console.local"}, now, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	role, name, err := Identity(cert.Leaf)
	if err != nil || role != RoleConsole || name != "console-hb-a" {
		t.Fatalf("identity %q %q %v", role, name, err)
	}
	clock := func() time.Time { return now }
	verify := verifier(ca.Pool(), clock, []Role{RoleConsole, RoleNode})
	if err := verify(cert.Certificate, nil); err != nil {
		t.Errorf("valid console certificate refused: %v", err)
	}
	if err := verifier(ca.Pool(), clock, []Role{RoleNode})(cert.Certificate, nil); !errors.Is(err, ErrRole) {
		t.Errorf("console certificate where only nodes may connect: %v", err)
	}
	later := func() time.Time { return now.Add(48 * time.Hour) }
	if err := verifier(ca.Pool(), later, []Role{RoleConsole})(cert.Certificate, nil); !errors.Is(err, ErrUntrusted) {
		t.Errorf("expired certificate: %v", err)
	}
	other, _ := NewCA("elsewhere", now)
	if err := verifier(other.Pool(), clock, []Role{RoleConsole})(cert.Certificate, nil); !errors.Is(err, ErrUntrusted) {
		t.Errorf("certificate of another CA: %v", err)
	}
	if err := verify([][]byte{[]byte("garbage")}, nil); !errors.Is(err, ErrUntrusted) {
		t.Errorf("garbage certificate: %v", err)
	}
}
