package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/edge/headcount"
	"github.com/palisade/palisade/edge/reports"
	"github.com/palisade/palisade/edge/rounds"
)

// fakeCustody is the three custody domains, recording what the API asked.
type fakeCustody struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeCustody) record(format string, args ...any) {
	f.mu.Lock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *fakeCustody) last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return ""
	}
	return f.calls[len(f.calls)-1]
}

func (f *fakeCustody) View(context.Context) (api.HeadcountView, error) {
	return api.HeadcountView{}, nil
}

func (f *fakeCustody) Start(_ context.Context, note string, by alarm.Actor) (headcount.Count, error) {
	f.record("start %q by %s", note, by.Name)
	return headcount.Count{ID: 7, State: headcount.Open}, nil
}

func (f *fakeCustody) Enter(_ context.Context, b headcount.ZoneBody, by alarm.Actor) (headcount.Count, error) {
	f.record("enter %d %s confirm=%v counted=%d missing=%v extra=%v note=%q by %s", b.Count, b.Zone, b.Confirm, b.Counted, b.Missing, b.Extra, b.Note, by.Name)
	return headcount.Count{ID: b.Count, State: headcount.Open}, nil
}

func (f *fakeCustody) Cancel(_ context.Context, id uint64, note string, by alarm.Actor) (headcount.Count, error) {
	f.record("cancel %d %q by %s", id, note, by.Name)
	return headcount.Count{ID: id, State: headcount.Cancelled}, nil
}

type fakeRounds struct{ *fakeCustody }

func (f fakeRounds) View(_ context.Context, now time.Time, block string, from, to time.Time) (api.RoundsView, error) {
	f.record("view %q %s", block, to.Sub(from))
	return api.RoundsView{Now: now, Block: block}, nil
}

func (f fakeRounds) Check(_ context.Context, b rounds.CheckBody, by alarm.Actor) (api.RoundsCell, error) {
	f.record("check %s %s %q officer=%q by %s", b.Cell, b.Observation, b.Note, b.Person, by.Name)
	return api.RoundsCell{CellStatus: rounds.CellStatus{Cell: b.Cell, State: rounds.StateOK}}, nil
}

func (f fakeRounds) Watch(_ context.Context, person string, on bool, note string, by alarm.Actor) error {
	f.record("watch %s %v %q by %s", person, on, note, by.Name)
	return nil
}

func (f fakeRounds) ExportCSV(_ context.Context, w io.Writer, block string, from, to reports.Date) error {
	if block != "hb-a" {
		return fmt.Errorf("%w: %q is not a block on rounds", api.ErrNotFound, block)
	}
	f.record("export %s %s %s", block, from, to)
	_, err := io.WriteString(w, "time,block\n")
	return err
}

type fakeReports struct{ *fakeCustody }

func (f fakeReports) Custody(_ context.Context, from, to reports.Date) (api.CustodyReport, error) {
	f.record("custody %s %s", from, to)
	if from.DaysUntil(to) > 30 {
		return api.CustodyReport{}, fmt.Errorf("%w: too long", reports.ErrRange)
	}
	return api.CustodyReport{From: from, To: to, Rows: []reports.Row{{Person: "r-1", Name: "=cmd", Date: from, Yard: time.Hour}}}, nil
}

