package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/edge/headcount"
	"github.com/palisade/palisade/edge/presence"
	"github.com/palisade/palisade/edge/reports"
	"github.com/palisade/palisade/edge/rounds"
	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// pastCounts is how many recent counts the count screen lists.
const pastCounts = 12

// commit proposes cmd as c's and waits until this node has applied it, so
// that what the caller reads next includes it.
func (c *custody) commit(ctx context.Context, cmd *command.Command) (replica.Result, error) {
	res, err := c.propose(ctx, cmd)
	if err != nil {
		return res, err
	}
	return res, c.rep.WaitApplied(ctx, res.Index)
}

// headcountAPI is the API's view of the headcounts.
type headcountAPI struct{ c *custody }

func (h headcountAPI) View(ctx context.Context) (api.HeadcountView, error) {
	v := api.HeadcountView{Residents: residents(h.c.f)}
	err := h.c.rep.View(func(tx *bolt.Tx) error {
		for _, c := range headcount.Past(tx, pastCounts) {
			v.Past = append(v.Past, c.Summarize())
		}
		c, ok := headcount.Current(tx)
		if !ok && len(v.Past) > 0 {
			c, ok = headcount.Get(tx, v.Past[0].ID)
		}
		if ok {
			s := c.Summarize()
			v.Count, v.Summary = &c, &s
		}
		return nil
	})
	return v, err
}

func (h headcountAPI) Start(ctx context.Context, note string, by alarm.Actor) (headcount.Count, error) {
	var where map[string]string
	if err := h.c.rep.View(func(tx *bolt.Tx) error { where = located(presence.All(tx)); return nil }); err != nil {
		return headcount.Count{}, err
	}
	return h.run(ctx, headcount.StartCommand(where, note, by.Name, h.c.me, by.Terminal, h.c.now()))
}

func (h headcountAPI) Enter(ctx context.Context, b headcount.ZoneBody, by alarm.Actor) (headcount.Count, error) {
	return h.run(ctx, headcount.ZoneCommand(b, by.Name, h.c.me, by.Terminal, h.c.now()))
}

func (h headcountAPI) Cancel(ctx context.Context, id uint64, note string, by alarm.Actor) (headcount.Count, error) {
	return h.run(ctx, headcount.CancelCommand(id, note, by.Name, h.c.me, by.Terminal, h.c.now()))
}

// run commits a headcount command and returns the count it touched.
func (h headcountAPI) run(ctx context.Context, cmd *command.Command) (headcount.Count, error) {
	res, err := h.c.commit(ctx, cmd)
	if err != nil {
		return headcount.Count{}, err
	}
	var o headcount.Outcome
	if err := json.Unmarshal(res.Value, &o); err != nil {
		return headcount.Count{}, fmt.Errorf("headcount: result of %s: %w", cmd.Kind, err)
	}
	var c headcount.Count
	var ok bool
	err = h.c.rep.View(func(tx *bolt.Tx) error { c, ok = headcount.Get(tx, o.Count); return nil })
	if err == nil && !ok {
		err = fmt.Errorf("headcount: count %d not in the state after index %d", o.Count, res.Index)
	}
	return c, err
}

func residents(f *facility.Facility) []api.Resident {
	var out []api.Resident
	for _, p := range f.People {
		if p.Role == facility.PersonResident {
			out = append(out, api.Resident{ID: p.ID, Name: p.Name, Home: p.Home})
		}
	}
	return out
}

// roundsAPI is the API's view of the security rounds.
type roundsAPI struct{ c *custody }

func (r roundsAPI) View(ctx context.Context, now time.Time, block string, from, to time.Time) (api.RoundsView, error) {
	p, f := r.c.rounds, r.c.f
	blocks := p.Blocks()
	if block == "" && len(blocks) > 0 {
		block = blocks[0].Zone
	}
	if !slices.ContainsFunc(blocks, func(b rounds.Block) bool { return b.Zone == block }) && block != "" {
		return api.RoundsView{}, fmt.Errorf("%w: %q is not a block on rounds", api.ErrNotFound, block)
	}
	v := api.RoundsView{Now: now, Observations: rounds.Observations(), Block: block, People: map[string]string{}}
	for _, pr := range f.People {
		v.People[pr.ID] = pr.Name
	}
	err := r.c.rep.View(func(tx *bolt.Tx) error {
		for _, b := range blocks {
			rb := api.RoundsBlock{Block: b.Zone, Name: zoneName(f, b.Zone)}
			for _, s := range p.Status(tx, b.Zone, now) {
				rb.Cells = append(rb.Cells, r.cell(tx, s))
			}
			v.Blocks = append(v.Blocks, rb)
		}
		v.History = rounds.History(tx, block, from, to)
		return nil
	})
	return v, err
}

func (r roundsAPI) cell(tx *bolt.Tx, s rounds.CellStatus) api.RoundsCell {
	rc := api.RoundsCell{CellStatus: s, Name: zoneName(r.c.f, s.Cell), OnWatch: []string{}}
	for _, res := range s.Residents {
		if on, _ := r.c.rounds.WatchState(tx, res); on {
			rc.OnWatch = append(rc.OnWatch, res)
		}
	}
	return rc
}

