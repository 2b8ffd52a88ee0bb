package presence

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/palisade/palisade/sensors/rfid"
)

// Sentinel errors. Every error of this package wraps one of them, with
// the field or the person in the message; check them with errors.Is.
var (
	// ErrConfig means a Config field is missing, out of range or
	// contradicts another (an EPC worn by two people, a reader with three
	// zones).
	ErrConfig = errors.New("presence: bad configuration")
	// ErrInvalid refuses a malformed presence command: unknown kind, a
	// body that does not decode, a person or reader the directory does not
	// know, zones that are not the reader's.
	ErrInvalid = errors.New("presence: invalid command")
	// ErrUnchanged refuses a command that would change nothing: a
	// transition already recorded, a person declared missing twice, found
	// while not missing.
	ErrUnchanged = errors.New("presence: nothing to change")
	// ErrStale refuses a missing declaration based on an older sighting
	// than one already committed (another node saw the person since).
	ErrStale = errors.New("presence: stale declaration")
)

// Role is what a person is to the facility. Only residents are reported
// missing; everyone registered moves between zones alike.
type Role string

// Roles.
const (
	Resident Role = "resident"
	Staff    Role = "staff"
)

// Person is someone who wears one or more registered tags.
type Person struct {
	ID   string     // facility person id, e.g. "r-1001"
	Role Role       // Resident or Staff
	Tags []rfid.EPC // canonical upper-case hex, as rfid.Read.EPC
}

// Reader is an RFID reader the engine listens to, and what each of its
// antennas faces. A doorway reader has antennas facing two different
// zones (one each side of the threshold); an area reader's antennas all
// face one zone (a room, a checkpoint).
type Reader struct {
	ID string // the device id, = rfid.Read.Reader
	// Antennas maps each antenna port (0–3) to the zone it faces.
	Antennas map[int]string
}

// DoorwayReader returns a doorway reader whose antenna 0 faces zone a and
// antenna 1 zone b: the layout of a facility file's rfid_reader with
// zones [a, b].
func DoorwayReader(id, a, b string) Reader {
	return Reader{ID: id, Antennas: map[int]string{0: a, 1: b}}
}

// AreaReader returns a reader whose antennas (default 0) all face zone.
func AreaReader(id, zone string, antennas ...int) Reader {
	if len(antennas) == 0 {
		antennas = []int{0}
	}
	r := Reader{ID: id, Antennas: map[int]string{}}
	for _, a := range antennas {
		r.Antennas[a] = zone
	}
	return r
}

// Zones returns the reader's zones: two for a doorway (the zone of its
// lowest antenna first), one for an area reader.
func (r Reader) Zones() []string {
	ants := make([]int, 0, len(r.Antennas))
	for a := range r.Antennas {
		ants = append(ants, a)
	}
	sort.Ints(ants)
	var zs []string
	for _, a := range ants {
		if z := r.Antennas[a]; !slices.Contains(zs, z) {
			zs = append(zs, z)
		}
	}
	return zs
}

// Doorway reports whether the reader joins two zones.
func (r Reader) Doorway() bool { return len(r.Zones()) == 2 }

func (r Reader) validate(i int) error {
	if r.ID == "" {
		return fmt.Errorf("%w: readers[%d]: no id", ErrConfig, i)
	}
	if len(r.Antennas) == 0 {
		return fmt.Errorf("%w: readers[%d] %s: no antennas", ErrConfig, i, r.ID)
	}
	for a, z := range r.Antennas {
		if a < 0 || a > 3 {
			return fmt.Errorf("%w: readers[%d] %s: antenna %d outside 0…3", ErrConfig, i, r.ID, a)
		}
		if z == "" {
			return fmt.Errorf("%w: readers[%d] %s: antenna %d faces no zone", ErrConfig, i, r.ID, a)
		}
	}
	if n := len(r.Zones()); n > 2 {
		return fmt.Errorf("%w: readers[%d] %s: antennas face %d zones %v, a reader watches one zone or the doorway between two",
			ErrConfig, i, r.ID, n, r.Zones())
	}
	return nil
}

// Defaults of Config fields left zero.
const (
	DefaultGap          = time.Second
	DefaultMinReads     = 3
	DefaultMinSideReads = 2
	DefaultUnknownEvery = 10 * time.Minute
	DefaultMaxSessions  = 10000
)

// Config configures an Engine. Build it with DefaultConfig, fill in the
// readers and people, and let New validate it.
type Config struct {
	Readers []Reader
	People  []Person
	// Gap ends a passage: reads of one tag at one reader further apart
	// than Gap belong to two passages. It must exceed the longest run of
	// missed reads of a tag in the field (at 5 % misses and a read every
	// 50 ms per antenna, a few hundred ms) and stay below the time a
	// person takes to leave a doorway and come back.
	Gap time.Duration
	// MinReads is the fewest reads a passage needs to count: a frame
	// corrupted on the line that passes the 8-bit checksum can forge one
	// read, not three.
	MinReads int
	// MinSideReads is the fewest reads an antenna needs within a passage
	// to count as having seen the tag: one stray read on the far side does
	// not make a crossing.
	MinSideReads int
	// UnknownEvery is how often, at most, one unregistered EPC is reported.
	UnknownEvery time.Duration
	// MissingAfter is how long a resident may go unseen by every reader
	// before being reported missing. Zero: never. Doorway readers do not
	// see a resident asleep in a cell, so this is long (a night) unless
	// the zones have area readers.
	MissingAfter time.Duration
	// MaxSessions bounds the passages in progress (a tag cloner spraying
	// random EPCs must not exhaust memory); reads that would open more are
	// counted in Stats.Dropped.
	MaxSessions int
}

