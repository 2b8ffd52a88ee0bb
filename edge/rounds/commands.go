package rounds

import (
	"crypto/sha256"
	"encoding/json"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
)

// ConsoleCheck is a check entered at the console by user by: the cell,
// what the officer saw, a note, and optionally the officer (a member of
// staff) who made it when another enters it.
func ConsoleCheck(cell string, obs Observation, note, officer, by, node, terminal string, at time.Time) *command.Command {
	return newCommand(command.NewID(), KindCheck, CheckBody{Cell: cell, Observation: obs, Note: note, Person: officer}, by, node, terminal, at)
}

// WatchCommand puts a resident on (on) or off watch: a supervisor, with
// a note.
func WatchCommand(person string, on bool, note, by, node, terminal string, at time.Time) *command.Command {
	return newCommand(command.NewID(), KindWatch, WatchBody{Person: person, On: on, Note: note}, by, node, terminal, at)
}

// Tick returns what a node should propose at now: the start of the rounds
// of cells not yet begun, and the overdue record of cells whose check is
// past due and not yet recorded. Command ids derive from what they record
// and the minute, so every node may tick (the cluster keeps alarming
// while any node runs) and the log applies one; a command refused because
// the log's clock was a moment behind gets a new id a minute later. Call
// it every few seconds; tx is a read transaction of the replica's state.
func (p *Plan) Tick(tx *bolt.Tx, node string, now time.Time) []*command.Command {
	var out []*command.Command
	minute := now.UTC().Truncate(time.Minute).Format(time.RFC3339)
	for _, blk := range p.blocks {
		var fresh, late []string
		for _, id := range blk.Cells {
			c, ok := loadCell(tx, id)
			if !ok {
				fresh = append(fresh, id)
				continue
			}
			if due, _ := p.due(tx, c); now.After(due) && !c.Overdue.Equal(due) {
				late = append(late, id+"@"+due.UTC().Format(time.RFC3339Nano))
			}
		}
		if len(fresh) > 0 {
			id := derivedID(KindStart, blk.Zone, strings.Join(fresh, ","), minute)
			out = append(out, newCommand(id, KindStart, BlockBody{Block: blk.Zone}, node, node, "", now))
		}
		if len(late) > 0 {
			id := derivedID(KindOverdue, blk.Zone, strings.Join(late, ","), minute)
			out = append(out, newCommand(id, KindOverdue, BlockBody{Block: blk.Zone}, node, node, "", now))
		}
	}
	return out
}

// Sightings turns officers' tag reads at this node's checkpoint readers
// into checks: one per cell the reader checks, at most one per officer
// and cell per MinGap. Seen may be called from any goroutine.
type Sightings struct {
	plan *Plan
	node string
	mu   sync.Mutex
	last map[[2]string]time.Time // officer, cell → last check proposed
}

// NewSightings returns the sightings of node's checkpoint readers.
func (p *Plan) NewSightings(node string) *Sightings {
	return &Sightings{plan: p, node: node, last: map[[2]string]time.Time{}}
}

// Seen takes one tag read (the reader's device id, the tag's EPC, the
// read's time) and returns the checks to propose. A resident's tag, a tag
// nobody carries, a reader that is no checkpoint or another node's
// reader yield none.
func (s *Sightings) Seen(reader, epc string, at time.Time) []*command.Command {
	p := s.plan
	officer, ok := p.Officer(epc)
	if !ok || p.readerNode[reader] != s.node {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.last) > 4096 {
		for k, t := range s.last {
			if at.Sub(t) >= MinGap {
				delete(s.last, k)
			}
		}
	}
	var out []*command.Command
	for _, cell := range p.readerCells[reader] {
		k := [2]string{officer, cell}
		if t, ok := s.last[k]; ok && at.Sub(t) < MinGap && !at.Before(t) {
			continue
		}
		s.last[k] = at
		out = append(out, newCommand(command.NewID(), KindCheck, CheckBody{Cell: cell, Reader: reader, Person: officer}, s.node, s.node, "", at))
	}
	return out
}

func newCommand(id command.ID, kind string, body any, by, node, terminal string, at time.Time) *command.Command {
	raw, _ := json.Marshal(body) // plain fields: cannot fail
	return &command.Command{ID: id, Kind: kind, Node: node, Actor: by, Terminal: terminal, Time: at.UTC(), Body: raw}
}

func derivedID(parts ...string) command.ID {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var id command.ID
	copy(id[:], h.Sum(nil))
	return id
}