func (r roundsAPI) Check(ctx context.Context, b rounds.CheckBody, by alarm.Actor) (api.RoundsCell, error) {
	now := r.c.now()
	if _, err := r.c.commit(ctx, rounds.ConsoleCheck(b.Cell, b.Observation, b.Note, b.Person, by.Name, r.c.me, by.Terminal, now)); err != nil {
		return api.RoundsCell{}, err
	}
	var out api.RoundsCell
	err := r.c.rep.View(func(tx *bolt.Tx) error {
		for _, blk := range r.c.rounds.Blocks() {
			for _, s := range r.c.rounds.Status(tx, blk.Zone, now) {
				if s.Cell == b.Cell {
					out = r.cell(tx, s)
				}
			}
		}
		return nil
	})
	return out, err
}

func (r roundsAPI) Watch(ctx context.Context, person string, on bool, note string, by alarm.Actor) error {
	_, err := r.c.commit(ctx, rounds.WatchCommand(person, on, note, by.Name, r.c.me, by.Terminal, r.c.now()))
	return err
}

func (r roundsAPI) ExportCSV(ctx context.Context, w io.Writer, block string, from, to reports.Date) error {
	if !slices.ContainsFunc(r.c.rounds.Blocks(), func(b rounds.Block) bool { return b.Zone == block }) {
		return fmt.Errorf("%w: %q is not a block on rounds", api.ErrNotFound, block)
	}
	lo, hi, err := r.c.days(from, to)
	if err != nil {
		return err
	}
	return r.c.rep.View(func(tx *bolt.Tx) error { return r.c.rounds.ExportCSV(w, tx, block, lo, hi) })
}

// days returns the instants that bound the days from to to (inclusive)
// on the facility's clocks; a zero date is today.
func (c *custody) days(from, to reports.Date) (time.Time, time.Time, error) {
	today := reports.DateOf(c.now().In(c.f.Location()))
	if from == (reports.Date{}) {
		from = today
	}
	if to == (reports.Date{}) {
		to = today
	}
	if n := from.DaysUntil(to) + 1; n < 1 || n > reports.MaxDays {
		return time.Time{}, time.Time{}, fmt.Errorf("%w: %s to %s (1 to %d days)", reports.ErrRange, from, to, reports.MaxDays)
	}
	end := to.AddDays(1)
	loc := c.f.Location()
	return facility.DayStart(loc, from.Year, from.Month, from.Day), facility.DayStart(loc, end.Year, end.Month, end.Day), nil
}

func zoneName(f *facility.Facility, id string) string {
	if z, ok := f.Zone(id); ok && z.Name != "" {
		return z.Name
	}
	return id
}

// reportsAPI computes the custody report from the committed presence
// history.
type reportsAPI struct{ c *custody }

func (r reportsAPI) Custody(ctx context.Context, from, to reports.Date) (api.CustodyReport, error) {
	lo, hi, err := r.c.days(from, to)
	if err != nil {
		return api.CustodyReport{}, err
	}
	loc := r.c.f.Location()
	rep := api.CustodyReport{From: reports.DateOf(lo.In(loc)), To: reports.DateOf(hi.In(loc)).AddDays(-1)}
	var ts []reports.Transition
	now := r.c.now()
	err = r.c.rep.View(func(tx *bolt.Tx) error {
		for _, p := range r.c.f.People {
			if p.Role != facility.PersonResident {
				continue
			}
			ts = append(ts, transitions(tx, p.ID, lo, hi)...)
			if now.Before(hi) {
				// Where they will be for the rest of today is not known
				// yet: a resident in the yard since ten is not counted
				// in it until midnight.
				ts = append(ts, reports.Transition{Person: p.ID, At: now})
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	if rep.Rows, err = r.c.report.Daily(ts, rep.From, rep.To); err != nil {
		return rep, err
	}
	rep.Totals = reports.Totals(rep.Rows)
	return rep, nil
}

// transitions adapts a resident's presence history over [lo, hi) to the
// report: where they were at lo (when presence knew), then each
// transition; a missing declaration is "nowhere known" until they are
// seen again, which puts them back in the zone presence still holds.
func transitions(tx *bolt.Tx, person string, lo, hi time.Time) []reports.Transition {
	var out []reports.Transition
	zone := ""
	apply := func(r presence.Record) {
		switch r.Kind {
		case presence.RecordTransition:
			zone = r.Zone
			out = append(out, reports.Transition{Person: person, From: r.Prev, To: r.Zone, At: r.At})
		case presence.RecordMissing:
			out = append(out, reports.Transition{Person: person, From: zone, At: r.At})
		case presence.RecordFound:
			out = append(out, reports.Transition{Person: person, To: zone, At: r.At})
		}
	}
	if first, ok := presence.ZoneAt(tx, person, lo); ok {
		// The transition in force at lo, and any missing or found
		// record between it and lo.
		for _, r := range presence.History(tx, person, first.At, lo) {
			apply(r)
		}
	}
	for _, r := range presence.History(tx, person, lo, hi) {
		apply(r)
	}
	return out
}
