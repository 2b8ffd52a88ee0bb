package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/palisade/palisade/edge/reports"
)

// Reports computes the figures oversight bodies ask for. Safe for
// concurrent use.
type Reports interface {
	// Custody returns, per resident and day from from to to (inclusive, on
	// the facility's clocks; a zero Date is today), the time out of cell,
	// in the yard and at education and religious services, from the
	// committed presence history. A range the reporter refuses wraps
	// reports.ErrRange.
	Custody(ctx context.Context, from, to reports.Date) (CustodyReport, error)
}

// CustodyReport is the custody report of a date range.
type CustodyReport struct {
	From   reports.Date    `json:"from"`
	To     reports.Date    `json:"to"`
	Rows   []reports.Row   `json:"rows"`   // by resident, then day
	Totals []reports.Total `json:"totals"` // per resident over the range
}

func (s *Server) reportsOrNotFound(w http.ResponseWriter) bool {
	if s.cfg.Reports == nil {
		writeError(w, http.StatusNotFound, "reports are not computed on this node")
		return false
	}
	return true
}

// custodyReport answers the custody report over ?from= to ?to= (dates,
// inclusive; default today) as JSON, or as CSV with ?format=csv.
func (s *Server) custodyReport(w http.ResponseWriter, r *http.Request) {
	if !s.reportsOrNotFound(w) {
		return
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		s.fail(w, r, invalid("format: json or csv, not %q", format))
		return
	}
	from, to, err := dateRange(q.Get("from"), q.Get("to"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := s.cfg.Reports.Custody(r.Context(), from, to)
	if errors.Is(err, reports.ErrRange) {
		err = invalid("%v", err)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if format != "csv" {
		if rep.Rows == nil {
			rep.Rows = []reports.Row{}
		}
		if rep.Totals == nil {
			rep.Totals = []reports.Total{}
		}
		writeJSON(w, http.StatusOK, rep)
		return
	}
	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, rep.Rows); err != nil {
		s.fail(w, r, err)
		return
	}
	writeCSV(w, fmt.Sprintf("custody-%s-%s.csv", rep.From, rep.To), buf.Bytes())
}
