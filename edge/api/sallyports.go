package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/sallyport"
)

// SallyPorts is the sally-port domain as the API needs it. Act returns once
// the action is committed (or refused by the interlock, with its reason:
// replica.ErrRejected); without a quorum nothing moves (ErrNoLeader).
type SallyPorts interface {
	List(ctx context.Context) ([]sallyport.View, error)
	Act(ctx context.Context, port string, in sallyport.Input, by alarm.Actor) ([]sallyport.Output, error)
}

// sallyAction is an officer's or supervisor's action at a sally port.
type sallyAction struct {
	// Action: open, close, declare, scan, pass, approve, end.
	Action   string `json:"action"`
	Gate     string `json:"gate,omitempty"` // outer or inner
	People   int    `json:"people,omitempty"`
	Animals  int    `json:"animals,omitempty"`
	Override string `json:"override,omitempty"` // release, both-open, close-on-loop
	Reason   string `json:"reason,omitempty"`
}

var (
	sallyKinds = map[string]sallyport.InputKind{"open": sallyport.OpenGate, "close": sallyport.CloseGate,
		"declare": sallyport.Declare, "scan": sallyport.StartScan, "pass": sallyport.Pass,
		"approve": sallyport.Approve, "end": sallyport.EndCycle}
	sallyGates     = map[string]sallyport.Gate{"outer": sallyport.Outer, "inner": sallyport.Inner}
	sallyOverrides = map[string]sallyport.Override{"release": sallyport.Release, "both-open": sallyport.BothOpen, "close-on-loop": sallyport.CloseOnLoop}
)

// input checks the action's fields and turns it into the machine's input.
func (a sallyAction) input(role Role) (sallyport.Input, error) {
	kind, ok := sallyKinds[a.Action]
	if !ok {
		return sallyport.Input{}, invalid("action: one of open, close, declare, scan, pass, approve, end; not %q", a.Action)
	}
	in := sallyport.Input{Kind: kind, Reason: strings.TrimSpace(a.Reason)}
	switch kind {
	case sallyport.OpenGate, sallyport.CloseGate:
		if in.Gate, ok = sallyGates[a.Gate]; !ok {
			return in, invalid("gate: outer or inner, not %q", a.Gate)
		}
	case sallyport.Declare:
		if a.People < 0 || a.People > 20 || a.Animals < 0 || a.Animals > 20 {
			return in, invalid("people, animals: between 0 and 20 each")
		}
		in.People, in.Animals = uint8(a.People), uint8(a.Animals)
	case sallyport.Approve:
		if role != Supervisor && role != Admin {
			return in, &badRequest{status: http.StatusForbidden, msg: "only a supervisor may approve an override"}
		}
		if in.Override, ok = sallyOverrides[a.Override]; !ok {
			return in, invalid("override: release, both-open or close-on-loop, not %q", a.Override)
		}
		if in.Reason == "" {
			return in, invalid("reason: say why the rule is overridden; it goes on the record")
		}
	}
	if len(in.Reason) > 500 {
		return in, invalid("reason: at most 500 characters")
	}
	return in, nil
}

func (s *Server) sallyPortsOrNotFound(w http.ResponseWriter) bool {
	if s.cfg.SallyPorts == nil {
		writeError(w, http.StatusNotFound, "this facility has no sally port")
		return false
	}
	return true
}

func (s *Server) listSallyPorts(w http.ResponseWriter, r *http.Request) {
	if !s.sallyPortsOrNotFound(w) {
		return
	}
	ps, err := s.cfg.SallyPorts.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ps == nil {
		ps = []sallyport.View{}
	}
	writeJSON(w, http.StatusOK, map[string][]sallyport.View{"sally_ports": ps})
}

// actSallyPort commits an action; 200 with what it caused, 409 with the
// interlock's reason when it refuses.
func (s *Server) actSallyPort(w http.ResponseWriter, r *http.Request) {
	if !s.sallyPortsOrNotFound(w) {
		return
	}
	var req sallyAction
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := req.input(sessionFrom(r.Context()).role)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), writeTimeout)
	defer cancel()
	outs, err := s.cfg.SallyPorts.Act(ctx, r.PathValue("id"), in, actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if outs == nil {
		outs = []sallyport.Output{}
	}
	writeJSON(w, http.StatusOK, map[string][]sallyport.Output{"outputs": outs})
}
