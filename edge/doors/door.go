package doors

import (
	"fmt"
	"time"

	"github.com/palisade/palisade/edge/alarm"
)

// State is what a door is doing.
type State string

// States of a door.
const (
	Secure   State = "secure"    // closed and locked
	Unlocked State = "unlocked"  // closed, lock released (a card, an exit request, an officer)
	Open     State = "open"      // opened legally
	HeldOpen State = "held_open" // opened legally, open too long
	Forced   State = "forced"    // opened while locked, without a card or an exit request
)

// Alarm priorities of door events.
const (
	critical alarm.Priority = 1 // forced
	high     alarm.Priority = 2 // held open, tamper
	medium   alarm.Priority = 3 // refused cards
)

// Config is one door as the state machine needs it.
type Config struct {
	ID, Name     string
	Zone         string        // the zone inside, for alarms
	HeldOpen     time.Duration // default 30 s
	UnlockFor    time.Duration // default 5 s
	AntiPassback time.Duration // a card granted here is refused here for this long; 0: off
	Locked       bool          // the door has a lock: opening it while locked is forced
}

func (c Config) withDefaults() Config {
	if c.HeldOpen <= 0 {
		c.HeldOpen = 30 * time.Second
	}
	if c.UnlockFor <= 0 {
		c.UnlockFor = 5 * time.Second
	}
	return c
}

// Effect is what the door asks of the world after an input.
type Effect struct {
	Alarm  *alarm.Raise  // raise this alarm
	Unlock time.Duration // > 0: release the lock for this long (through a committed command)
	State  State         // non-empty: the door entered this state; record it
	Reason string        // why, for the record ("card 4100201 of Anna Kowalski")
}

// Door is the state machine of one door. Not safe for concurrent use: one
// goroutine (the service) drives it.
type Door struct {
	cfg   Config
	state State
	open  bool

	releasedUntil time.Time // the lock is released until then (committed commands)
	releasedOpen  bool      // released with no end (an officer's "on")
	grantUntil    time.Time // a card or exit request allows opening a door without a lock until then
	openedAt      time.Time
	tamper        bool
	lastGrant     map[uint64]time.Time // card → granted at (anti-passback)
}

// New returns a closed, secure door.
func New(cfg Config) *Door {
	cfg = cfg.withDefaults()
	return &Door{cfg: cfg, state: Secure, lastGrant: map[uint64]time.Time{}}
}

// State returns the door's state.
func (d *Door) State() State { return d.state }

// Config returns the door's configuration with defaults filled in.
func (d *Door) Config() Config { return d.cfg }

func (d *Door) released(at time.Time) bool {
	return d.releasedOpen || at.Before(d.releasedUntil)
}

func (d *Door) set(s State, reason string, out []Effect) []Effect {
	if s == d.state {
		return out
	}
	d.state = s
	return append(out, Effect{State: s, Reason: reason})
}

func (d *Door) raise(kind string, prio alarm.Priority, msg string, out []Effect) []Effect {
	return d.raiseKey(kind+"/"+d.cfg.ID, kind, prio, msg, out)
}

// raiseKey raises with a coalescing key: repeats of one key fold into the
// open alarm.
func (d *Door) raiseKey(key, kind string, prio alarm.Priority, msg string, out []Effect) []Effect {
	return append(out, Effect{Alarm: &alarm.Raise{
		Key: key, Kind: kind, Priority: prio, Zone: d.cfg.Zone, Device: d.cfg.ID, Message: msg,
	}})
}

func (d *Door) name() string {
	if d.cfg.Name != "" {
		return d.cfg.Name
	}
	return d.cfg.ID
}

// Contact is a settled change of the door contact.
func (d *Door) Contact(open bool, at time.Time) []Effect {
	var out []Effect
	if open == d.open {
		return nil
	}
	d.open = open
	if !open {
		next := Secure
		if d.released(at) || !d.cfg.Locked {
			next = Unlocked
		}
		if !d.cfg.Locked {
			next = Secure // a door without a lock is "secure" when closed
		}
		return d.set(next, "closed", out)
	}
	d.openedAt = at
	// A locked door opens legally only while a committed release holds:
	// a granted card whose release never committed (no quorum) leaves the
	// lock shut, and opening it then is forcing it.
	legal := !d.cfg.Locked || d.released(at)
	if !legal {
		out = d.raise("door.forced", critical, d.name()+" forced open: opened while locked, without a card or an exit request", out)
		return d.set(Forced, "opened while locked", out)
	}
	return d.set(Open, "opened", out)
}

