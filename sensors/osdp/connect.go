package osdp

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// errDowngrade marks a handshake that found the reader below its
// configured security.
var errDowngrade = errors.New("osdp: security downgrade")

// connect brings a reader online: sequence reset, secure channel when
// configured, then ID, CAP and LSTAT. Online is reported at the end.
func (p *Panel) connect(ctx context.Context, d *pd) error {
	d.reset, d.sess = true, nil
	err := p.bringUp(ctx, d)
	if err == nil {
		d.ready, d.failing, d.downgraded = true, "", false
		p.log.Info("reader online", "addr", d.addr, "secure", d.sess.Active(), "serial", d.id.Serial)
		p.emit(ctx, Online{Addr: int(d.addr), ID: d.id, Caps: d.caps, Secure: d.sess.Active(), At: p.cfg.Now()})
		if d.tamper {
			p.emit(ctx, Tamper{Addr: int(d.addr), Active: true, At: p.cfg.Now()})
		}
		return nil
	}
	d.sess = nil
	var pe portError
	if errors.As(err, &pe) || ctx.Err() != nil {
		return err
	}
	if msg := err.Error(); msg != d.failing && !errors.Is(err, errTimeout) {
		p.log.Warn("reader connect failed", "addr", d.addr, "err", err)
		d.failing = msg
	}
	return nil
}

func (p *Panel) bringUp(ctx context.Context, d *pd) error {
	if d.cfg.Secure {
		if err := p.handshake(ctx, d); err != nil {
			return err
		}
	}
	r, err := p.exchange(ctx, d, Frame{Code: CmdID, Data: []byte{0}})
	if err != nil {
		return err
	}
	if r.Code != ReplyPDID {
		return fmt.Errorf("osdp: ID answered with 0x%02X", r.Code)
	}
	if d.id, err = ParsePDID(r.Data); err != nil {
		return err
	}
	if r, err = p.exchange(ctx, d, Frame{Code: CmdCAP, Data: []byte{0}}); err != nil {
		return err
	}
	if r.Code != ReplyPDCAP {
		return fmt.Errorf("osdp: CAP answered with 0x%02X", r.Code)
	}
	if d.caps, err = ParseCaps(r.Data); err != nil {
		return err
	}
	if r, err = p.exchange(ctx, d, Frame{Code: CmdLSTAT}); err != nil {
		return err
	}
	if r.Code == ReplyLSTATR {
		st, err := ParseLocalStatus(r.Data)
		if err != nil {
			return err
		}
		d.tamper = st.Tamper
	}
	return nil
}

// handshake runs SCS_11…SCS_14. A reader configured with its own key that
// answers with SCBK-D, refuses the channel or answers in plain text raises
// Downgrade (once per episode) and the handshake fails: the panel never
// falls back to a weaker channel.
func (p *Panel) handshake(ctx context.Context, d *pd) error {
	key, ind := d.keyFor()
	commissioned := d.scbk != nil
	var cpRandom [8]byte
	if _, err := io.ReadFull(p.cfg.Rand, cpRandom[:]); err != nil {
		return fmt.Errorf("osdp: cp_random: %w", err)
	}
	r, err := p.exchange(ctx, d, Frame{Code: CmdCHLNG, SCBType: SCS11, SCBData: []byte{ind}, Data: cpRandom[:]})
	if err != nil {
		return err
	}
	if r.Code == ReplyNAK || r.SCBType != SCS12 || r.Code != ReplyCCRYPT {
		why := fmt.Sprintf("answered CHLNG with plain reply 0x%02X", r.Code)
		if r.Code == ReplyNAK && len(r.Data) > 0 {
			why = "refused secure channel: NAK " + NAKReason(r.Data[0]).String()
		}
		if commissioned {
			return p.downgrade(ctx, d, why)
		}
		return fmt.Errorf("osdp: secure channel: %s", why)
	}
	if len(r.Data) != 32 || len(r.SCBData) < 1 {
		return fmt.Errorf("%w: CCRYPT has %d data bytes and %d SCB bytes, want 32 and 1", ErrPayload, len(r.Data), len(r.SCBData))
	}
	var pdRandom [8]byte
	copy(pdRandom[:], r.Data[8:16])
	crypt := r.Data[16:32]
	if commissioned && r.SCBData[0] == KeySCBKD {
		return p.downgrade(ctx, d, "reader offered SCBK-D instead of its own key")
	}
	s, err := NewSession(RoleCP, key, cpRandom, pdRandom)
	if err != nil {
		return err
	}
	if err := s.VerifyClientCryptogram(crypt); err != nil {
		if commissioned {
			if sd, _ := NewSession(RoleCP, SCBKDefault, cpRandom, pdRandom); sd.VerifyClientCryptogram(crypt) == nil {
				return p.downgrade(ctx, d, "reader proved SCBK-D, not its own key")
			}
		}
		return fmt.Errorf("osdp: reader key does not match: %w", err)
	}
	r, err = p.exchange(ctx, d, Frame{Code: CmdSCRYPT, SCBType: SCS13, SCBData: []byte{ind}, Data: s.ServerCryptogram()})
	if err != nil {
		return err
	}
	if r.Code != ReplyRMACI || r.SCBType != SCS14 || len(r.SCBData) < 1 || r.SCBData[0] != CryptogramAccepted {
		return fmt.Errorf("osdp: SCRYPT answered with 0x%02X SCB 0x%02X % X", r.Code, r.SCBType, r.SCBData)
	}
	if err := s.Start(r.Data); err != nil {
		return err
	}
	d.sess = s
	if !commissioned {
		p.log.Warn("secure channel on the public default key; commission this reader", "addr", d.addr)
	}
	return nil
}

