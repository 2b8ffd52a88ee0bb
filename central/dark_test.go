package central

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/sync/uplink"
	"github.com/palisade/palisade/sync/uplink/uplinktest"
)

// A facility no pull reaches for dark_after is called dark at that moment
// of HQ's clock — not before — and is no longer dark once a pull succeeds.
func TestAFacilityGoesDarkOnTimeAndComesBack(t *testing.T) {
	w := newWorld(t, 2, uplink.Feed{})
	w.apply(uplinktest.Span(w.start, time.Hour, centralDay, 31))
	w.cfg.PullEvery, w.cfg.DarkAfter = 10*time.Second, 5*time.Minute
	w.cfg.BackoffMin, w.cfg.BackoffMax = time.Second, time.Minute
	for _, nd := range w.nodes {
		nd.wan.Cut()
	}
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := uplinktest.NewClock(t0)
	h := w.startHQ(clock)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dark := func() bool {
		a, _ := h.Store().Alarms("north", true)
		return len(a) == 1 && a[0].Kind == AlarmDark
	}
	// Let the puller fail and back off until just before dark_after.
	for clock.Now().Sub(t0) < 5*time.Minute-time.Second {
		if err := clock.BlockUntil(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if dark() {
			t.Fatalf("dark after %v of a 5 min threshold", clock.Now().Sub(t0))
		}
		clock.Advance(min(time.Second, t0.Add(5*time.Minute-time.Second).Sub(clock.Now())))
	}
	if err := clock.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second) // 12:05:00
	waitFor(t, h.Store(), 10*time.Second, "the dark alarm", dark)
	a, _ := h.Store().Alarms("north", true)
	if !a[0].RaisedAt.Equal(t0.Add(5*time.Minute)) || !strings.Contains(a[0].Message, "connection refused") {
		t.Fatalf("dark alarm %+v", a[0])
	}
	views, _ := h.Facilities()
	if views[0].Status != "dark" {
		t.Fatalf("status %q", views[0].Status)
	}

	// The link comes back: the next pull clears it.
	if err := w.nodes[1].wan.Restore(); err != nil {
		t.Fatal(err)
	}
	for dark() { // the puller is in backoff: at most backoff_max (+20 %) away
		if err := clock.BlockUntil(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if clock.Now().Sub(t0) > 8*time.Minute {
			t.Fatal("still dark 3 minutes after the link came back")
		}
		clock.Advance(5 * time.Second)
	}
	if cursorOf(t, h.Store()) == 0 {
		t.Fatal("cleared without a pull")
	}
	all, _ := h.Store().Alarms("north", false)
	if len(all) != 1 || all[0].Open || all[0].ResolvedBy != "hq" {
		t.Fatalf("alarms %+v", all)
	}
}

// The API and the dashboard show what an HQ analyst needs, and metrics are
// exported.
func TestAPIDashboardAndMetrics(t *testing.T) {
	w := newWorld(t, 1, uplink.Feed{})
	w.apply(uplinktest.Span(w.start, 3*time.Hour, centralDay, 41))
	h := w.startHQ(uplink.SystemClock{})
	last := w.lastSeq(0)
	waitFor(t, h.Store(), 20*time.Second, "every record", func() bool { return cursorOf(t, h.Store()) == last })
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	get := func(path string) []byte {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	var list []FacilityView
	if err := json.Unmarshal(get("/api/v1/facilities"), &list); err != nil {
		t.Fatal(err)
	}
	st, _ := h.Store().Facility("north")
	f := list[0]
	if len(list) != 1 || f.ID != "north" || f.Name != "North Prison" || f.Status != "ok" || f.Cursor != last ||
		len(f.OpenAlarms) != len(st.Summary.Open) || !f.DevicesKnown || f.Cluster.Members != 3 || f.LastContact.IsZero() || f.Witness == nil {
		t.Fatalf("facility view %+v", f)
	}
	for _, a := range f.OpenAlarms {
		if a.Priority > 2 {
			t.Errorf("a priority %d alarm listed as open P1–2", a.Priority)
		}
	}
	var d FacilityDetail
	if err := json.Unmarshal(get("/api/v1/facilities/north"), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Recent) != 50 || d.Recent[0].Seq != last || d.Rollup == nil || len(d.Nodes) != 1 {
		t.Fatalf("detail: %d recent from %d, rollup %v", len(d.Recent), d.Recent[0].Seq, d.Rollup)
	}
	var recs []uplink.Record
	if err := json.Unmarshal(get("/api/v1/facilities/north/records?after=10&limit=5"), &recs); err != nil || len(recs) != 5 || recs[0].Seq != 11 {
		t.Fatalf("records: %v %d", err, len(recs))
	}
	for _, path := range []string{"/", "/app.js", "/style.css"} {
		if b := get(path); len(b) < 500 {
			t.Errorf("%s: %d bytes", path, len(b))
		}
	}
	if !strings.Contains(string(get("/")), "Palisade HQ") || strings.Contains(string(get("/")), "http://") {
		t.Error("the dashboard page is not self-contained")
	}
	m := string(get("/metrics"))
	for _, want := range []string{`palisade_hq_records_total{facility="north"}`, `palisade_hq_pulls_total{facility="north",result="ok"}`, `palisade_hq_alarms_open{kind="facility_dark"} 0`, "palisade_hq_pull_seconds_bucket"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// An analyst resolves an HQ alarm.
	if _, _, err := h.Store().Raise("north", AlarmRecordsLost, "", "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/alarms/resolve?id=north/records_lost&by=analyst-7", nil)
	req.Header.Set("X-HQ-Request", "1") // as the dashboard sends it
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("resolve: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ = http.NewRequest("POST", srv.URL+"/api/v1/alarms/resolve?id=north/nothing", nil)
	req.Header.Set("X-HQ-Request", "1")
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 404 {
		t.Errorf("resolving an unknown alarm: %d", resp.StatusCode)
	}
	if resp, _ := http.Get(srv.URL + "/api/v1/facilities/south"); resp.StatusCode != 404 {
		t.Errorf("an unknown facility: %d", resp.StatusCode)
	}
}
