package osdp

import (
	"fmt"
	"sync"
	"time"

	wire "github.com/palisade/palisade/sensors/osdp"
)

// Mode is a reader's security behaviour.
type Mode int

const (
	// ModeNormal: the reader uses its SCBK; with none it is in install
	// mode and accepts SCBK-D. A commissioned reader refuses SCBK-D and
	// refuses plain-text commands.
	ModeNormal Mode = iota
	// ModeFactoryReset: the reader forgot its key and honestly offers
	// SCBK-D (key indicator 0), and answers plain text.
	ModeFactoryReset
	// ModeDefaultKey: tampered or swapped firmware: claims its own key
	// (indicator 1) but can only prove SCBK-D; answers plain text.
	ModeDefaultKey
	// ModePlainOnly: refuses the secure channel (NAK) and answers plain text.
	ModePlainOnly
)

// ReaderConfig describes one simulated reader.
type ReaderConfig struct {
	Addr int
	ID   wire.PDID
	Caps []wire.Capability
	SCBK []byte // nil: install mode (SCBK-D)
}

// Record is one line of ground truth: what the reader did or was told.
type Record struct {
	At     time.Time
	What   string // "swipe", "keys", "tamper", "led", "buzz", "keyset", "secure", "mode"
	Detail string
}

type report struct {
	code byte
	data []byte
}

// Reader is a simulated PD. Its methods are safe for concurrent use with
// the bus goroutine.
type Reader struct {
	mu   sync.Mutex
	cfg  ReaderConfig
	scbk []byte
	mode Mode

	silent         bool
	tamper         bool
	reportedTamper bool

	lastSeq   int
	lastReply []byte
	sess      *wire.Session
	pending   *wire.Session // between CCRYPT and SCRYPT
	pendInd   byte

	reports []report
	leds    []wire.LEDCommand
	buzzes  []wire.BuzzerCommand
	log     []Record
	badMAC  int
	mangle  func([]byte) []byte
}

// Mangle makes the next reply go out as m(reply) — garbage, a bad CRC, a
// wrong sequence number, a broken MAC. A retransmission gets the true
// reply.
func (r *Reader) Mangle(m func(reply []byte) []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mangle = m
}

func newReader(rc ReaderConfig) *Reader {
	return &Reader{cfg: rc, scbk: rc.SCBK, lastSeq: -1}
}

func (r *Reader) record(what, format string, args ...any) {
	r.log = append(r.log, Record{At: time.Now(), What: what, Detail: fmt.Sprintf(format, args...)})
}

// Swipe presents a card: it is reported as RAW Wiegand data at the next POLL.
func (r *Reader) Swipe(bits int, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := wire.RawCard{Format: wire.FormatWiegand, Bits: bits, Data: append([]byte(nil), data...)}
	r.reports = append(r.reports, report{wire.ReplyRAW, c.Marshal()})
	r.record("swipe", "%d bits % X", bits, data)
}

// Keys types digits on the keypad.
func (r *Reader) Keys(digits string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, report{wire.ReplyKEYPAD, wire.KeypadData{Digits: digits}.Marshal()})
	r.record("keys", "%s", digits)
}

// SetTamper opens (true) or closes the tamper switch.
func (r *Reader) SetTamper(active bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tamper = active
	r.record("tamper", "%v", active)
}

// SetMode changes the security behaviour, as a reboot would: the secure
// channel is dropped. ModeFactoryReset also forgets the key.
func (r *Reader) SetMode(m Mode) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mode, r.sess, r.pending, r.lastSeq, r.lastReply = m, nil, nil, -1, nil
	if m == ModeFactoryReset {
		r.scbk = nil
	}
	r.record("mode", "%d", m)
}

// SetSilent makes the reader stop (true) or resume answering.
func (r *Reader) SetSilent(s bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.silent = s
}

// Key returns the reader's SCBK (nil: none, install mode).
func (r *Reader) Key() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.scbk...)
}

// Secure reports whether a secure channel is established.
func (r *Reader) Secure() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sess.Active()
}

// LEDs returns the LED commands received.
func (r *Reader) LEDs() []wire.LEDCommand {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]wire.LEDCommand(nil), r.leds...)
}

// Buzzes returns the buzzer commands received.
func (r *Reader) Buzzes() []wire.BuzzerCommand {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]wire.BuzzerCommand(nil), r.buzzes...)
}

// Records returns the ground truth so far.
func (r *Reader) Records() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Record(nil), r.log...)
}

// BadMACs counts secure commands rejected for their MAC.
func (r *Reader) BadMACs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.badMAC
}
