package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// ErrNotFound is what a domain of the API returns (wrapped, with what was
// not found) for an id that names nothing: 404.
var ErrNotFound = errors.New("not found")

// Presence is where people are, from the committed RFID transitions, as the
// API needs it. Staff only: an inmate never sees anyone's whereabouts.
type Presence interface {
	Zones(ctx context.Context) ([]ZonePresence, error)
	// Person returns the person's current zone and their moves in
	// [from, to); ErrNotFound (wrapped) for an unknown id.
	Person(ctx context.Context, id string, from, to time.Time) (PersonPresence, error)
}

// ZonePresence is one zone with the people RFID puts there.
type ZonePresence struct {
	Zone     string       `json:"zone"`
	Path     string       `json:"path"` // ids from the top-level zone down, "/"-separated
	Name     string       `json:"name"`
	Capacity int          `json:"capacity,omitempty"`
	Count    int          `json:"count"`
	People   []PersonHere `json:"people"`
}

// PersonHere is someone in a zone.
type PersonHere struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Role    string    `json:"role"`
	Since   time.Time `json:"since"`
	Missing bool      `json:"missing,omitempty"`
}

// PersonPresence is one person's whereabouts and moves.
type PersonPresence struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	Zone     string    `json:"zone,omitempty"`
	ZoneName string    `json:"zone_name,omitempty"`
	Since    time.Time `json:"since,omitzero"`
	LastSeen time.Time `json:"last_seen,omitzero"`
	Missing  bool      `json:"missing,omitempty"`
	Moves    []Move    `json:"moves"`
}

// Move is one line of a person's history.
type Move struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"` // transition, missing, found
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	Reader  string    `json:"reader,omitempty"`
	Anomaly string    `json:"anomaly,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}

func (s *Server) presenceOrNotFound(w http.ResponseWriter) bool {
	if s.cfg.Presence == nil {
		writeError(w, http.StatusNotFound, "presence tracking is not running on this node")
		return false
	}
	return true
}

func (s *Server) listPresence(w http.ResponseWriter, r *http.Request) {
	if !s.presenceOrNotFound(w) {
		return
	}
	zs, err := s.cfg.Presence.Zones(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if zs == nil {
		zs = []ZonePresence{}
	}
	writeJSON(w, http.StatusOK, map[string][]ZonePresence{"zones": zs})
}

// getPerson answers a person's whereabouts and moves over the last
// ?hours= hours (default 24, at most 31 days).
func (s *Server) getPerson(w http.ResponseWriter, r *http.Request) {
	if !s.presenceOrNotFound(w) {
		return
	}
	hours := 24
	if h := r.URL.Query().Get("hours"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 1 || n > 31*24 {
			s.fail(w, r, invalid("hours: a whole number from 1 to %d", 31*24))
			return
		}
		hours = n
	}
	to := s.now()
	p, err := s.cfg.Presence.Person(r.Context(), r.PathValue("id"), to.Add(-time.Duration(hours)*time.Hour), to.Add(time.Minute))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Moves == nil {
		p.Moves = []Move{}
	}
	writeJSON(w, http.StatusOK, p)
}