// The custody routes check what they are sent and hand the domains what
// they need: a reason for every refusal, the user on the record.
func TestCustodyRequests(t *testing.T) {
	fc := &fakeCustody{}
	h := newHarnessWith(t, func(c *api.Config) {
		c.Headcount, c.Rounds, c.Reports = fc, fakeRounds{fc}, fakeReports{fc}
	})
	officer, super := h.login(t, "olga"), h.login(t, "sam")
	for _, tc := range []struct {
		c            *client
		method, path string
		body         string
		status       int
		want         string // in the error, or the call the domain got
	}{
		{super, "POST", "/v1/headcount", `{"note":" 12:30 count redone "}`, 201, `start "12:30 count redone" by sam`},
		{super, "POST", "/v1/headcount", `{"note":7}`, 400, `field "note" must be a string`},
		{officer, "POST", "/v1/headcount/7/zones/hb-a", `{"counted":5,"missing":["r-1005"],"note":"bed empty"}`, 200,
			`enter 7 hb-a confirm=false counted=5 missing=[r-1005] extra=[] note="bed empty" by olga`},
		{officer, "POST", "/v1/headcount/7/zones/hb-b", `{"confirm":true,"counted":2}`, 200, "enter 7 hb-b confirm=true counted=2"},
		{officer, "POST", "/v1/headcount/7/zones/hb-a", `{"confirm":true}`, 400, "counted: how many"},
		{officer, "POST", "/v1/headcount/7/zones/hb-a", `{"counted":-1}`, 400, "counted: a number from 0"},
		{officer, "POST", "/v1/headcount/7/zones/hb-a", `{"confirm":true,"counted":4,"missing":["r-1"]}`, 400, "a confirmation names nobody"},
		{officer, "POST", "/v1/headcount/x/zones/hb-a", `{"counted":1}`, 400, `count id: a positive whole number, not "x"`},
		{super, "POST", "/v1/headcount/7/cancel", `{"note":"  "}`, 400, "note: say why"},
		{super, "POST", "/v1/headcount/7/cancel", `{"note":"fire alarm"}`, 200, `cancel 7 "fire alarm" by sam`},
		{officer, "GET", "/v1/rounds?block=hb-b", "", 200, `view "hb-b" 12h1m0s`},
		{officer, "GET", "/v1/rounds?hours=0", "", 400, "hours: a whole number"},
		{officer, "POST", "/v1/rounds/check", `{"cell":"a-101","observation":"calm"}`, 200, `check a-101 calm "" officer="" by olga`},
		{officer, "POST", "/v1/rounds/check", `{"cell":"a-101","observation":"fine"}`, 400, `observation: one of asleep, calm, agitated, needs_attention, other, not "fine"`},
		{officer, "POST", "/v1/rounds/check", `{"cell":"a-101","observation":"other"}`, 400, "note: say what you saw"},
		{officer, "POST", "/v1/rounds/check", `{"observation":"calm"}`, 400, "cell: which cell"},
		{super, "POST", "/v1/rounds/watch", `{"person":"r-1005","on":true}`, 400, "note: whose decision"},
		{super, "POST", "/v1/rounds/watch", `{"person":"r-1005","on":true,"note":"Dr Ames, self-harm risk"}`, 204, `watch r-1005 true "Dr Ames, self-harm risk" by sam`},
		{officer, "GET", "/v1/rounds/export.csv?block=hb-a&from=2026-11-01&to=2026-11-27", "", 200, "export hb-a 2026-11-01 2026-11-27"},
		{officer, "GET", "/v1/rounds/export.csv?block=hb-z", "", 404, `"hb-z" is not a block on rounds`},
		{officer, "GET", "/v1/rounds/export.csv?block=hb-a&from=27/11/2026", "", 400, `from: a date like 2026-11-27, not "27/11/2026"`},
		{officer, "GET", "/v1/rounds/export.csv?block=hb-a&from=2026-11-28&to=2026-11-27", "", 400, "is after to"},
		{super, "GET", "/v1/reports/custody?from=2026-11-01&to=2026-11-02", "", 200, "custody 2026-11-01 2026-11-02"},
		{super, "GET", "/v1/reports/custody", "", 200, "custody 0000-00-00 0000-00-00"}, // today, the domain decides
		{super, "GET", "/v1/reports/custody?from=2026-01-01&to=2026-11-02", "", 400, "reports: bad date range: too long"},
		{super, "GET", "/v1/reports/custody?format=pdf", "", 400, `format: json or csv, not "pdf"`},
	} {
		name := tc.method + " " + tc.path + " " + tc.body
		before := fc.last()
		status, body := tc.c.do(tc.method, tc.path, tc.body)
		if status != tc.status {
			t.Errorf("%s: %d %s, want %d", name, status, body, tc.status)
			continue
		}
		if status >= 400 {
			if got := errorOf(t, body); !strings.Contains(got, tc.want) {
				t.Errorf("%s: error %q, want %q in it", name, got, tc.want)
			}
			if tc.status == 400 && fc.last() != before && !strings.HasPrefix(fc.last(), "custody") {
				t.Errorf("%s: refused, but the domain was called: %s", name, fc.last())
			}
			continue
		}
		if got := fc.last(); !strings.Contains(got, tc.want) {
			t.Errorf("%s: the domain got %q, want %q", name, got, tc.want)
		}
	}
}

// Both exports are downloads a spreadsheet opens; a formula in a name is
// neutralised.
func TestCustodyDownloads(t *testing.T) {
	fc := &fakeCustody{}
	h := newHarnessWith(t, func(c *api.Config) { c.Rounds, c.Reports = fakeRounds{fc}, fakeReports{fc} })
	super := h.login(t, "sam")
	for path, want := range map[string][2]string{
		"/v1/rounds/export.csv?block=hb-a&from=2026-11-01&to=2026-11-02": {"rounds-hb-a-2026-11-01-2026-11-02.csv", "time,block\n"},
		"/v1/reports/custody?from=2026-11-01&to=2026-11-01&format=csv":   {"custody-2026-11-01-2026-11-01.csv", "2026-11-01,r-1,'=cmd,,0,0,0,60,0,0,0,0\n"},
	} {
		req, _ := http.NewRequest("GET", h.ts.URL+path, nil)
		resp, err := super.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			resp.Header.Get("Content-Disposition") != `attachment; filename="`+want[0]+`"` || !strings.HasSuffix(string(b), want[1]) {
			t.Errorf("%s: %d %v\n%s", path, resp.StatusCode, resp.Header, b)
		}
	}
}

// Without the domains (a node that runs none) the routes answer 404.
func TestCustodyNotRunning(t *testing.T) {
	h := newHarness(t)
	super := h.login(t, "sam")
	for _, p := range []string{"/v1/headcount", "/v1/rounds", "/v1/rounds/export.csv?block=a", "/v1/reports/custody"} {
		if status, body := super.do("GET", p, ""); status != 404 || !strings.Contains(errorOf(t, body), "not") {
			t.Errorf("GET %s: %d %s", p, status, body)
		}
	}
}
