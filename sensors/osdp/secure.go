package osdp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"fmt"
)

// SCBKDefault is SCBK-D, the public default secure channel base key used
// only to commission a reader (install mode).
var SCBKDefault = []byte{
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
}

// Key indicator carried in SEC_BLK_DATA of SCS_11…SCS_13.
const (
	KeySCBKD = 0x00 // the handshake uses SCBK-D
	KeySCBK  = 0x01 // the handshake uses the reader's own SCBK
)

// RMAC_I SEC_BLK_DATA values.
const (
	CryptogramAccepted = 0x01
	CryptogramRejected = 0xFF
)

// Role says which side of the channel a Session is.
type Role int

// Roles.
const (
	RoleCP Role = iota // control panel: seals commands, opens replies
	RolePD             // peripheral device: seals replies, opens commands
)

// Session is one side of an OSDP secure channel (AES-128): the session
// keys derived in the SCS_11…SCS_14 handshake and the running MAC chain.
// Both the panel and the reader simulator use it; the direction of each
// message comes from Frame.Reply. A Session is not safe for concurrent use.
type Session struct {
	role               Role
	enc, mac1, mac2    cipher.Block
	cpRandom, pdRandom [8]byte
	cmac, rmac         [16]byte // last command MAC, last reply MAC
	active             bool
}

// NewSession derives S-ENC, S-MAC1 and S-MAC2 from scbk and the two
// handshake randoms: each is AES-128-ECB under SCBK of the block
// 01 82|01 01|01 02 ‖ cp_random[0..5] ‖ 00×8.
func NewSession(role Role, scbk []byte, cpRandom, pdRandom [8]byte) (*Session, error) {
	base, err := aes.NewCipher(scbk)
	if err != nil {
		return nil, fmt.Errorf("%w: SCBK is %d bytes, want 16", ErrKey, len(scbk))
	}
	s := &Session{role: role, cpRandom: cpRandom, pdRandom: pdRandom}
	derive := func(b1 byte) cipher.Block {
		var in, out [16]byte
		in[0], in[1] = 0x01, b1
		copy(in[2:8], cpRandom[:6])
		base.Encrypt(out[:], in[:])
		blk, _ := aes.NewCipher(out[:]) // 16 bytes: cannot fail
		return blk
	}
	s.enc, s.mac1, s.mac2 = derive(0x82), derive(0x01), derive(0x02)
	return s, nil
}

// ClientCryptogram is the PD's proof of the key:
// AES-ECB(S-ENC, cp_random ‖ pd_random).
func (s *Session) ClientCryptogram() []byte {
	return ecb(s.enc, cat(s.cpRandom[:], s.pdRandom[:]))
}

// ServerCryptogram is the CP's proof of the key:
// AES-ECB(S-ENC, pd_random ‖ cp_random).
func (s *Session) ServerCryptogram() []byte {
	return ecb(s.enc, cat(s.pdRandom[:], s.cpRandom[:]))
}

// InitialRMAC is AES-ECB(S-MAC2, AES-ECB(S-MAC1, server cryptogram)).
func (s *Session) InitialRMAC() []byte {
	return ecb(s.mac2, ecb(s.mac1, s.ServerCryptogram()))
}

// VerifyClientCryptogram checks a CCRYPT cryptogram (CP side).
func (s *Session) VerifyClientCryptogram(c []byte) error {
	if subtle.ConstantTimeCompare(c, s.ClientCryptogram()) != 1 {
		return fmt.Errorf("%w: client cryptogram in CCRYPT", ErrCryptogram)
	}
	return nil
}

// VerifyServerCryptogram checks an SCRYPT cryptogram (PD side).
func (s *Session) VerifyServerCryptogram(c []byte) error {
	if subtle.ConstantTimeCompare(c, s.ServerCryptogram()) != 1 {
		return fmt.Errorf("%w: server cryptogram in SCRYPT", ErrCryptogram)
	}
	return nil
}

// Start activates the channel with the initial R-MAC: the PD passes its
// own InitialRMAC, the CP the one received in RMAC_I, which is checked.
func (s *Session) Start(rmacI []byte) error {
	if subtle.ConstantTimeCompare(rmacI, s.InitialRMAC()) != 1 {
		return fmt.Errorf("%w: initial R-MAC in RMAC_I", ErrCryptogram)
	}
	copy(s.rmac[:], rmacI)
	s.active = true
	return nil
}

// Active reports whether the handshake has completed.
func (s *Session) Active() bool { return s != nil && s.active }

