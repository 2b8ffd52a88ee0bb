package api

import (
	"context"
	"net/http"
	"time"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/edge/alarm"
)

// Actuators moves hardware through the log (package actuator). Request
// returns once the request is committed — not once the hardware moved: the
// owner node executes it and records the result, which Get shows.
type Actuators interface {
	Request(ctx context.Context, device string, a actuator.Action, d time.Duration, reason string, by alarm.Actor) (actuator.Actuation, error)
	Get(ctx context.Context, id string) (actuator.Actuation, error)
}

type actuateRequest struct {
	Action   actuator.Action `json:"action"`
	Duration string          `json:"duration,omitempty"` // Go duration, for a pulse
	Reason   string          `json:"reason"`
}

func (s *Server) actuate(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Actuators == nil {
		writeError(w, http.StatusNotFound, "this node has no actuators")
		return
	}
	var req actuateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	var d time.Duration
	if req.Duration != "" {
		var err error
		if d, err = time.ParseDuration(req.Duration); err != nil {
			writeError(w, http.StatusBadRequest, "duration: "+err.Error())
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), writeTimeout)
	defer cancel()
	a, err := s.cfg.Actuators.Request(ctx, r.PathValue("id"), req.Action, d, req.Reason, actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, a)
}

func (s *Server) getActuation(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Actuators == nil {
		writeError(w, http.StatusNotFound, "this node has no actuators")
		return
	}
	a, err := s.cfg.Actuators.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}
