package rounds

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// Command kinds of the rounds domain.
const (
	KindCheck   = "rounds.check"   // a cell checked: a tag read at a checkpoint reader, or entered at the console
	KindWatch   = "rounds.watch"   // a supervisor puts a resident on or off watch
	KindStart   = "rounds.start"   // a node begins the rounds of a block's cells (their first interval starts)
	KindOverdue = "rounds.overdue" // a node records the cells of a block whose check is overdue
)

// AlarmOverdue is the alarm kind of an overdue check: priority 1 for a
// cell whose resident is on watch, 2 otherwise.
const AlarmOverdue = "rounds.overdue"

// Sentinel errors. A refused command is in the log with its reason but
// changed nothing.
var (
	// ErrInvalid refuses a malformed command: a body that does not
	// decode, an unknown cell, reader or person, a reader check not from
	// the reader's node, an actor who may not do it.
	ErrInvalid = errors.New("rounds: invalid command")
	// ErrUnchanged refuses what would change nothing: the same officer's
	// tag read again at the same cell within MinGap, a start with every
	// cell begun, an overdue record with no cell overdue.
	ErrUnchanged = errors.New("rounds: nothing to change")
)

// MinGap is how soon the same officer's tag at the same cell makes a new
// check: an officer standing at a door is read many times a second.
const MinGap = time.Minute

// DefaultRetention is how long the history of a block is kept in
// state.db (the log keeps everything).
const DefaultRetention = 92 * 24 * time.Hour

// CheckBody is the payload of rounds.check. With Reader, Person is the
// officer whose tag was read; without, the check was entered at the
// console by the command's actor (Person may name the officer who made
// it, a member of staff).
type CheckBody struct {
	Cell        string      `json:"cell"`
	Reader      string      `json:"reader,omitempty"`
	Person      string      `json:"person,omitempty"`
	Observation Observation `json:"observation,omitempty"`
	Note        string      `json:"note,omitempty"`
}

// WatchBody is the payload of rounds.watch.
type WatchBody struct {
	Person string `json:"person"`
	On     bool   `json:"on"`
	Note   string `json:"note"`
}

// BlockBody is the payload of rounds.start and rounds.overdue.
type BlockBody struct {
	Block string `json:"block"`
}

// Outcome is an applied command's result: the alarms its change raises
// and clears. The node that proposed it raises them ([Alarms]).
type Outcome struct {
	Raise []alarm.Raise `json:"raise,omitempty"`
	Clear []string      `json:"clear,omitempty"`
}

// Applier applies the rounds.* commands.
type Applier struct {
	Plan *Plan
	// Retention is how long a block's history is kept (0: DefaultRetention).
	Retention time.Duration
}

// Apply implements replica.Applier. It validates, then writes.
func (a Applier) Apply(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	var o Outcome
	var err error
	switch c.Kind {
	case KindCheck:
		o, err = a.check(tx, e, c)
	case KindWatch:
		o, err = a.watch(tx, e, c)
	case KindStart:
		o, err = a.start(tx, e, c)
	case KindOverdue:
		o, err = a.overdue(tx, e, c)
	default:
		err = fmt.Errorf("%w: unknown kind %q", ErrInvalid, c.Kind)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(o)
}

func (a Applier) retention() time.Duration {
	if a.Retention > 0 {
		return a.Retention
	}
	return DefaultRetention
}

func decode(c *command.Command, v any) error {
	if err := json.Unmarshal(c.Body, v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalid, c.Kind, err)
	}
	return nil
}

