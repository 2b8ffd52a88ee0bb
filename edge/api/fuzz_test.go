package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequestBodies sends arbitrary bodies to every route that decodes one,
// as a logged-in officer: the answer is never a 5xx, and every refusal is a
// JSON error with a reason.
func FuzzRequestBodies(f *testing.F) {
	h := newHarness(f, openAlarm("a1"))
	login := httptest.NewRequest("POST", "/v1/login", strings.NewReader(`{"user":"olga","password":"pw-olga"}`))
	login.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, login)
	var sess struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &sess); err != nil || rec.Code != http.StatusOK {
		f.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	cookies := rec.Result().Cookies()
	paths := []string{"/v1/alarms", "/v1/alarms/a1/ack", "/v1/alarms/a1/resolve", "/v1/devices/g1/actuate", "/v1/logout"}
	for i, seed := range []string{
		`{"kind":"door.forced","priority":1,"zone":"yard","message":"m"}`,
		`{"note":"seen"}`, `{"note":""}`, `{"action":"pulse","duration":"5s","reason":"van"}`,
		`{"kind":1}`, `{"note":"a"}{"note":"b"}`, `[]`, "\x00", `{"priority":1e999}`,
	} {
		f.Add(uint8(i), []byte(seed))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		path := paths[int(which)%(len(paths)-1)] // never log out the shared session
		req := httptest.NewRequest("POST", path, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", sess.CSRF)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.srv.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: %d %s", path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var e struct{ Error string }
			if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error == "" {
				t.Fatalf("%s %q: %d without a JSON reason: %s", path, body, rec.Code, rec.Body)
			}
		}
	})
}
