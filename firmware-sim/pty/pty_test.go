package pty

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRawRoundTrip proves bytes cross the pair unchanged in both
// directions (no echo, no CR/LF mapping, 8-bit clean) through the link.
func TestRawRoundTrip(t *testing.T) {
	p, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	link := filepath.Join(t.TempDir(), "tty")
	if err := p.Link(link); err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(link, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	msg := []byte{0x53, 0x0D, 0x0A, 0xFF, 0x00, 0x03, 0x11, 0x7F}
	if _, err := s.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := readN(t, p.Master, len(msg))
	if !bytes.Equal(got, msg) {
		t.Fatalf("master read % X, want % X", got, msg)
	}
	if _, err := p.Master.Write(msg); err != nil {
		t.Fatal(err)
	}
	got = readN(t, s, len(msg))
	if !bytes.Equal(got, msg) {
		t.Fatalf("slave read % X, want % X", got, msg)
	}
	// Nothing echoed back to the master.
	p.Master.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, _ := p.Master.Read(make([]byte, 16)); n != 0 {
		t.Fatalf("echo: master read %d bytes", n)
	}
}

func readN(t *testing.T, f *os.File, n int) []byte {
	t.Helper()
	f.SetReadDeadline(time.Now().Add(2 * time.Second))
	var out []byte
	buf := make([]byte, 64)
	for len(out) < n {
		k, err := f.Read(buf)
		out = append(out, buf[:k]...)
		if err != nil {
			t.Fatalf("read after %d bytes: %v", len(out), err)
		}
	}
	return out
}
