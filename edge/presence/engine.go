package presence

import (
	"cmp"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/palisade/palisade/sensors/rfid"
)

// Stats counts what an Engine saw and concluded.
type Stats struct {
	Reads          uint64 // reads handed to Read
	UnknownReader  uint64 // reads from a reader not configured
	UnknownAntenna uint64 // reads on an antenna the reader's config does not map
	Dropped        uint64 // reads that would have opened a passage beyond MaxSessions
	Passages       uint64 // passages ended (gap or Tick)
	Noise          uint64 // passages with fewer than MinReads reads
	NoCrossing     uint64 // passages seen from one side only, or ending on the side they began
	Ambiguous      uint64 // passages whose first or last reads tie between the sides
	Transitions    uint64
	Flagged        uint64 // transitions with an Anomaly
	Unknown        uint64 // UnknownTag outputs
	Missing        uint64
	Found          uint64
	Sessions       int // passages in progress now
}

// Engine turns tag reads into presence: passages through doorways become
// crossings, crossings become transitions "P is in Z since T". It does
// no I/O and reads no clock: reads carry their time, and Tick is given
// the time. Its methods are safe for concurrent use (one mutex; reads
// from several readers' goroutines, Tick from a ticker, Sync from the
// replica's observer). Outputs are returned, not sent: the caller
// proposes and alarms.
type Engine struct {
	cfg Config
	reg *Registry
	log *slog.Logger

	mu       sync.Mutex
	readers  map[string]*readerInfo
	byEPC    map[rfid.EPC]*personState
	byID     map[string]*personState
	order    []*personState // by id: Tick's outputs come in a stable order
	sessions map[sessionKey]*session
	unknown  map[rfid.EPC]time.Time // EPC → last reported
	stats    Stats
}

type readerInfo struct {
	id      string
	zones   []string
	side    [4]int8 // antenna → index into zones; -1 not mapped
	doorway bool
}

// personState is the engine's own view of one person. zone/since follow
// the engine's transitions and the committed state (Sync), whichever is
// newer.
type personState struct {
	id          string
	resident    bool
	zone        string
	since       time.Time
	lastSeen    time.Time // last read of a passage with MinReads reads (or committed sighting)
	lastReader  string
	lastZone    string // zone faced by the antenna of that read
	missing     bool
	missingSeen time.Time // lastSeen the Missing was based on
}

type sessionKey struct {
	reader *readerInfo
	epc    rfid.EPC
}

// New builds an engine from cfg (validated; zero tuning fields take the
// defaults). logger may be nil.
func New(cfg Config, logger *slog.Logger) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	reg, _ := NewRegistry(cfg.Readers, cfg.People) // validated above
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{cfg: cfg, reg: reg, log: logger.With("component", "presence"),
		readers: map[string]*readerInfo{}, byEPC: map[rfid.EPC]*personState{}, byID: map[string]*personState{},
		sessions: map[sessionKey]*session{}, unknown: map[rfid.EPC]time.Time{}}
	for _, r := range cfg.Readers {
		ri := &readerInfo{id: r.ID, zones: r.Zones(), side: [4]int8{-1, -1, -1, -1}}
		ri.doorway = len(ri.zones) == 2
		for a, z := range r.Antennas {
			ri.side[a] = int8(slices.Index(ri.zones, z))
		}
		e.readers[r.ID] = ri
	}
	for _, p := range cfg.People {
		ps := &personState{id: p.ID, resident: p.Role == Resident}
		e.byID[p.ID] = ps
		e.order = append(e.order, ps)
		for _, t := range reg.people[p.ID].Tags {
			e.byEPC[t] = ps
		}
	}
	slices.SortFunc(e.order, func(a, b *personState) int { return cmp.Compare(a.id, b.id) })
	return e, nil
}

// Registry returns the readers and people the engine was built with; it
// serves the applier as its Directory.
func (e *Engine) Registry() *Registry { return e.reg }

// Handle is Read for an rfid.Read and nothing for the driver's other
// events (rounds, reader health): it fits rfid.Reader.Run's publish.
func (e *Engine) Handle(ev rfid.Event) []Output {
	if r, ok := ev.(rfid.Read); ok {
		return e.Read(r)
	}
	return nil
}