// Exit is a press of the request-to-exit button: the lock is released for
// UnlockFor and opening the door is legal meanwhile.
func (d *Door) Exit(at time.Time) []Effect {
	d.grantUntil = maxTime(d.grantUntil, at.Add(d.cfg.UnlockFor))
	if !d.cfg.Locked {
		return nil
	}
	return []Effect{{Unlock: d.cfg.UnlockFor, Reason: "request to exit"}}
}

// Tamper is a change of the door's tamper switch.
func (d *Door) Tamper(active bool, at time.Time) []Effect {
	if active == d.tamper {
		return nil
	}
	d.tamper = active
	if !active {
		return nil
	}
	return d.raise("door.tamper", high, "tamper switch of "+d.name()+" opened: someone is at the door's hardware", nil)
}

// Credential is a card (or PIN) at the door's reader, with the access
// decision for it. A granted card releases the lock for UnlockFor.
func (d *Door) Credential(card uint64, dec Decision, at time.Time) []Effect {
	if dec.Granted && d.cfg.AntiPassback > 0 {
		if last, ok := d.lastGrant[card]; ok && at.Sub(last) < d.cfg.AntiPassback {
			dec = Decision{Person: dec.Person, Name: dec.Name, Reason: fmt.Sprintf("anti-passback: the card was used here %s ago", at.Sub(last).Round(time.Second))}
			return d.raiseKey(fmt.Sprintf("door.antipassback/%s/%d", d.cfg.ID, card), "door.antipassback", medium, fmt.Sprintf("%s: card %d (%s) refused — %s; a card passed back to someone else?", d.name(), card, who(dec), dec.Reason), nil)
		}
	}
	if !dec.Granted {
		// One alarm per card: the same card again folds into it, another
		// card (someone trying several) is another alarm.
		return d.raiseKey(fmt.Sprintf("door.invalid_card/%s/%d", d.cfg.ID, card), "door.invalid_card", medium, fmt.Sprintf("%s: card %d (%s) refused — %s", d.name(), card, who(dec), dec.Reason), nil)
	}
	d.lastGrant[card] = at
	for c, t := range d.lastGrant { // forget cards beyond the window
		if at.Sub(t) >= d.cfg.AntiPassback {
			delete(d.lastGrant, c)
		}
	}
	d.grantUntil = maxTime(d.grantUntil, at.Add(d.cfg.UnlockFor))
	if !d.cfg.Locked {
		return nil
	}
	return []Effect{{Unlock: d.cfg.UnlockFor, Reason: fmt.Sprintf("card %d of %s", card, who(dec))}}
}

func who(dec Decision) string {
	if dec.Name != "" {
		return dec.Name
	}
	if dec.Person != "" {
		return dec.Person
	}
	return "unknown card"
}

// Released is a committed release of the lock: for d from at, or with no
// end (forever true) until Relocked.
func (d *Door) Released(at time.Time, dur time.Duration, forever bool, reason string) []Effect {
	if forever {
		d.releasedOpen = true
	} else {
		d.releasedUntil = maxTime(d.releasedUntil, at.Add(dur))
	}
	if !d.open && d.state == Secure {
		return d.set(Unlocked, reason, nil)
	}
	return nil
}

// Relocked is a committed "lock now".
func (d *Door) Relocked(at time.Time, reason string) []Effect {
	d.releasedOpen, d.releasedUntil, d.grantUntil = false, time.Time{}, time.Time{}
	if !d.open && d.state == Unlocked {
		return d.set(Secure, reason, nil)
	}
	return nil
}

// Tick advances the door's clocks to now: a legal opening that lasts past
// HeldOpen becomes held open; a release that ended relocks the closed door.
func (d *Door) Tick(now time.Time) []Effect {
	var out []Effect
	if d.open && d.state == Open && now.Sub(d.openedAt) >= d.cfg.HeldOpen {
		out = d.raise("door.held_open", high, fmt.Sprintf("%s held open for more than %s", d.name(), d.cfg.HeldOpen), out)
		out = d.set(HeldOpen, "open longer than "+d.cfg.HeldOpen.String(), out)
	}
	if !d.open && d.state == Unlocked && d.cfg.Locked && !d.released(now) {
		out = d.set(Secure, "relocked", out)
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
