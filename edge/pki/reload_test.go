package pki

import (
	"testing"
	"time"
)

func TestRenewedCertificateIsPickedUpWithoutRestart(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	ca, _ := NewCA("northfield", now)
	old, _ := ca.Issue(RoleNode, "node-1", nil, now, 10*24*time.Hour)
	if err := SaveCert(dir, "node-1", old); err != nil {
		t.Fatal(err)
	}
	r, err := NewReloader(dir, "node-1")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Leaf().NotAfter.Equal(old.Leaf.NotAfter) {
		t.Fatal("reloader does not serve the saved certificate")
	}
	renewed, _ := ca.Issue(RoleNode, "node-1", nil, now, 365*24*time.Hour)
	time.Sleep(10 * time.Millisecond) // file systems keep modification times to the ms or coarser
	if err := SaveCert(dir, "node-1", renewed); err != nil {
		t.Fatal(err)
	}
	if got := r.Leaf().NotAfter; !got.Equal(renewed.Leaf.NotAfter) {
		t.Errorf("after renewal the reloader serves a certificate ending %v, want %v", got, renewed.Leaf.NotAfter)
	}
}

func TestExpiryWarningsAt30And7Days(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	ca, _ := NewCA("northfield", now)
	issue := func(days int) *Expiring {
		c, _ := ca.Issue(RoleNode, "node-1", nil, now, time.Duration(days)*24*time.Hour)
		got := CheckExpiry(now, c.Leaf)
		if len(got) == 0 {
			return nil
		}
		return &got[0]
	}
	if e := issue(31); e != nil {
		t.Errorf("31 days left warned: %+v", e)
	}
	if e := issue(30); e == nil || e.Priority != 3 || e.Step != "30d" {
		t.Errorf("30 days left: %+v", e)
	}
	if e := issue(7); e == nil || e.Priority != 2 || e.Step != "7d" {
		t.Errorf("7 days left: %+v", e)
	}
	c, _ := ca.Issue(RoleNode, "node-1", nil, now.Add(-48*time.Hour), 24*time.Hour)
	if got := CheckExpiry(now, c.Leaf); len(got) != 1 || got[0].Priority != 1 {
		t.Errorf("expired: %+v", got)
	}
}