// DefaultConfig returns a configuration with every tuning field at its
// default and no readers or people.
func DefaultConfig() Config {
	return Config{Gap: DefaultGap, MinReads: DefaultMinReads, MinSideReads: DefaultMinSideReads,
		UnknownEvery: DefaultUnknownEvery, MaxSessions: DefaultMaxSessions}
}

// Validate fills zero tuning fields with their defaults and checks the
// configuration.
func (c *Config) Validate() error {
	if c.Gap == 0 {
		c.Gap = DefaultGap
	}
	if c.MinReads == 0 {
		c.MinReads = DefaultMinReads
	}
	if c.MinSideReads == 0 {
		c.MinSideReads = DefaultMinSideReads
	}
	if c.UnknownEvery == 0 {
		c.UnknownEvery = DefaultUnknownEvery
	}
	if c.MaxSessions == 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	switch {
	case c.Gap < 0:
		return fmt.Errorf("%w: gap %v is negative", ErrConfig, c.Gap)
	case c.MinReads < 1:
		return fmt.Errorf("%w: min_reads %d, want ≥ 1", ErrConfig, c.MinReads)
	case c.MinSideReads < 1 || c.MinSideReads > c.MinReads:
		return fmt.Errorf("%w: min_side_reads %d, want 1…min_reads (%d)", ErrConfig, c.MinSideReads, c.MinReads)
	case c.UnknownEvery < 0:
		return fmt.Errorf("%w: unknown_every %v is negative", ErrConfig, c.UnknownEvery)
	case c.MissingAfter < 0:
		return fmt.Errorf("%w: missing_after %v is negative", ErrConfig, c.MissingAfter)
	case c.MaxSessions < 1:
		return fmt.Errorf("%w: max_sessions %d, want ≥ 1", ErrConfig, c.MaxSessions)
	}
	_, err := NewRegistry(c.Readers, c.People)
	return err
}

// Directory is what the applier must not take from a command's body: the
// readers and their zones, and who is registered — from the facility
// file, identical on every node.
type Directory interface {
	Reader(id string) (Reader, bool)
	Person(id string) (Person, bool)
}

// Registry indexes readers and people. It implements Directory. It is
// read-only once built, so safe for concurrent use.
type Registry struct {
	readers map[string]Reader
	people  map[string]Person
	byEPC   map[rfid.EPC]string // EPC → person id
}

// NewRegistry validates and indexes readers and people: ids unique, every
// EPC valid and worn by one person only.
func NewRegistry(readers []Reader, people []Person) (*Registry, error) {
	g := &Registry{readers: map[string]Reader{}, people: map[string]Person{}, byEPC: map[rfid.EPC]string{}}
	for i, r := range readers {
		if err := r.validate(i); err != nil {
			return nil, err
		}
		if _, dup := g.readers[r.ID]; dup {
			return nil, fmt.Errorf("%w: readers[%d]: id %q used twice", ErrConfig, i, r.ID)
		}
		g.readers[r.ID] = r
	}
	for i, p := range people {
		if p.ID == "" {
			return nil, fmt.Errorf("%w: people[%d]: no id", ErrConfig, i)
		}
		if p.Role != Resident && p.Role != Staff {
			return nil, fmt.Errorf("%w: people[%d] %s: role %q, want %q or %q", ErrConfig, i, p.ID, p.Role, Resident, Staff)
		}
		if _, dup := g.people[p.ID]; dup {
			return nil, fmt.Errorf("%w: people[%d]: id %q used twice", ErrConfig, i, p.ID)
		}
		tags := make([]rfid.EPC, len(p.Tags))
		for j, t := range p.Tags {
			e, err := rfid.ParseEPC(string(t))
			if err != nil {
				return nil, fmt.Errorf("%w: people[%d] %s: tags[%d]: %v", ErrConfig, i, p.ID, j, err)
			}
			if other, dup := g.byEPC[e]; dup {
				return nil, fmt.Errorf("%w: people[%d] %s: tag %s is also %s's", ErrConfig, i, p.ID, e, other)
			}
			g.byEPC[e], tags[j] = p.ID, e
		}
		p.Tags = tags
		g.people[p.ID] = p
	}
	return g, nil
}

// Reader implements Directory.
func (g *Registry) Reader(id string) (Reader, bool) { r, ok := g.readers[id]; return r, ok }

// Person implements Directory.
func (g *Registry) Person(id string) (Person, bool) { p, ok := g.people[id]; return p, ok }

// Wearer returns the id of the person wearing epc.
func (g *Registry) Wearer(epc rfid.EPC) (string, bool) { id, ok := g.byEPC[epc]; return id, ok }
