package api

import (
	"net/http"
	"time"
)

// AuditLog reports the tamper-evident audit log as this node holds it.
// AuditStatus must be safe for concurrent use and quick.
type AuditLog interface {
	AuditStatus() (AuditStatus, error)
}

// AuditStatus is what a supervisor sees of the audit log: how many records,
// how many of them a signed checkpoint covers, and who signed it when.
type AuditStatus struct {
	Records     uint64    `json:"records"`
	Checkpoints int       `json:"checkpoints"`
	Signed      uint64    `json:"signed"` // records covered by the newest checkpoint
	SignedAt    time.Time `json:"signed_at,omitzero"`
	SignedBy    string    `json:"signed_by,omitempty"`
	Root        string    `json:"root,omitempty"` // of the newest checkpoint, hex
}

func (s *Server) auditStatus(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Audit == nil {
		writeError(w, http.StatusNotFound, "this node keeps no audit log")
		return
	}
	st, err := s.cfg.Audit.AuditStatus()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
