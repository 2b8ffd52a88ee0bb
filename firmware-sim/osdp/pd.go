package osdp

import (
	wire "github.com/palisade/palisade/sensors/osdp"
)

// reply is what the PD answers before framing.
type reply struct {
	code    byte
	data    []byte
	scbType byte // handshake replies only
	scbData []byte
	secure  bool // seal with the session
}

func nak(reason wire.NAKReason) reply { return reply{code: wire.ReplyNAK, data: []byte{byte(reason)}} }

// handle answers one command addressed to r, or returns nil.
func (r *Reader) handle(f wire.Frame) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.silent {
		return nil
	}
	if f.Seq != 0 && int(f.Seq) == r.lastSeq && r.lastReply != nil {
		return r.lastReply // retransmission: same answer, not processed again
	}
	if f.Seq == 0 {
		r.sess, r.pending = nil, nil
	}
	rep := r.process(f)
	out := wire.Frame{Addr: f.Addr, Reply: true, Seq: f.Seq, CRC: f.CRC, Code: rep.code, Data: rep.data,
		SCBType: rep.scbType, SCBData: rep.scbData}
	var b []byte
	var err error
	if rep.secure && r.sess.Active() {
		b, err = r.sess.Seal(out)
	} else {
		b, err = wire.Marshal(out)
	}
	if err != nil {
		return nil
	}
	r.lastSeq, r.lastReply = int(f.Seq), b
	if m := r.mangle; m != nil {
		r.mangle = nil
		return m(append([]byte(nil), b...))
	}
	return b
}

func (r *Reader) process(f wire.Frame) reply {
	secure := false
	switch f.SCBType {
	case 0:
		if r.sess.Active() {
			r.sess = nil // a plain command ends the session
		}
		if r.mode == ModeNormal && r.scbk != nil {
			return nak(wire.NAKEncryption)
		}
	case wire.SCS11:
		return r.challenge(f)
	case wire.SCS13:
		return r.serverCryptogram(f)
	case wire.SCS15, wire.SCS17:
		if !r.sess.Active() {
			return nak(wire.NAKSecurity)
		}
		if err := r.sess.Open(&f); err != nil {
			r.badMAC++
			r.sess = nil
			return nak(wire.NAKSecurity)
		}
		secure = true
	default:
		return nak(wire.NAKSecurity)
	}
	rep := r.command(f, secure)
	rep.secure = secure
	return rep
}

func (r *Reader) command(f wire.Frame, secure bool) reply {
	switch f.Code {
	case wire.CmdPOLL:
		if r.tamper != r.reportedTamper {
			r.reportedTamper = r.tamper
			return reply{code: wire.ReplyLSTATR, data: wire.LocalStatus{Tamper: r.tamper}.Marshal()}
		}
		if len(r.reports) > 0 {
			rep := r.reports[0]
			r.reports = r.reports[1:]
			return reply{code: rep.code, data: rep.data}
		}
		return reply{code: wire.ReplyACK}
	case wire.CmdID:
		return reply{code: wire.ReplyPDID, data: r.cfg.ID.Marshal()}
	case wire.CmdCAP:
		return reply{code: wire.ReplyPDCAP, data: wire.MarshalCaps(r.cfg.Caps)}
	case wire.CmdLSTAT:
		r.reportedTamper = r.tamper
		return reply{code: wire.ReplyLSTATR, data: wire.LocalStatus{Tamper: r.tamper}.Marshal()}
	case wire.CmdLED:
		leds, err := wire.ParseLEDs(f.Data)
		if err != nil {
			return nak(wire.NAKLength)
		}
		r.leds = append(r.leds, leds...)
		r.record("led", "%+v", leds)
		return reply{code: wire.ReplyACK}
	case wire.CmdBUZ:
		z, err := wire.ParseBuzzer(f.Data)
		if err != nil {
			return nak(wire.NAKLength)
		}
		r.buzzes = append(r.buzzes, z)
		r.record("buzz", "%+v", z)
		return reply{code: wire.ReplyACK}
	case wire.CmdKEYSET:
		if !secure {
			return nak(wire.NAKEncryption)
		}
		key, err := wire.ParseKeySet(f.Data)
		if err != nil {
			return nak(wire.NAKUnprocessing)
		}
		r.scbk = key
		r.mode = ModeNormal
		r.record("keyset", "new SCBK")
		return reply{code: wire.ReplyACK}
	}
	return nak(wire.NAKUnknown)
}

// challenge answers CHLNG (SCS_11) with CCRYPT (SCS_12).
func (r *Reader) challenge(f wire.Frame) reply {
	if f.Code != wire.CmdCHLNG || len(f.Data) != 8 {
		return nak(wire.NAKLength)
	}
	ind := byte(wire.KeySCBK)
	if len(f.SCBData) > 0 {
		ind = f.SCBData[0]
	}
	key := r.scbk
	switch {
	case r.mode == ModePlainOnly:
		return nak(wire.NAKSecurity)
	case r.mode == ModeFactoryReset || (r.mode == ModeNormal && r.scbk == nil):
		key, ind = wire.SCBKDefault, wire.KeySCBKD
	case r.mode == ModeDefaultKey:
		key = wire.SCBKDefault // ind echoes the request: a lie
	case ind == wire.KeySCBKD:
		return nak(wire.NAKSecurity) // commissioned: no default key
	}
	var cp, pd [8]byte
	copy(cp[:], f.Data)
	copy(pd[:], randomBytes(8))
	s, err := wire.NewSession(wire.RolePD, key, cp, pd)
	if err != nil {
		return nak(wire.NAKUnprocessing)
	}
	r.sess, r.pending, r.pendInd = nil, s, ind
	uid := r.cfg.ID.ClientUID()
	data := append(append(uid[:], pd[:]...), s.ClientCryptogram()...)
	return reply{code: wire.ReplyCCRYPT, data: data, scbType: wire.SCS12, scbData: []byte{ind}}
}

// serverCryptogram answers SCRYPT (SCS_13) with RMAC_I (SCS_14).
func (r *Reader) serverCryptogram(f wire.Frame) reply {
	s := r.pending
	r.pending = nil
	if s == nil || f.Code != wire.CmdSCRYPT {
		return nak(wire.NAKSecurity)
	}
	if err := s.VerifyServerCryptogram(f.Data); err != nil {
		return nak(wire.NAKSecurity)
	}
	rmac := s.InitialRMAC()
	if err := s.Start(rmac); err != nil {
		return nak(wire.NAKUnprocessing)
	}
	r.sess = s
	r.record("secure", "session on %s", map[bool]string{true: "SCBK-D", false: "own key"}[r.pendInd == wire.KeySCBKD || r.scbk == nil])
	return reply{code: wire.ReplyRMACI, data: rmac, scbType: wire.SCS14, scbData: []byte{wire.CryptogramAccepted}}
}
