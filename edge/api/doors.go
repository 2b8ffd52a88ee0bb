package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/edge/alarm"
)

// Doors is the door domain as the API needs it. Every method returns once
// the change is committed; without a quorum nothing moves (ErrNoLeader).
type Doors interface {
	// List returns every door of the facility with its recorded state.
	List(ctx context.Context) ([]DoorView, error)
	// Unlock releases a door's lock for d (0: until locked again); Lock
	// locks it now.
	Unlock(ctx context.Context, door string, d time.Duration, reason string, by alarm.Actor) (actuator.Actuation, error)
	Lock(ctx context.Context, door string, reason string, by alarm.Actor) (actuator.Actuation, error)
	// Lockdown locks a zone down (on) or lifts it: no card opens a door
	// into or out of it, and its doors are locked.
	Lockdown(ctx context.Context, zone string, on bool, reason string, by alarm.Actor) error
}

// DoorView is one door on the console.
type DoorView struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Inside   string    `json:"inside"`
	Outside  string    `json:"outside"`
	Node     string    `json:"node"`
	HasLock  bool      `json:"has_lock"`
	At       []float64 `json:"at,omitempty"` // [x, y] on the site map
	State    string    `json:"state"`        // secure, unlocked, open, held_open, forced; "unknown" before the first record
	Since    time.Time `json:"since,omitzero"`
	Reason   string    `json:"reason,omitempty"`
	Lockdown bool      `json:"lockdown"` // a zone on either side is locked down
}

type unlockRequest struct {
	Duration string `json:"duration,omitempty"` // Go duration; empty: until locked
	Reason   string `json:"reason"`
}

type lockdownRequest struct {
	On     bool   `json:"on"`
	Reason string `json:"reason"`
}

func (s *Server) doorsOrNotFound(w http.ResponseWriter) bool {
	if s.cfg.Doors == nil {
		writeError(w, http.StatusNotFound, "this node supervises no doors")
		return false
	}
	return true
}

func (s *Server) listDoors(w http.ResponseWriter, r *http.Request) {
	if !s.doorsOrNotFound(w) {
		return
	}
	ds, err := s.cfg.Doors.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ds == nil {
		ds = []DoorView{}
	}
	writeJSON(w, http.StatusOK, map[string][]DoorView{"doors": ds})
}

func (s *Server) unlockDoor(w http.ResponseWriter, r *http.Request) { s.moveDoor(w, r, false) }

func (s *Server) lockDoor(w http.ResponseWriter, r *http.Request) { s.moveDoor(w, r, true) }

// moveDoor unlocks (for a duration, or until locked) or locks a door: a
// committed command on its lock, answered 202 with the recorded actuation.
func (s *Server) moveDoor(w http.ResponseWriter, r *http.Request, lock bool) {
	if !s.doorsOrNotFound(w) {
		return
	}
	var req unlockRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	var d time.Duration
	if !lock {
		if strings.TrimSpace(req.Reason) == "" {
			writeError(w, http.StatusBadRequest, "reason: say why the door is unlocked; it goes on the record")
			return
		}
		if req.Duration != "" {
			var err error
			if d, err = time.ParseDuration(req.Duration); err != nil || d <= 0 || d > time.Minute {
				writeError(w, http.StatusBadRequest, `duration: a Go duration up to 1m, e.g. "10s"; leave it out to unlock until locked`)
				return
			}
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), writeTimeout)
	defer cancel()
	var a actuator.Actuation
	var err error
	if lock {
		a, err = s.cfg.Doors.Lock(ctx, r.PathValue("id"), req.Reason, actor(r))
	} else {
		a, err = s.cfg.Doors.Unlock(ctx, r.PathValue("id"), d, req.Reason, actor(r))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, a)
}

func (s *Server) lockdownZone(w http.ResponseWriter, r *http.Request) {
	if !s.doorsOrNotFound(w) {
		return
	}
	var req lockdownRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if strings.TrimSpace(req.Reason) == "" {
		writeError(w, http.StatusBadRequest, "reason: say why; a lockdown goes on the record")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), writeTimeout)
	defer cancel()
	if err := s.cfg.Doors.Lockdown(ctx, r.PathValue("id"), req.On, req.Reason, actor(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
