package osdp

import (
	"bytes"
	"crypto/aes"
	"errors"
	"testing"
)

var (
	testKey  = []byte("0123456789abcdef")
	cpRandom = [8]byte{0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7}
	pdRandom = [8]byte{0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7}
)

// handshake runs SCS_11…14 between two Sessions the way the panel and a
// reader do, and returns both activated.
func pair(t testing.TB, cpKey, pdKey []byte) (cp, pd *Session) {
	t.Helper()
	cp, _ = NewSession(RoleCP, cpKey, cpRandom, pdRandom)
	pd, _ = NewSession(RolePD, pdKey, cpRandom, pdRandom)
	if err := cp.VerifyClientCryptogram(pd.ClientCryptogram()); err != nil {
		t.Fatal(err)
	}
	if err := pd.VerifyServerCryptogram(cp.ServerCryptogram()); err != nil {
		t.Fatal(err)
	}
	if err := pd.Start(pd.InitialRMAC()); err != nil {
		t.Fatal(err)
	}
	if err := cp.Start(pd.InitialRMAC()); err != nil {
		t.Fatal(err)
	}
	return cp, pd
}

func TestSessionKeyDerivation(t *testing.T) {
	s, err := NewSession(RoleCP, testKey, cpRandom, pdRandom)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := aes.NewCipher(testKey)
	in := []byte{0x01, 0x82, 0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0, 0, 0, 0, 0, 0, 0, 0}
	senc := make([]byte, 16)
	base.Encrypt(senc, in)
	blk, _ := aes.NewCipher(senc)
	want := make([]byte, 16)
	blk.Encrypt(want, append(cpRandom[:], pdRandom[:]...))
	if !bytes.Equal(s.ClientCryptogram(), want) {
		t.Fatalf("client cryptogram % X, want % X (S-ENC from 01 82 ‖ cp_random[0..5] ‖ 0…)", s.ClientCryptogram(), want)
	}
	if _, err := NewSession(RoleCP, testKey[:15], cpRandom, pdRandom); !errors.Is(err, ErrKey) {
		t.Fatalf("15-byte key: %v", err)
	}
}

func TestHandshakeWrongKey(t *testing.T) {
	cp, _ := NewSession(RoleCP, testKey, cpRandom, pdRandom)
	pd, _ := NewSession(RolePD, SCBKDefault, cpRandom, pdRandom)
	if err := cp.VerifyClientCryptogram(pd.ClientCryptogram()); !errors.Is(err, ErrCryptogram) {
		t.Fatalf("CP accepted a reader on another key: %v", err)
	}
	if err := pd.VerifyServerCryptogram(cp.ServerCryptogram()); !errors.Is(err, ErrCryptogram) {
		t.Fatalf("PD accepted a CP on another key: %v", err)
	}
	if err := cp.Start(pd.InitialRMAC()); !errors.Is(err, ErrCryptogram) || cp.Active() {
		t.Fatalf("RMAC_I from another key: %v", err)
	}
}

// TestSecureExchange sends commands and replies both ways, with no data,
// short data, and data that is a multiple of 16 (padding still added).
func TestSecureExchange(t *testing.T) {
	cp, pd := pair(t, testKey, testKey)
	bodies := [][]byte{nil, {0}, bytes.Repeat([]byte{0xAA}, 16), bytes.Repeat([]byte{0x55}, 33)}
	for i, body := range bodies {
		seq := byte(i%3 + 1)
		b, err := cp.Seal(Frame{Addr: 5, Seq: seq, CRC: true, Code: CmdLED, Data: body})
		if err != nil {
			t.Fatal(err)
		}
		f, err := Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(body) > 0 && (f.SCBType != SCS17 || (len(body) >= 4 && bytes.Contains(b, body))) {
			t.Fatalf("command %d: SCB 0x%02X, plaintext visible: % X", i, f.SCBType, b)
		}
		if err := pd.Open(&f); err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
		if !bytes.Equal(f.Data, body) {
			t.Fatalf("command %d: data % X, want % X", i, f.Data, body)
		}
		rb, err := pd.Seal(Frame{Addr: 5, Reply: true, Seq: seq, CRC: true, Code: ReplyRAW, Data: body})
		if err != nil {
			t.Fatal(err)
		}
		r, _ := Unmarshal(rb)
		if err := cp.Open(&r); err != nil || !bytes.Equal(r.Data, body) {
			t.Fatalf("reply %d: % X, %v", i, r.Data, err)
		}
	}
}

// TestSecureRejects: a flipped MAC, a replayed frame and a frame from the
// wrong direction are rejected, and the chain survives a rejection.
func TestSecureRejects(t *testing.T) {
	cp, pd := pair(t, testKey, testKey)
	b1, _ := cp.Seal(Frame{Addr: 1, Seq: 1, CRC: true, Code: CmdPOLL})
	f1, _ := Unmarshal(b1)
	bad := f1
	bad.MAC = append([]byte(nil), f1.MAC...)
	bad.MAC[0] ^= 0x01
	if err := pd.Open(&bad); !errors.Is(err, ErrMAC) {
		t.Fatalf("flipped MAC: %v", err)
	}
	if err := pd.Open(&f1); err != nil {
		t.Fatalf("good frame after a rejected one: %v", err)
	}
	r1, _ := pd.Seal(Frame{Addr: 1, Reply: true, Seq: 1, CRC: true, Code: ReplyACK})
	fr, _ := Unmarshal(r1)
	if err := cp.Open(&fr); err != nil {
		t.Fatal(err)
	}
	replay, _ := Unmarshal(b1)
	if err := pd.Open(&replay); !errors.Is(err, ErrMAC) {
		t.Fatalf("replayed command: %v", err)
	}
	wrongDir, _ := Unmarshal(r1)
	if err := pd.Open(&wrongDir); !errors.Is(err, ErrSCB) {
		t.Fatalf("reply fed to the PD: %v", err)
	}
	plain, _ := Unmarshal(mustMarshal(t, Frame{Addr: 1, Seq: 2, CRC: true, Code: CmdPOLL}))
	if err := pd.Open(&plain); !errors.Is(err, ErrSCB) {
		t.Fatalf("plain frame: %v", err)
	}
	var idle Session
	if _, err := idle.Seal(Frame{}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("seal without session: %v", err)
	}
}

func mustMarshal(t testing.TB, f Frame) []byte {
	t.Helper()
	b, err := Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
