package osdp

import "time"

// Event is something the panel reports: CardRead, Keypad, Online, Offline,
// Tamper, Downgrade, Commissioned.
type Event interface{ osdpEvent() }

// CardRead is a credential presented at a reader.
type CardRead struct {
	Addr   int  // PD bus address
	Reader int  // reader number on the PD (0 for single-reader PDs)
	Format byte // FormatRaw, FormatWiegand
	Bits   int
	Data   []byte // ⌈Bits/8⌉ bytes, MSB first
	At     time.Time
}

// Keypad is digits typed on a reader's keypad.
type Keypad struct {
	Addr   int
	Reader int
	Digits string
	At     time.Time
}

// Online means the reader answered ID and CAP (inside the secure channel
// when it is configured Secure) and is being polled.
type Online struct {
	Addr   int
	ID     PDID
	Caps   []Capability
	Secure bool // polled over an established secure channel
	At     time.Time
}

// Offline means a reader that was online stopped answering for
// Config.OfflineAfter, the port went away, or its secure channel broke.
type Offline struct {
	Addr   int
	Reason string
	At     time.Time
}

// Tamper reports the reader's tamper switch, at connect when active and on
// every change.
type Tamper struct {
	Addr   int
	Active bool
	At     time.Time
}

// Downgrade is the security alarm: a reader configured with its own key
// (commissioned, Secure) answered the handshake with SCBK-D or refused the
// secure channel. The panel does not fall back; the reader stays offline
// and the handshake is retried. Raised once per episode.
type Downgrade struct {
	Addr   int
	Reason string
	At     time.Time
}

// Commissioned means KEYSET was acknowledged and a new secure channel was
// established with the new key.
type Commissioned struct {
	Addr int
	At   time.Time
}

func (CardRead) osdpEvent()     {}
func (Keypad) osdpEvent()       {}
func (Online) osdpEvent()       {}
func (Offline) osdpEvent()      {}
func (Tamper) osdpEvent()       {}
func (Downgrade) osdpEvent()    {}
func (Commissioned) osdpEvent() {}
