package reports

import (
	"encoding/csv"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/facility"
)

const testFacility = `id: t
name: Test
kind: prison
timezone: America/Toronto
nodes: [{id: n1, raft_addr: 127.0.0.1:7001, http_addr: 127.0.0.1:8081}]
site: {width: 100, height: 100}
zones:
  - id: hb
    name: Block
    kind: building
    polygon: [[0, 0], [50, 0], [50, 50]]
    zones:
      - {id: c1, name: Cell 1, kind: cell, polygon: [[0, 0], [5, 0], [5, 5]]}
      - {id: c2, name: Cell 2, kind: cell, polygon: [[0, 0], [5, 0], [5, 5]]}
  - {id: yard, name: Yard, kind: yard, polygon: [[0, 60], [50, 60], [50, 99]]}
  - {id: corridor, name: Corridor, kind: corridor, polygon: [[0, 50], [99, 50], [99, 55]]}
  - id: edu
    name: Education centre
    kind: education
    polygon: [[60, 0], [90, 0], [90, 30]]
    zones:
      - {id: lab, name: Computer lab, kind: unit, polygon: [[60, 0], [70, 0], [70, 10]]}
  - {id: chapel, name: Chapel, kind: chapel, polygon: [[60, 60], [90, 60], [90, 90]]}
people:
  - {id: r1, name: Ann, role: resident, home: c1}
  - {id: r2, name: "=Bea", role: resident, home: c2}
  - {id: r3, name: Cid, role: resident}
  - {id: s1, name: Officer, role: staff}
`

var toronto = func() *time.Location {
	l, err := time.LoadLocation("America/Toronto")
	if err != nil {
		panic(err)
	}
	return l
}()

func testReporter(t *testing.T) *Reporter {
	t.Helper()
	f, err := facility.Parse("t.yaml", []byte(testFacility))
	if err != nil {
		t.Fatal(err)
	}
	return New(f)
}

// local is a time on the facility's clocks; offset is the zone's at
// that time ("-04:00" in summer, "-05:00" in winter), given so that an
// hour that occurs twice is unambiguous.
func local(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04 -07:00", s)
	if err != nil {
		t.Fatal(err)
	}
	return v.In(toronto)
}

func moves(t *testing.T, person string, steps ...string) []Transition {
	t.Helper()
	var out []Transition
	for i := 0; i+1 < len(steps); i += 2 {
		out = append(out, Transition{Person: person, To: steps[i+1], At: local(t, steps[i])})
	}
	return out
}

