package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/headcount"
)

// Headcount is the formal count as the API needs it. Start, Enter and
// Cancel return once the change is committed and applied on this node,
// with the count as it then stands; a refusal (a count already open, a
// zone the count does not cover, a name that is not expected there, a
// count no longer open) wraps replica.ErrRejected with its reason; without
// a quorum nothing is recorded (replica.ErrNoLeader). Safe for concurrent
// use.
type Headcount interface {
	View(ctx context.Context) (HeadcountView, error)
	Start(ctx context.Context, note string, by alarm.Actor) (headcount.Count, error)
	Enter(ctx context.Context, b headcount.ZoneBody, by alarm.Actor) (headcount.Count, error)
	Cancel(ctx context.Context, id uint64, note string, by alarm.Actor) (headcount.Count, error)
}

// HeadcountView is the count screen: the open count, or else the last
// one (cleared or cancelled), and the recent counts in one line each.
type HeadcountView struct {
	Count   *headcount.Count    `json:"count"` // nil: no count yet
	Summary *headcount.Summary  `json:"summary,omitempty"`
	Past    []headcount.Summary `json:"past"` // newest first, Count included
	// Residents are everyone a count may name, for the officer's
	// corrections and for names instead of ids.
	Residents []Resident `json:"residents"`
}

// Resident is a resident as the custody screens name them.
type Resident struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Home string `json:"home,omitempty"` // their cell
}

// zoneCount is an officer's count of one zone: a confirmation of what
// presence shows (the heads counted, nobody named) or a correction (the
// heads counted, who of the expected is missing, who is there
// unexpectedly).
type zoneCount struct {
	Confirm bool     `json:"confirm"`
	Counted *int     `json:"counted"`
	Missing []string `json:"missing"`
	Extra   []string `json:"extra"`
	Note    string   `json:"note"`
}

// maxNames bounds the residents one zone's count may name.
const maxNames = 1000

func (s *Server) headcountOrNotFound(w http.ResponseWriter) bool {
	if s.cfg.Headcount == nil {
		writeError(w, http.StatusNotFound, "headcounts are not run on this node")
		return false
	}
	return true
}

func (s *Server) getHeadcount(w http.ResponseWriter, r *http.Request) {
	if !s.headcountOrNotFound(w) {
		return
	}
	v, err := s.cfg.Headcount.View(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Past == nil {
		v.Past = []headcount.Summary{}
	}
	if v.Residents == nil {
		v.Residents = []Resident{}
	}
	writeJSON(w, http.StatusOK, v)
}

// startHeadcount starts a count on demand (a supervisor): 201 with it.
func (s *Server) startHeadcount(w http.ResponseWriter, r *http.Request) {
	if !s.headcountOrNotFound(w) {
		return
	}
	var req struct {
		Note string `json:"note"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(req.Note) > 500 {
		s.fail(w, r, invalid("note: at most 500 characters"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), writeTimeout)
	defer cancel()
	c, err := s.cfg.Headcount.Start(ctx, strings.TrimSpace(req.Note), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// enterZone records an officer's count of one zone of the open count.
func (s *Server) enterZone(w http.ResponseWriter, r *http.Request) {
	if !s.headcountOrNotFound(w) {
		return
	}
	id, err := countID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req zoneCount
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	switch {
	case req.Counted == nil:
		err = invalid("counted: how many residents you counted in the zone")
	case *req.Counted < 0 || *req.Counted > 10000:
		err = invalid("counted: a number from 0 to 10000")
	case req.Confirm && len(req.Missing)+len(req.Extra) > 0:
		err = invalid("a confirmation names nobody: to name who is missing or extra, send a correction (confirm false)")
	case len(req.Missing) > maxNames || len(req.Extra) > maxNames:
		err = invalid("missing, extra: at most %d names each", maxNames)
	case len(req.Note) > 500:
		err = invalid("note: at most 500 characters")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), writeTimeout)
	defer cancel()
	c, err := s.cfg.Headcount.Enter(ctx, headcount.ZoneBody{Count: id, Zone: r.PathValue("zone"), Confirm: req.Confirm,
		Counted: *req.Counted, Missing: req.Missing, Extra: req.Extra, Note: strings.TrimSpace(req.Note)}, actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// cancelHeadcount calls the open count off (a supervisor, with a note).
func (s *Server) cancelHeadcount(w http.ResponseWriter, r *http.Request) {
	if !s.headcountOrNotFound(w) {
		return
	}
	id, err := countID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req struct {
		Note string `json:"note"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	note := strings.TrimSpace(req.Note)
	if note == "" || len(note) > 500 {
		s.fail(w, r, invalid("note: say why the count is called off (at most 500 characters); it goes on the record"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), writeTimeout)
	defer cancel()
	c, err := s.cfg.Headcount.Cancel(ctx, id, note, actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func countID(r *http.Request) (uint64, error) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		return 0, invalid("count id: a positive whole number, not %q", r.PathValue("id"))
	}
	return id, nil
}
