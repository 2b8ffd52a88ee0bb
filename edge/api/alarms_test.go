package api_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/sync/replica"
)

func openAlarm(id string) alarm.Alarm {
	return alarm.Alarm{ID: id, Kind: "door.forced", Priority: 1, Raised: 1, Zone: "B-2", Device: "door-7",
		Node: "n1", Message: "door forced open", State: alarm.Raised, Count: 1,
		RaisedAt: time.Date(2026, 1, 15, 21, 58, 0, 0, time.UTC), Index: 10}
}

func TestBadInput(t *testing.T) {
	h := newHarness(t, openAlarm("a1"))
	c := h.login(t, "olga")
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		want                     string // the error, exactly
	}{
		{"malformed", "POST", "/v1/alarms/a1/ack", `{"note" "x"}`, 400, `body: malformed JSON at byte 9: invalid character '"' after object key`},
		{"truncated", "POST", "/v1/alarms/a1/ack", `{"note":`, 400, "body: JSON ends too early"},
		{"empty", "POST", "/v1/alarms/a1/ack", ``, 400, "body: empty; expected a JSON object"},
		{"unknown field", "POST", "/v1/alarms/a1/ack", `{"note":"ok","x":1}`, 400, `body: unknown field "x"`},
		{"two values", "POST", "/v1/alarms/a1/ack", `{"note":"a"} {"note":"b"}`, 400, "body: more than one JSON value"},
		{"not an object", "POST", "/v1/alarms/a1/ack", `["x"]`, 400, "body: expected a JSON object, not array"},
		{"oversized", "POST", "/v1/alarms/a1/ack", `{"note":"` + strings.Repeat("x", 70<<10) + `"}`, 400, "body: larger than 64 KiB"},
		{"wrong type", "POST", "/v1/alarms", `{"kind":"manual","priority":"high"}`, 400, `body: field "priority" must be a whole number, not string`},
		{"no kind", "POST", "/v1/alarms", `{"priority":1}`, 400, `kind: required, e.g. "manual.assistance"`},
		{"bad priority", "POST", "/v1/alarms", `{"kind":"manual","priority":7}`, 400, "priority: must be 1 (critical) to 4 (low), not 7"},
		{"resolve without note", "POST", "/v1/alarms/a1/resolve", `{"note":"  "}`, 400, "note: a note is required to resolve an alarm"},
		{"bad limit", "GET", "/v1/alarms?limit=lots", "", 400, `limit: must be a whole number from 1 to 500, not "lots"`},
		{"bad open", "GET", "/v1/alarms?open=maybe", "", 400, `open: must be 1 or 0, not "maybe"`},
		{"unknown endpoint", "GET", "/v1/nothing", "", 404, "no such endpoint: GET /v1/nothing"},
	} {
		status, body := c.do(tc.method, tc.path, tc.body)
		if status != tc.status || errorOf(t, body) != tc.want {
			t.Errorf("%s: got %d %s, want %d %q", tc.name, status, body, tc.status, tc.want)
		}
	}
	if h.alarms.note != "" || h.alarms.alarms["a1"].State != alarm.Raised {
		t.Error("a refused request changed the alarm")
	}
}

func TestFormPostRefused(t *testing.T) {
	h := newHarness(t, openAlarm("a1"))
	c := h.login(t, "olga")
	req, _ := http.NewRequest("POST", h.ts.URL+"/v1/alarms/a1/ack", strings.NewReader("note=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", c.csrf)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form post: %d, want 415", resp.StatusCode)
	}
}

func TestErrorMapping(t *testing.T) {
	acked := openAlarm("acked")
	acked.State = alarm.Acknowledged
	closed := openAlarm("closed")
	closed.State = alarm.Resolved
	h := newHarness(t, openAlarm("a1"), acked, closed)
	c := h.login(t, "olga")
	for _, tc := range []struct {
		name, path string
		err        error // the fake's failure, if any
		status     int
		want       string
	}{
		{"unknown alarm", "/v1/alarms/zz/ack", nil, 404, "no such alarm"},
		{"already acked", "/v1/alarms/acked/ack", nil, 409, "the alarm is already acknowledged"},
		{"already resolved", "/v1/alarms/closed/resolve", nil, 409, "the alarm is already resolved"},
		{"no quorum", "/v1/alarms/a1/ack", fmt.Errorf("alarm: propose ack: %w", replica.ErrNoLeader), 503, "no quorum: the change cannot be recorded now"},
		{"rejected as invalid", "/v1/alarms/a1/ack", fmt.Errorf("%w: %w", replica.ErrRejected, alarm.ErrInvalid), 400, "replica: command rejected: alarm: invalid"},
		{"note required", "/v1/alarms/a1/ack", alarm.ErrNoteRequired, 400, "note: a note is required"},
		{"internal", "/v1/alarms/a1/ack", errors.New("bbolt: disk on fire"), 500, "internal error; it has been logged"},
	} {
		h.alarms.setErr(tc.err)
		status, body := c.do("POST", tc.path, `{"note":"checked on camera"}`)
		if status != tc.status || errorOf(t, body) != tc.want {
			t.Errorf("%s: got %d %s, want %d %q", tc.name, status, body, tc.status, tc.want)
		}
	}
	h.alarms.setErr(nil)
	if status, body := c.do("GET", "/v1/alarms/zz", ""); status != 404 || errorOf(t, body) != "no such alarm" {
		t.Errorf("GET unknown alarm: %d %s", status, body)
	}
}

func TestAlarmActions(t *testing.T) {
	h := newHarness(t, openAlarm("a1"), openAlarm("a2"))
	c := h.login(t, "olga")

	var list struct{ Alarms []alarm.Alarm }
	if status, body := c.doJSON("GET", "/v1/alarms?open=1&limit=1", "", &list); status != 200 || len(list.Alarms) != 1 {
		t.Fatalf("list: %d %s", status, body)
	}

	var a alarm.Alarm
	if status, body := c.doJSON("POST", "/v1/alarms/a1/ack", `{"note":" on my way "}`, &a); status != 200 || a.State != alarm.Acknowledged {
		t.Fatalf("ack: %d %s", status, body)
	}
	by := h.alarms.actor
	if by.Name != "olga" || by.Role != "officer" || !strings.HasPrefix(by.Terminal, "127.0.0.1:") || h.alarms.note != "on my way" {
		t.Errorf("ack recorded %+v note %q", by, h.alarms.note)
	}
	if status, body := c.doJSON("POST", "/v1/alarms/a1/resolve", `{"note":"false alarm, door re-latched"}`, &a); status != 200 || a.State != alarm.Resolved {
		t.Errorf("resolve: %d %s", status, body)
	}
	status, body := c.doJSON("POST", "/v1/alarms", `{"kind":"manual.fight","priority":2,"zone":"yard","message":"fight in the yard"}`, &a)
	if status != http.StatusCreated || a.Kind != "manual.fight" || a.Priority != 2 || a.Zone != "yard" {
		t.Errorf("raise: %d %s", status, body)
	}
	if h.alarms.actor.Name != "olga" {
		t.Errorf("raise recorded actor %+v", h.alarms.actor)
	}
}