// Read takes one tag read and returns what it settles: usually nothing;
// a Transition when it ends a passage of the same tag at the same reader
// (a gap longer than Config.Gap since its previous read); an UnknownTag
// when an unregistered tag reaches MinReads reads; a Found for a missing
// resident; for an area reader, a Transition into its zone once a
// passage has MinReads reads. Reads of one reader must come in time
// order (the driver's are); a read slightly earlier than its passage's
// last is taken as simultaneous with it, one more than Gap earlier (the
// clock was set back) starts a new passage.
func (e *Engine) Read(r rfid.Read) []Output {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stats.Reads++
	ri := e.readers[r.Reader]
	if ri == nil {
		e.stats.UnknownReader++
		return nil
	}
	if r.Antenna < 0 || r.Antenna > 3 || ri.side[r.Antenna] < 0 {
		e.stats.UnknownAntenna++
		return nil
	}
	side := int(ri.side[r.Antenna])
	var out []Output
	k := sessionKey{ri, r.EPC}
	s := e.sessions[k]
	if s != nil && e.apart(r.At, s.last) {
		out = e.finish(s, out)
		delete(e.sessions, k)
		s = nil
	}
	if s == nil {
		if len(e.sessions) >= e.cfg.MaxSessions {
			if e.stats.Dropped%1000 == 0 {
				e.log.Warn("too many passages in progress; reads dropped", "max_sessions", e.cfg.MaxSessions,
					"dropped", e.stats.Dropped+1, "reader", r.Reader)
			}
			e.stats.Dropped++
			return out
		}
		s = &session{r: ri, p: e.byEPC[r.EPC], epc: r.EPC, first: r.At, last: r.At, firstAnt: r.Antenna, rssi: r.RSSI}
		e.sessions[k] = s
	}
	at := r.At
	if at.Before(s.last) {
		at = s.last
	}
	s.add(side, at, r.RSSI)
	if s.n < e.cfg.MinReads {
		return out
	}
	if p := s.p; p != nil {
		if at.After(p.lastSeen) {
			p.lastSeen, p.lastReader, p.lastZone = at, ri.id, ri.zones[side]
		}
		if p.missing {
			out = append(out, e.found(p, at))
		}
	}
	if !s.reported {
		s.reported = true
		switch {
		case s.p == nil:
			out = e.unknownTag(s, out)
		case !ri.doorway:
			out = e.place(s, out)
		}
	}
	return out
}

// Tick ends the passages whose last read is more than Config.Gap before
// now, and reports residents missing for Config.MissingAfter (and found
// again, when a committed state said missing but a later read is known).
// Call it at least every Gap/2 with the clock the reads are stamped
// with. Outputs: transitions by time, then Found and Missing by person.
func (e *Engine) Tick(now time.Time) []Output {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Output
	for k, s := range e.sessions {
		if e.apart(now, s.last) {
			out = e.finish(s, out)
			delete(e.sessions, k)
		}
	}
	slices.SortFunc(out, func(a, b Output) int {
		ta, tb := a.(Transition), b.(Transition) // finish yields transitions only
		if c := ta.At.Compare(tb.At); c != 0 {
			return c
		}
		return cmp.Compare(ta.Person, tb.Person)
	})
	for epc, t := range e.unknown {
		if now.Sub(t) >= e.cfg.UnknownEvery {
			delete(e.unknown, epc)
		}
	}
	for _, p := range e.order {
		if p.lastSeen.IsZero() {
			p.lastSeen = now // not seen since the engine started: count from now
		}
		if p.missing && p.lastSeen.After(p.missingSeen) {
			out = append(out, e.found(p, p.lastSeen))
		}
		if p.resident && !p.missing && e.cfg.MissingAfter > 0 && now.Sub(p.lastSeen) >= e.cfg.MissingAfter {
			p.missing, p.missingSeen = true, p.lastSeen
			e.stats.Missing++
			out = append(out, Missing{Person: p.id, LastSeen: p.lastSeen, Zone: p.zone, Reader: p.lastReader, At: now})
		}
	}
	return out
}

// Sync tells the engine a person's committed state (the Result of an
// applied presence command, or every State at start): the zone if it is
// newer than the engine's own, the last sighting, and whether the person
// is missing. Without it an engine knows only its own readers' crossings.
func (e *Engine) Sync(st State) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.byID[st.Person]
	if p == nil {
		return
	}
	if st.Zone != "" && !st.Since.Before(p.since) {
		p.zone, p.since = st.Zone, st.Since
	}
	if st.LastSeen.After(p.lastSeen) {
		p.lastSeen, p.lastReader, p.lastZone = st.LastSeen, st.SeenBy, st.Zone
	}
	switch {
	case st.Missing && !p.missing:
		// Declared by another node: a later read of ours (if any) makes
		// Tick report Found.
		p.missing, p.missingSeen = true, st.LastSeen
	case !st.Missing && p.missing && st.LastSeen.After(p.missingSeen):
		p.missing = false // found by another node
	}
}

// Where returns the engine's view of a person's zone and since when.
func (e *Engine) Where(person string) (zone string, since time.Time, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.byID[person]
	if p == nil {
		return "", time.Time{}, false
	}
	return p.zone, p.since, true
}

// Stats returns the counters.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats
	s.Sessions = len(e.sessions)
	return s
}