func (a Applier) check(tx *bolt.Tx, e replica.Entry, c *command.Command) (Outcome, error) {
	p := a.Plan
	var b CheckBody
	if err := decode(c, &b); err != nil {
		return Outcome{}, err
	}
	block, ok := p.cellBlock[b.Cell]
	if !ok {
		return Outcome{}, fmt.Errorf("%w: %q is not a cell on rounds", ErrInvalid, b.Cell)
	}
	if len(b.Note) > 500 {
		return Outcome{}, fmt.Errorf("%w: a note of %d bytes (at most 500)", ErrInvalid, len(b.Note))
	}
	r := Record{Index: e.Index, At: e.Time.UTC(), Kind: RecordCheck, Block: block, Cell: b.Cell,
		Observation: b.Observation, Note: b.Note}
	if b.Reader != "" {
		owner, ok := p.readerNode[b.Reader]
		switch {
		case !ok:
			return Outcome{}, fmt.Errorf("%w: %q is not a checkpoint reader", ErrInvalid, b.Reader)
		case !slices.Contains(p.readerCells[b.Reader], b.Cell):
			return Outcome{}, fmt.Errorf("%w: reader %s does not check %s", ErrInvalid, b.Reader, b.Cell)
		case c.Actor != owner:
			return Outcome{}, fmt.Errorf("%w: only %s, which owns reader %s, reports its reads (not %q)", ErrInvalid, owner, b.Reader, c.Actor)
		case !p.staff[b.Person]:
			return Outcome{}, fmt.Errorf("%w: %q is not a member of staff: a round is an officer's", ErrInvalid, b.Person)
		case b.Observation != NotRecorded && !b.Observation.Valid():
			return Outcome{}, fmt.Errorf("%w: observation %q", ErrInvalid, b.Observation)
		}
		r.By, r.Source, r.Reader = b.Person, SourceReader, b.Reader
	} else {
		switch {
		case !p.user(c.Actor):
			return Outcome{}, fmt.Errorf("%w: %q is not a console user", ErrInvalid, c.Actor)
		case b.Person != "" && !p.staff[b.Person]:
			return Outcome{}, fmt.Errorf("%w: %q is not a member of staff", ErrInvalid, b.Person)
		case !b.Observation.Valid():
			return Outcome{}, fmt.Errorf("%w: observation %q: want one of %s", ErrInvalid, b.Observation, observationList())
		case b.Observation == Other && strings.TrimSpace(b.Note) == "":
			return Outcome{}, fmt.Errorf("%w: observation other needs a note saying what", ErrInvalid)
		}
		r.By, r.Source = c.Actor, SourceConsole
		if b.Person != "" {
			r.By = c.Actor + " for " + b.Person
		}
	}
	cell, ok := loadCell(tx, b.Cell)
	if !ok {
		cell = Cell{Cell: b.Cell, Block: block, Since: r.At}
	}
	if l := cell.Last; r.Source == SourceReader && l != nil && l.Source == SourceReader && l.By == r.By && r.At.Sub(l.At) < MinGap {
		return Outcome{}, fmt.Errorf("%w: %s read at %s %s ago", ErrUnchanged, r.By, b.Cell, r.At.Sub(l.At).Round(time.Second))
	}
	r.Due, r.Interval = p.due(tx, cell)
	var o Outcome
	if !cell.Overdue.IsZero() {
		o.Clear = append(o.Clear, overdueKey(b.Cell))
	}
	cell.Last, cell.Overdue = &r, time.Time{}
	if err := putJSON(tx, bucketCells, b.Cell, cell); err != nil {
		return Outcome{}, err
	}
	return o, appendHistory(tx, r, 0, a.retention())
}

func (a Applier) watch(tx *bolt.Tx, e replica.Entry, c *command.Command) (Outcome, error) {
	p := a.Plan
	var b WatchBody
	if err := decode(c, &b); err != nil {
		return Outcome{}, err
	}
	switch {
	case !p.supervisor(c.Actor):
		return Outcome{}, fmt.Errorf("%w: only a supervisor puts a resident on or off watch, not %q", ErrInvalid, c.Actor)
	case strings.TrimSpace(b.Note) == "":
		return Outcome{}, fmt.Errorf("%w: a watch change needs a note (whose decision, why)", ErrInvalid)
	case len(b.Note) > 500:
		return Outcome{}, fmt.Errorf("%w: a note of %d bytes (at most 500)", ErrInvalid, len(b.Note))
	}
	cellID, resident := p.home[b.Person]
	if !resident {
		return Outcome{}, fmt.Errorf("%w: %q is not a resident with a home cell", ErrInvalid, b.Person)
	}
	if p.onWatch(tx, b.Person) == b.On {
		return Outcome{}, fmt.Errorf("%w: %s is already %s", ErrUnchanged, b.Person, map[bool]string{true: "on watch", false: "off watch"}[b.On])
	}
	at := e.Time.UTC()
	if err := putJSON(tx, bucketWatch, b.Person, Watch{Person: b.Person, On: b.On, By: c.Actor, At: at, Note: b.Note}); err != nil {
		return Outcome{}, err
	}
	var o Outcome
	block, onRounds := p.cellBlock[cellID]
	if !onRounds {
		return o, nil
	}
	// Off watch, the cell's due time moves later: an overdue that no
	// longer is, is cleared.
	if cell, ok := loadCell(tx, cellID); ok && !cell.Overdue.IsZero() {
		if due, _ := p.due(tx, cell); !at.After(due) {
			cell.Overdue = time.Time{}
			if err := putJSON(tx, bucketCells, cellID, cell); err != nil {
				return Outcome{}, err
			}
			o.Clear = append(o.Clear, overdueKey(cellID))
		}
	}
	return o, appendHistory(tx, Record{Index: e.Index, At: at, Kind: RecordWatch, Block: block, Cell: cellID, By: c.Actor,
		Note: b.Note, Person: b.Person, On: b.On, Interval: p.Interval(p.cellWatch(tx, cellID))}, 0, a.retention())
}