func date(t *testing.T, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func row(rows []Row, person, day string) Row {
	i := slices.IndexFunc(rows, func(r Row) bool { return r.Person == person && r.Date.String() == day })
	if i < 0 {
		return Row{}
	}
	return rows[i]
}

const h, min = time.Hour, time.Minute

func TestAnOrdinaryDay(t *testing.T) {
	r := testReporter(t)
	ts := moves(t, "r1",
		"2026-06-01 22:00 -04:00", "c1", // the night before: in the cell when the range begins
		"2026-06-02 08:00 -04:00", "corridor",
		"2026-06-02 08:05 -04:00", "edu",
		"2026-06-02 09:00 -04:00", "lab", // the lab is in the education centre: one session
		"2026-06-02 11:00 -04:00", "corridor",
		"2026-06-02 11:02 -04:00", "yard",
		"2026-06-02 12:00 -04:00", "c1",
		"2026-06-02 14:00 -04:00", "chapel", // five minutes: no service attended
		"2026-06-02 14:05 -04:00", "c1",
		"2026-06-02 23:30 -04:00", "yard", // across midnight
		"2026-06-03 00:30 -04:00", "c1")
	rows, err := r.Daily(ts, date(t, "2026-06-02"), date(t, "2026-06-03"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || rows[0].Person != "r1" || rows[1].Date.String() != "2026-06-03" || rows[2].Person != "r2" {
		t.Fatalf("rows: %+v", rows)
	}
	d1 := row(rows, "r1", "2026-06-02")
	want := Row{Person: "r1", Name: "Ann", Home: "c1", Date: date(t, "2026-06-02"), Day: 24 * h, Known: 24 * h,
		OutOfCell: 4*h + 35*min, Yard: 88 * min,
		Education: Attendance{Sessions: 1, Time: 2*h + 55*min}, Religious: Attendance{Sessions: 0, Time: 5 * min}}
	if d1 != want {
		t.Errorf("June 2:\n  %+v\nwant\n  %+v", d1, want)
	}
	d2 := row(rows, "r1", "2026-06-03")
	if d2.Known != 24*h || d2.OutOfCell != 30*min || d2.Yard != 30*min || d2.Education != (Attendance{}) {
		t.Errorf("June 3: %+v", d2)
	}
	if r2 := row(rows, "r2", "2026-06-02"); r2.Known != 0 || r2.Day != 24*h || r2.Home != "c2" {
		t.Errorf("r2, never placed: %+v", r2)
	}
	// The order of the input does not matter.
	shuffled := slices.Clone(ts)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	again, _ := r.Daily(shuffled, date(t, "2026-06-02"), date(t, "2026-06-03"))
	if !slices.Equal(again, rows) {
		t.Error("shuffled transitions give other figures")
	}
}

func TestClockChanges(t *testing.T) {
	r := testReporter(t)
	ts := append(moves(t, "r1",
		"2026-03-07 20:00 -05:00", "yard",
		"2026-03-09 01:00 -04:00", "c1"),
		moves(t, "r2",
			"2026-10-31 20:00 -04:00", "yard",
			"2026-11-02 01:00 -05:00", "c2")...)
	rows, err := r.Daily(ts, date(t, "2026-03-08"), date(t, "2026-03-08"), "r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Day != 23*h || rows[0].Known != 23*h || rows[0].Yard != 23*h || rows[0].OutOfCell != 23*h {
		t.Errorf("spring forward: %+v", rows)
	}
	rows, _ = r.Daily(ts, date(t, "2026-11-01"), date(t, "2026-11-01"), "r2")
	if len(rows) != 1 || rows[0].Day != 25*h || rows[0].Yard != 25*h || rows[0].OutOfCell != 25*h {
		t.Errorf("fall back: %+v", rows)
	}
	// In the hour that repeats: 01:10 EDT to 01:20 EST is 70 minutes; the
	// 70 minutes from midnight to 01:10 EDT are unknown.
	ts = moves(t, "r3",
		"2026-11-01 01:10 -04:00", "chapel",
		"2026-11-01 01:20 -05:00", "corridor")
	rows, _ = r.Daily(ts, date(t, "2026-11-01"), date(t, "2026-11-01"), "r3")
	if rows[0].Religious != (Attendance{Sessions: 1, Time: 70 * min}) || rows[0].Known != 25*h-70*min {
		t.Errorf("the repeated hour: %+v", rows[0])
	}
}

func TestUnknownTimeAndSessionsAcrossMidnight(t *testing.T) {
	r := testReporter(t)
	ts := append(moves(t, "r2",
		"2026-06-02 10:00 -04:00", "c2",
		"2026-06-02 12:00 -04:00", "yard",
		"2026-06-02 13:00 -04:00", "", // reported missing: unknown from here
		"2026-06-02 15:00 -04:00", "c2"),
		moves(t, "r3",
			"2026-06-02 23:50 -04:00", "chapel",
			"2026-06-03 00:20 -04:00", "corridor")...)
	ts = append(ts, Transition{Person: "ghost", To: "yard", At: local(t, "2026-06-02 10:00 -04:00")}, Transition{Person: "s1", To: "yard", At: local(t, "2026-06-02 10:00 -04:00")})
	rows, err := r.Daily(ts, date(t, "2026-06-02"), date(t, "2026-06-03"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 {
		t.Fatalf("%d rows: only residents are reported", len(rows))
	}
	r2 := row(rows, "r2", "2026-06-02")
	if r2.Known != 12*h || r2.OutOfCell != h || r2.Yard != h {
		t.Errorf("r2: %+v (known from 10:00 but for two missing hours)", r2)
	}
	d1, d2 := row(rows, "r3", "2026-06-02"), row(rows, "r3", "2026-06-03")
	if d1.Religious != (Attendance{Sessions: 1, Time: 10 * min}) || d2.Religious != (Attendance{Sessions: 0, Time: 20 * min}) {
		t.Errorf("a service across midnight: %+v / %+v", d1.Religious, d2.Religious)
	}
	if d1.OutOfCell != 0 || d1.Home != "" || d2.Known != 24*h {
		t.Errorf("r3 has no cell: %+v / %+v", d1, d2)
	}
}

func TestRangesAndCSV(t *testing.T) {
	r := testReporter(t)
	if _, err := r.Daily(nil, date(t, "2026-06-02"), date(t, "2026-06-01")); !errors.Is(err, ErrRange) {
		t.Errorf("a range ending before it starts: %v", err)
	}
	if _, err := r.Daily(nil, date(t, "2026-01-01"), date(t, "2028-12-31")); !errors.Is(err, ErrRange) {
		t.Errorf("three years: %v", err)
	}
	if _, err := ParseDate("2026-02-30"); !errors.Is(err, ErrRange) {
		t.Errorf("February 30th: %v", err)
	}
	ts := moves(t, "r2", "2026-06-01 09:00 -04:00", "yard", "2026-06-01 09:45 -04:00", "c2")
	rows, _ := r.Daily(ts, date(t, "2026-06-01"), date(t, "2026-06-02"), "r2")
	var buf strings.Builder
	if err := WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(buf.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{CSVHeader,
		{"2026-06-01", "r2", "'=Bea", "c2", "1440", "900", "45", "45", "0", "0", "0", "0"},
		{"2026-06-02", "r2", "'=Bea", "c2", "1440", "1440", "0", "0", "0", "0", "0", "0"}}
	if !slices.EqualFunc(recs, want, slices.Equal) {
		t.Errorf("CSV\n%q\nwant\n%q", recs, want)
	}
	tot := Totals(rows)
	if len(tot) != 1 || tot[0].Days != 2 || tot[0].Known != 39*h || tot[0].Yard != 45*min {
		t.Errorf("totals %+v", tot)
	}
}
