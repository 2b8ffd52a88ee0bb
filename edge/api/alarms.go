package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/palisade/palisade/edge/alarm"
)

const (
	// writeTimeout bounds how long a console waits for a change to be
	// committed before it is told so (504) instead of spinning forever.
	writeTimeout = 10 * time.Second
	maxListLimit = 500
	maxNote      = 2000
	maxKind      = 100
	maxMessage   = 1000
)

// actor is who is calling, for the record.
func actor(r *http.Request) alarm.Actor {
	sess := sessionFrom(r.Context())
	return alarm.Actor{Name: sess.user, Role: sess.role.String(), Terminal: r.RemoteAddr}
}

func (s *Server) listAlarms(w http.ResponseWriter, r *http.Request) {
	var f alarm.Filter
	q := r.URL.Query()
	switch v := q.Get("open"); v {
	case "", "0", "false":
	case "1", "true":
		f.OpenOnly = true
	default:
		s.fail(w, r, invalid("open: must be 1 or 0, not %q", v))
		return
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListLimit {
			s.fail(w, r, invalid("limit: must be a whole number from 1 to %d, not %q", maxListLimit, v))
			return
		}
		f.Limit = n
	}
	list, err := s.cfg.Alarms.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if list == nil {
		list = []alarm.Alarm{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alarms": list})
}

func (s *Server) getAlarm(w http.ResponseWriter, r *http.Request) {
	a, err := s.cfg.Alarms.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// raiseRequest is a manual alarm raised by an officer at the console.
type raiseRequest struct {
	Kind     string         `json:"kind"`
	Priority alarm.Priority `json:"priority"`
	Zone     string         `json:"zone"`
	Message  string         `json:"message"`
}

func (req *raiseRequest) validate() error {
	switch {
	case strings.TrimSpace(req.Kind) == "":
		return invalid("kind: required, e.g. \"manual.assistance\"")
	case len(req.Kind) > maxKind:
		return invalid("kind: longer than %d bytes", maxKind)
	case !req.Priority.Valid():
		return invalid("priority: must be 1 (critical) to 4 (low), not %d", req.Priority)
	case utf8.RuneCountInString(req.Message) > maxMessage:
		return invalid("message: longer than %d characters", maxMessage)
	}
	return nil
}

func (s *Server) raiseAlarm(w http.ResponseWriter, r *http.Request) {
	var req raiseRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := req.validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), writeTimeout)
	defer cancel()
	a, err := s.cfg.Alarms.Raise(ctx, alarm.Raise{
		Kind: strings.TrimSpace(req.Kind), Priority: req.Priority,
		Zone: req.Zone, Message: req.Message,
	}, actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}

type noteRequest struct {
	Note string `json:"note"`
}

// readNote decodes {"note"}; required says whether it may be blank.
func readNote(w http.ResponseWriter, r *http.Request, required bool) (string, error) {
	var req noteRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return "", err
	}
	note := strings.TrimSpace(req.Note)
	if required && note == "" {
		return "", invalid("note: a note is required to resolve an alarm")
	}
	if utf8.RuneCountInString(note) > maxNote {
		return "", invalid("note: longer than %d characters", maxNote)
	}
	return note, nil
}

func (s *Server) ackAlarm(w http.ResponseWriter, r *http.Request) {
	s.change(w, r, false, s.cfg.Alarms.Ack)
}

func (s *Server) resolveAlarm(w http.ResponseWriter, r *http.Request) {
	s.change(w, r, true, s.cfg.Alarms.Resolve)
}

// change runs an acknowledge or resolve and answers with the committed
// alarm: the console shows the new state only from this answer.
func (s *Server) change(w http.ResponseWriter, r *http.Request, noteRequired bool,
	do func(context.Context, string, alarm.Actor, string) (alarm.Alarm, error)) {
	note, err := readNote(w, r, noteRequired)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), writeTimeout)
	defer cancel()
	a, err := do(ctx, r.PathValue("id"), actor(r), note)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) cluster(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.Cluster.Status())
}

func (s *Server) zones(w http.ResponseWriter, r *http.Request) {
	zones := s.cfg.Zones
	if zones == nil {
		zones = []Zone{}
	}
	writeJSON(w, http.StatusOK, struct {
		Zones []Zone `json:"zones"`
		Site  Site   `json:"site"`
	}{zones, s.cfg.Site})
}

type health struct {
	Node   string `json:"node"`
	State  string `json:"state"`
	Quorum bool   `json:"quorum"`
}

// healthz answers 200 while the process serves; whether the node has a
// quorum is in the body, for a monitor to alert on.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	st := s.cfg.Cluster.Status()
	writeJSON(w, http.StatusOK, health{s.cfg.Node, st.State, st.Quorum})
}
