package reports

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSVHeader is the first row of a CSV report. Durations are whole
// minutes.
var CSVHeader = []string{"date", "person", "name", "home_cell", "day_min", "known_min", "out_of_cell_min", "yard_min",
	"education_sessions", "education_min", "religious_sessions", "religious_min"}

// WriteCSV writes rows as CSV, one line per resident and day.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{r.Date.String(), text(r.Person), text(r.Name), text(r.Home), minutes(r.Day), minutes(r.Known),
			minutes(r.OutOfCell), minutes(r.Yard), strconv.Itoa(r.Education.Sessions), minutes(r.Education.Time),
			strconv.Itoa(r.Religious.Sessions), minutes(r.Religious.Time)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Total is a resident's figures summed over a report's days.
type Total struct {
	Person    string        `json:"person"`
	Name      string        `json:"name"`
	Days      int           `json:"days"`
	Known     time.Duration `json:"known"`
	OutOfCell time.Duration `json:"out_of_cell"`
	Yard      time.Duration `json:"yard"`
	Education Attendance    `json:"education"`
	Religious Attendance    `json:"religious"`
}

// Totals sums rows per resident, in the order the residents first appear.
func Totals(rows []Row) []Total {
	var out []Total
	idx := map[string]int{}
	for _, r := range rows {
		i, ok := idx[r.Person]
		if !ok {
			i = len(out)
			idx[r.Person] = i
			out = append(out, Total{Person: r.Person, Name: r.Name})
		}
		t := &out[i]
		t.Days++
		t.Known += r.Known
		t.OutOfCell += r.OutOfCell
		t.Yard += r.Yard
		t.Education.Sessions += r.Education.Sessions
		t.Education.Time += r.Education.Time
		t.Religious.Sessions += r.Religious.Sessions
		t.Religious.Time += r.Religious.Time
	}
	return out
}

func minutes(d time.Duration) string {
	return strconv.FormatInt(int64(d.Round(time.Minute)/time.Minute), 10)
}

// text neutralises a value a spreadsheet would run as a formula.
func text(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
