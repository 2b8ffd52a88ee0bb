package node

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/firmware-sim/rfid/scenario"
	"github.com/palisade/palisade/sensors/rfid"
)

// demoRoundEvery is how often the demo's officer walks past the cell
// doors of a block checked by badge: well inside the 30 minutes a cell
// may go unchecked.
const demoRoundEvery = 20 * time.Minute

// demoPatrol is the officer who walks the demo's security rounds at a
// checkpoint doorway (a reader whose reads check cells): the first member
// of staff with a badge, starting on the doorway's landing side. False
// for a doorway that is no checkpoint.
func (c *custody) demoPatrol(door scenario.Doorway) (scenario.Person, bool) {
	if len(c.rounds.ReaderCells(door.ID)) == 0 {
		return scenario.Person{}, false
	}
	for _, p := range c.f.People {
		if p.Role != facility.PersonStaff || len(p.Tags) == 0 {
			continue
		}
		epc, err := rfid.ParseEPC(p.Tags[0])
		if err != nil {
			continue
		}
		return scenario.Person{ID: p.ID, EPC: epc, Role: scenario.Staff, Home: door.A}, true
	}
	return scenario.Person{}, false
}

// walkRounds adds the officer's rounds to a doorway's scenario for d from
// start: every demoRoundEvery they come up to the cell door, are read,
// and turn back without going in — a round check, not a crossing. The
// first comes two minutes after start, so that the demo shows a check by
// badge early; each doorway has its own offset within the round.
func walkRounds(sc *scenario.Scenario, p scenario.Person, door string, start time.Time, d time.Duration) error {
	h := fnv.New32a()
	h.Write([]byte(door))
	at := start.Add(2*time.Minute + time.Duration(h.Sum32()%60)*time.Second)
	for end := start.Add(d); at.Before(end); at = at.Add(demoRoundEvery) {
		if _, err := sc.TurnBack(p.EPC, door, at); err != nil {
			return fmt.Errorf("demo rounds at %s: %w", door, err)
		}
	}
	return nil
}
