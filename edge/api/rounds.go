package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/reports"
	"github.com/palisade/palisade/edge/rounds"
)

// Rounds is the security rounds as the API needs it. Check and Watch
// return once the change is committed and applied on this node; a refusal
// (a cell not on rounds, "other" without a note, a watch change by an
// officer) wraps replica.ErrRejected with its reason. Safe for concurrent
// use.
type Rounds interface {
	// View returns every block's cells judged at now, and the history of
	// block ("" the first block) over [from, to).
	View(ctx context.Context, now time.Time, block string, from, to time.Time) (RoundsView, error)
	Check(ctx context.Context, b rounds.CheckBody, by alarm.Actor) (RoundsCell, error)
	Watch(ctx context.Context, person string, on bool, note string, by alarm.Actor) error
	// ExportCSV writes a block's history over the days from to to
	// (inclusive, on the facility's clocks; a zero Date is today);
	// ErrNotFound (wrapped) for a block not on rounds.
	ExportCSV(ctx context.Context, w io.Writer, block string, from, to reports.Date) error
}

// RoundsView is the rounds screen.
type RoundsView struct {
	Now          time.Time            `json:"now"` // the clock the cells were judged at
	Blocks       []RoundsBlock        `json:"blocks"`
	Observations []rounds.Observation `json:"observations"` // the choices of a console check, in order
	Block        string               `json:"block"`        // whose history follows
	History      []rounds.Record      `json:"history"`      // oldest first
	// People names the officers and residents the screen mentions.
	People map[string]string `json:"people"`
}

// RoundsBlock is one block on rounds, its cells in round order.
type RoundsBlock struct {
	Block string       `json:"block"`
	Name  string       `json:"name"`
	Cells []RoundsCell `json:"cells"`
}

// RoundsCell is one cell: its round state and who of its residents is on
// watch.
type RoundsCell struct {
	rounds.CellStatus
	Name    string   `json:"name"`
	OnWatch []string `json:"on_watch"`
}

// roundsHistoryHours is how far back the screen's history reaches by
// default: a long shift.
const roundsHistoryHours = 12

func (s *Server) roundsOrNotFound(w http.ResponseWriter) bool {
	if s.cfg.Rounds == nil {
		writeError(w, http.StatusNotFound, "security rounds are not run on this node")
		return false
	}
	return true
}

// getRounds answers the cells of every block and the history of ?block=
// over the last ?hours= (default 12, at most a week).
func (s *Server) getRounds(w http.ResponseWriter, r *http.Request) {
	if !s.roundsOrNotFound(w) {
		return
	}
	hours := roundsHistoryHours
	if h := r.URL.Query().Get("hours"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 1 || n > 7*24 {
			s.fail(w, r, invalid("hours: a whole number from 1 to %d", 7*24))
			return
		}
		hours = n
	}
	now := s.now()
	v, err := s.cfg.Rounds.View(r.Context(), now, r.URL.Query().Get("block"), now.Add(-time.Duration(hours)*time.Hour), now.Add(time.Minute))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Blocks == nil {
		v.Blocks = []RoundsBlock{}
	}
	if v.History == nil {
		v.History = []rounds.Record{}
	}
	writeJSON(w, http.StatusOK, v)
}

// roundCheck is a check entered at the console.
type roundCheck struct {
	Cell        string `json:"cell"`
	Observation string `json:"observation"`
	Note        string `json:"note"`
	// Officer is the member of staff (a person id) who made the check,
	// when someone else enters it; empty: the user made it.
	Officer string `json:"officer"`
}

// checkCell records an officer's check of a cell: 200 with the cell as it
// now stands.
func (s *Server) checkCell(w http.ResponseWriter, r *http.Request) {
	if !s.roundsOrNotFound(w) {
		return
	}
	var req roundCheck
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	obs := rounds.Observation(req.Observation)
	note := strings.TrimSpace(req.Note)
	var err error
	switch {
	case req.Cell == "":
		err = invalid("cell: which cell you checked")
	case !obs.Valid():
		err = invalid("observation: one of %s, not %q", observationNames(), req.Observation)
	case obs == rounds.Other && note == "":
		err = invalid("note: say what you saw (the observation is \"other\")")
	case len(note) > 500:
		err = invalid("note: at most 500 characters")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), writeTimeout)
	defer cancel()
	c, err := s.cfg.Rounds.Check(ctx, rounds.CheckBody{Cell: req.Cell, Observation: obs, Note: note, Person: req.Officer}, actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// watchResident puts a resident on or off watch (a supervisor, with a
// note): 204.
func (s *Server) watchResident(w http.ResponseWriter, r *http.Request) {
	if !s.roundsOrNotFound(w) {
		return
	}
	var req struct {
		Person string `json:"person"`
		On     bool   `json:"on"`
		Note   string `json:"note"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	note := strings.TrimSpace(req.Note)
	switch {
	case req.Person == "":
		s.fail(w, r, invalid("person: the resident to put on or off watch"))
		return
	case note == "" || len(note) > 500:
		s.fail(w, r, invalid("note: whose decision, and why (at most 500 characters); it goes on the record"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), writeTimeout)
	defer cancel()
	if err := s.cfg.Rounds.Watch(ctx, req.Person, req.On, note, actor(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// exportRounds answers a block's round history as CSV, ?from= and ?to=
// dates (YYYY-MM-DD, inclusive; default today).
func (s *Server) exportRounds(w http.ResponseWriter, r *http.Request) {
	if !s.roundsOrNotFound(w) {
		return
	}
	q := r.URL.Query()
	block := q.Get("block")
	if block == "" {
		s.fail(w, r, invalid("block: the cell block whose rounds to export"))
		return
	}
	from, to, err := dateRange(q.Get("from"), q.Get("to"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Written to a buffer first: a failure after the first row could no
	// longer be told to the browser.
	var buf bytes.Buffer
	if err := s.cfg.Rounds.ExportCSV(r.Context(), &buf, block, from, to); err != nil {
		s.fail(w, r, err)
		return
	}
	writeCSV(w, fmt.Sprintf("rounds-%s-%s-%s.csv", fileWord(block), fileWord(q.Get("from")), fileWord(q.Get("to"))), buf.Bytes())
}

func observationNames() string {
	var names []string
	for _, o := range rounds.Observations() {
		names = append(names, string(o))
	}
	return strings.Join(names, ", ")
}

// dateRange parses the ?from= and ?to= of a report: dates, inclusive;
// an empty one is the zero Date (today, for the domain).
func dateRange(from, to string) (f, t reports.Date, err error) {
	if from != "" {
		if f, err = reports.ParseDate(from); err != nil {
			return f, t, invalid("from: a date like 2026-11-27, not %q", from)
		}
	}
	if to != "" {
		if t, err = reports.ParseDate(to); err != nil {
			return f, t, invalid("to: a date like 2026-11-27, not %q", to)
		}
	}
	if from != "" && to != "" && t.DaysUntil(f) > 0 {
		return f, t, invalid("from %s is after to %s", from, to)
	}
	return f, t, nil
}

// writeCSV answers a CSV download.
func writeCSV(w http.ResponseWriter, filename string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b) // the client may be gone; nothing to do
}

// fileWord keeps what may go into a download's file name: letters, digits,
// '-' and '_'; "today" for nothing.
func fileWord(s string) string {
	out := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, s)
	if out == "" {
		return "today"
	}
	return out
}
