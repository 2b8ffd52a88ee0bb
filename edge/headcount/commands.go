package headcount

import (
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// StartCommand starts a count on demand: by is the console user, located
// the presence snapshot (person id → zone) at this moment.
func StartCommand(located map[string]string, note, by, node, terminal string, at time.Time) *command.Command {
	return newCommand(command.NewID(), KindStart, StartBody{Located: located, Note: note}, by, node, terminal, at)
}

// ZoneCommand enters an officer's count of one zone of count id.
func ZoneCommand(b ZoneBody, by, node, terminal string, at time.Time) *command.Command {
	return newCommand(command.NewID(), KindZone, b, by, node, terminal, at)
}

// CancelCommand calls count id off (a supervisor, with a note).
func CancelCommand(id uint64, note, by, node, terminal string, at time.Time) *command.Command {
	return newCommand(command.NewID(), KindCancel, CancelBody{Count: id, Note: note}, by, node, terminal, at)
}

// Tick returns what a node should propose at now: the scheduled count
// when one is due (with the presence snapshot located returns), or the
// late record of the open count when it passed its deadline. Their ids
// derive from the slot or the count, and the minute, so that nodes
// ticking at once propose the same command and the log applies it once,
// while one refused because the log's clock was a moment behind gets a
// new id a minute later (the applier refuses a second start of a slot and
// a second late record). Call it every few seconds on one node or on all;
// tx is a read transaction of the replica's state.
func (p *Plan) Tick(tx *bolt.Tx, node string, now time.Time, located func() map[string]string) []*command.Command {
	minute := now.UTC().Truncate(time.Minute).Format(time.RFC3339)
	if c, ok := Current(tx); ok {
		if !c.Late && now.Sub(c.StartedAt) >= p.late {
			id := derivedID(KindLate, strconv.FormatUint(c.ID, 10), minute)
			return []*command.Command{newCommand(id, KindLate, LateBody{Count: c.ID}, node, node, "", now)}
		}
		return nil
	}
	slot, ok := p.Due(lastSlot(tx), now)
	if !ok {
		return nil
	}
	id := derivedID(KindStart, slot.Format(time.RFC3339), minute)
	return []*command.Command{newCommand(id, KindStart, StartBody{Slot: slot, Located: located()}, node, node, "", now)}
}

// Alarms returns the alarms to raise and the keys to clear from applied
// headcount commands that node proposed: each change is raised by the one
// node that caused it. Call it from the replica's observer.
func Alarms(as []replica.Applied, node string) (raise []alarm.Raise, clear []string) {
	for _, a := range as {
		if a.Err != nil || a.Command == nil || a.Command.Node != node {
			continue
		}
		switch a.Command.Kind {
		case KindStart, KindZone, KindCancel, KindLate:
		default:
			continue
		}
		var o Outcome
		if json.Unmarshal(a.Result, &o) != nil {
			continue
		}
		raise = append(raise, o.Raise...)
		clear = append(clear, o.Clear...)
	}
	return raise, clear
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