// Seal encodes f as a secure message: SCS_15/16 when f has no data,
// SCS_17/18 with the data encrypted otherwise, then the MAC. Commands
// (f.Reply false) chain from the last R-MAC, replies from the last C-MAC.
func (s *Session) Seal(f Frame) ([]byte, error) {
	if !s.Active() {
		return nil, ErrNoSession
	}
	if f.Reply != (s.role == RolePD) {
		return nil, fmt.Errorf("%w: role %d cannot seal reply=%v", ErrSCB, s.role, f.Reply)
	}
	f.SCBData = nil
	switch {
	case len(f.Data) == 0 && !f.Reply:
		f.SCBType = SCS15
	case len(f.Data) == 0:
		f.SCBType = SCS16
	case !f.Reply:
		f.SCBType = SCS17
	default:
		f.SCBType = SCS18
	}
	if len(f.Data) > 0 {
		f.Data = s.crypt(f.Data, f.Reply, true)
	}
	var full []byte
	b, err := marshal(f, func(prefix []byte) ([]byte, error) {
		full = s.mac(prefix, f.Reply)
		return full[:MACLen], nil
	})
	if err != nil {
		return nil, err
	}
	s.chain(f.Reply, full)
	return b, nil
}

// Open verifies the MAC of a received secure frame and decrypts its data
// in place. On a bad MAC the chain is left as it was.
func (s *Session) Open(f *Frame) error {
	if !s.Active() {
		return ErrNoSession
	}
	if f.Reply != (s.role == RoleCP) {
		return fmt.Errorf("%w: ADDR bit 7 = %v, a reflected frame", ErrSCB, f.Reply)
	}
	want := byte(SCS15)
	if f.Reply {
		want = SCS16
	}
	if f.SCBType != want && f.SCBType != want+2 {
		return fmt.Errorf("%w: SEC_BLK_TYPE 0x%02X in a secure session, want 0x%02X or 0x%02X", ErrSCB, f.SCBType, want, want+2)
	}
	if len(f.MAC) != MACLen || f.macInput == nil {
		return fmt.Errorf("%w: frame carries no MAC", ErrMAC)
	}
	full := s.mac(f.macInput, f.Reply)
	if subtle.ConstantTimeCompare(full[:MACLen], f.MAC) != 1 {
		return fmt.Errorf("%w: MAC % X, computed % X", ErrMAC, f.MAC, full[:MACLen])
	}
	s.chain(f.Reply, full)
	if f.SCBType == want+2 && len(f.Data) > 0 {
		if len(f.Data)%16 != 0 {
			return fmt.Errorf("%w: encrypted data is %d bytes, not a multiple of 16", ErrPadding, len(f.Data))
		}
		plain := s.crypt(f.Data, f.Reply, false)
		i := len(plain) - 1
		for i >= 0 && plain[i] == 0 {
			i--
		}
		if i < 0 || plain[i] != 0x80 || len(plain)-i > 16 {
			return fmt.Errorf("%w: decrypted data does not end in 80 00…", ErrPadding)
		}
		f.Data = plain[:i]
	}
	return nil
}

func (s *Session) chain(reply bool, full []byte) {
	if reply {
		copy(s.rmac[:], full)
	} else {
		copy(s.cmac[:], full)
	}
}

// mac is the AES CBC-MAC of msg, padded with 80 00… only when its length
// is not a multiple of 16: S-MAC1 for all blocks but the last, S-MAC2 for
// the last, chained from the last R-MAC (commands) or C-MAC (replies).
func (s *Session) mac(msg []byte, reply bool) []byte {
	iv := s.rmac
	if reply {
		iv = s.cmac
	}
	buf := append([]byte(nil), msg...)
	if len(buf)%16 != 0 {
		buf = pad(buf)
	}
	x := iv[:]
	for i := 0; i < len(buf); i += 16 {
		blk := s.mac1
		if i+16 == len(buf) {
			blk = s.mac2
		}
		var in [16]byte
		subtle.XORBytes(in[:], x, buf[i:i+16])
		x = ecb(blk, in[:])
	}
	return x
}

// crypt encrypts (pads with 80 00… always) or decrypts data with AES-CBC
// under S-ENC; the IV is the complement of the last MAC received by the
// sender: R-MAC for commands, C-MAC for replies.
func (s *Session) crypt(data []byte, reply, encrypt bool) []byte {
	iv := s.rmac
	if reply {
		iv = s.cmac
	}
	for i := range iv {
		iv[i] = ^iv[i]
	}
	if encrypt {
		buf := pad(append([]byte(nil), data...))
		cipher.NewCBCEncrypter(s.enc, iv[:]).CryptBlocks(buf, buf)
		return buf
	}
	buf := append([]byte(nil), data...)
	cipher.NewCBCDecrypter(s.enc, iv[:]).CryptBlocks(buf, buf)
	return buf
}

func pad(b []byte) []byte {
	b = append(b, 0x80)
	for len(b)%16 != 0 {
		b = append(b, 0)
	}
	return b
}

func ecb(b cipher.Block, in []byte) []byte {
	out := make([]byte, 16)
	b.Encrypt(out, in)
	return out
}

func cat(a, b []byte) []byte { return append(append([]byte(nil), a...), b...) }