func (p *Panel) downgrade(ctx context.Context, d *pd, reason string) error {
	if !d.downgraded {
		d.downgraded = true
		p.log.Error("security downgrade", "addr", d.addr, "reason", reason)
		p.emit(ctx, Downgrade{Addr: int(d.addr), Reason: reason, At: p.cfg.Now()})
	}
	return fmt.Errorf("%w: %s", errDowngrade, reason)
}

// keySet finishes a KEYSET: on ACK the reader's key becomes q.key and the
// channel is re-established with it.
func (p *Panel) keySet(ctx context.Context, d *pd, q queued, r Frame) error {
	if r.Code != ReplyACK {
		p.log.Error("KEYSET refused", "addr", d.addr, "reply", r.Code, "data", r.Data)
		return nil
	}
	d.scbk, d.sess = q.key, nil
	if err := p.handshake(ctx, d); err != nil {
		return p.failed(ctx, d, fmt.Errorf("handshake with the new key: %w", err))
	}
	p.log.Info("reader commissioned", "addr", d.addr)
	p.emit(ctx, Commissioned{Addr: int(d.addr), At: p.cfg.Now()})
	return nil
}

// handle acts on a reply to POLL or a queued command.
func (p *Panel) handle(ctx context.Context, d *pd, r Frame) {
	now := p.cfg.Now()
	switch r.Code {
	case ReplyACK, ReplyBUSY:
	case ReplyRAW:
		c, err := ParseRawCard(r.Data)
		if err != nil {
			p.log.Warn("bad card data", "addr", d.addr, "err", err)
			return
		}
		p.emit(ctx, CardRead{Addr: int(d.addr), Reader: int(c.Reader), Format: c.Format, Bits: c.Bits, Data: c.Data, At: now})
	case ReplyKEYPAD:
		k, err := ParseKeypad(r.Data)
		if err != nil {
			p.log.Warn("bad keypad data", "addr", d.addr, "err", err)
			return
		}
		p.emit(ctx, Keypad{Addr: int(d.addr), Reader: int(k.Reader), Digits: k.Digits, At: now})
	case ReplyLSTATR:
		st, err := ParseLocalStatus(r.Data)
		if err != nil {
			p.log.Warn("bad local status", "addr", d.addr, "err", err)
			return
		}
		if st.Tamper != d.tamper {
			d.tamper = st.Tamper
			p.emit(ctx, Tamper{Addr: int(d.addr), Active: st.Tamper, At: now})
		}
	case ReplyNAK:
		var reason NAKReason
		if len(r.Data) > 0 {
			reason = NAKReason(r.Data[0])
		}
		p.log.Warn("reader refused command", "addr", d.addr, "reason", reason.String())
	default:
		p.log.Debug("unhandled reply", "addr", d.addr, "code", r.Code)
	}
}