func (a Applier) blockCommand(c *command.Command) (Block, error) {
	var b BlockBody
	if err := decode(c, &b); err != nil {
		return Block{}, err
	}
	if !a.Plan.nodes[c.Actor] {
		return Block{}, fmt.Errorf("%w: %s is recorded by a node, not %q", ErrInvalid, c.Kind, c.Actor)
	}
	blk, ok := a.Plan.block(b.Block)
	if !ok {
		return Block{}, fmt.Errorf("%w: %q is not a block on rounds", ErrInvalid, b.Block)
	}
	return blk, nil
}

func (a Applier) start(tx *bolt.Tx, e replica.Entry, c *command.Command) (Outcome, error) {
	blk, err := a.blockCommand(c)
	if err != nil {
		return Outcome{}, err
	}
	var begin []string
	for _, cell := range blk.Cells {
		if _, ok := loadCell(tx, cell); !ok {
			begin = append(begin, cell)
		}
	}
	if len(begin) == 0 {
		return Outcome{}, fmt.Errorf("%w: every cell of %s is on rounds", ErrUnchanged, blk.Zone)
	}
	for _, cell := range begin {
		if err := putJSON(tx, bucketCells, cell, Cell{Cell: cell, Block: blk.Zone, Since: e.Time.UTC()}); err != nil {
			return Outcome{}, err
		}
	}
	return Outcome{}, nil
}

func (a Applier) overdue(tx *bolt.Tx, e replica.Entry, c *command.Command) (Outcome, error) {
	blk, err := a.blockCommand(c)
	if err != nil {
		return Outcome{}, err
	}
	at := e.Time.UTC()
	var o Outcome
	var recs []Record
	for _, id := range blk.Cells {
		cell, ok := loadCell(tx, id)
		if !ok {
			continue
		}
		due, iv := a.Plan.due(tx, cell)
		if !at.After(due) || cell.Overdue.Equal(due) {
			continue
		}
		cell.Overdue = due
		if err := putJSON(tx, bucketCells, id, cell); err != nil {
			return Outcome{}, err
		}
		recs = append(recs, Record{Index: e.Index, At: at, Kind: RecordOverdue, Block: blk.Zone, Cell: id, By: c.Actor, Interval: iv, Due: due})
		o.Raise = append(o.Raise, a.Plan.overdueAlarm(cell, due, iv, a.Plan.cellWatch(tx, id)))
	}
	if len(recs) == 0 {
		return Outcome{}, fmt.Errorf("%w: no cell of %s is overdue at %s", ErrUnchanged, blk.Zone, at.Format(time.RFC3339))
	}
	for i, r := range recs {
		if err := appendHistory(tx, r, i, a.retention()); err != nil {
			return Outcome{}, err
		}
	}
	return o, nil
}

func overdueKey(cell string) string { return AlarmOverdue + "/" + cell }

func (p *Plan) overdueAlarm(c Cell, due time.Time, iv time.Duration, watch bool) alarm.Raise {
	prio := alarm.Priority(2)
	last := "never checked since rounds began at " + c.Since.In(p.loc).Format("15:04")
	if c.Last != nil {
		last = fmt.Sprintf("last checked at %s by %s", c.Last.At.In(p.loc).Format("15:04"), c.Last.By)
	}
	what := fmt.Sprintf("%s interval", iv)
	if watch {
		prio, what = 1, fmt.Sprintf("%s interval: a resident is on watch", iv)
	}
	return alarm.Raise{Key: overdueKey(c.Cell), Kind: AlarmOverdue, Priority: prio, Zone: c.Cell,
		Message: fmt.Sprintf("cell %s (%s): check overdue since %s (%s; %s)", c.Cell, c.Block, due.In(p.loc).Format("15:04"), last, what)}
}

func observationList() string {
	var s []string
	for _, o := range Observations() {
		s = append(s, string(o))
	}
	return strings.Join(s, ", ")
}
