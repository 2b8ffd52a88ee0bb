package rounds

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CSVHeader is the first row of an export.
var CSVHeader = []string{"time", "block", "cell", "event", "by", "source", "reader", "observation", "note",
	"interval_min", "since_previous_min", "late_min", "person", "watch"}

// ExportCSV writes a block's round history from from (inclusive) to to
// (exclusive) as CSV: one row per check, lapse and watch change, oldest
// first, times on the facility's clocks with their offset (an hour that
// repeats when the clocks go back stays unambiguous). since_previous_min
// is the time since the cell's previous check within the range; late_min
// how long after its due time a check came (0: on time).
func (p *Plan) ExportCSV(w io.Writer, tx *bolt.Tx, block string, from, to time.Time) error {
	if _, ok := p.block(block); !ok {
		return fmt.Errorf("%w: %q is not a block on rounds", ErrInvalid, block)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	prev := map[string]time.Time{} // cell → previous check
	for _, r := range History(tx, block, from, to) {
		row := []string{r.At.In(p.loc).Format("2006-01-02 15:04:05 -07:00"), r.Block, r.Cell, r.Kind, cell(r.By), r.Source, r.Reader,
			string(r.Observation), cell(r.Note), minutes(r.Interval), "", "", r.Person, ""}
		switch r.Kind {
		case RecordCheck:
			if t, ok := prev[r.Cell]; ok {
				row[10] = minutes(r.At.Sub(t))
			}
			prev[r.Cell] = r.At
			late := time.Duration(0)
			if r.At.After(r.Due) {
				late = r.At.Sub(r.Due)
			}
			row[11] = minutes(late)
		case RecordOverdue:
			row[11] = minutes(r.At.Sub(r.Due))
		case RecordWatch:
			row[13] = map[bool]string{true: "on", false: "off"}[r.On]
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// minutes formats a duration in minutes with one decimal.
func minutes(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return strconv.FormatFloat(d.Minutes(), 'f', 1, 64)
}

// cell neutralises text a spreadsheet would run as a formula (a note
// typed as "=HYPERLINK(…)"): it gets a leading apostrophe.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
