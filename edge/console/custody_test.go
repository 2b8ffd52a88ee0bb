package console_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/palisade/palisade/edge/console"
)

// TestCustodyScreens: the headcount, rounds and custody-report screens are
// on the page, their script is loaded after console.js (whose helpers it
// uses) and finds every element it looks up, and it drives them from the
// API.
func TestCustodyScreens(t *testing.T) {
	html, js, base := readFile(t, "index.html"), readFile(t, "custody.js"), readFile(t, "console.js")
	main, custody := strings.Index(html, `<script src="console.js" defer></script>`), strings.Index(html, `<script src="custody.js" defer></script>`)
	if main < 0 || custody < main {
		t.Errorf("index.html must load custody.js after console.js (at %d, %d)", main, custody)
	}
	if !strings.Contains(html, `<link rel="stylesheet" href="custody.css">`) {
		t.Error("index.html does not load custody.css")
	}
	if !regexp.MustCompile(`window\.palisade = \{[^\n]*\bapi\b[^\n]*\bsession\b`).MatchString(base) {
		t.Error("console.js does not hand custody.js its helpers (window.palisade)")
	}
	ids := regexp.MustCompile(`\$\("([A-Za-z0-9_-]+)"\)`).FindAllStringSubmatch(js, -1)
	if len(ids) < 20 {
		t.Fatalf("custody.js looks up %d elements by id", len(ids))
	}
	for _, m := range ids {
		if !strings.Contains(html, `id="`+m[1]+`"`) {
			t.Errorf("custody.js uses #%s, not in index.html", m[1])
		}
	}
	for _, want := range []string{`id="headcount"`, `id="rounds"`, `id="custody"`, `href="#headcount"`, `href="#rounds"`,
		`href="#custody"`, `id="hc-zone-card"`, `class="primary hc-confirm"`, `class="hc-correct"`, `class="hc-missing"`, `class="hc-extra"`} {
		if !strings.Contains(html, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	for _, want := range []string{`"/v1/headcount"`, `"/zones/"`, `"/cancel"`, `"/v1/rounds"`, `"/v1/rounds/check"`, `"/v1/rounds/watch"`,
		`"/v1/rounds/export.csv?"`, `"/v1/reports/custody?"`, `format: "csv"`, `"OVERDUE by "`, `"ON WATCH · every "`, `"CLEARED — "`,
		`"COUNT IN PROGRESS, NOT CLEARED — "`} {
		if !strings.Contains(js, want) {
			t.Errorf("custody.js lacks %s", want)
		}
	}
	// Every observation the rounds domain offers has words on the screen.
	for _, obs := range []string{"asleep", "calm", "agitated", "needs_attention", "other"} {
		if !regexp.MustCompile(`\b` + obs + `: "`).MatchString(js) {
			t.Errorf("custody.js has no words for the observation %q", obs)
		}
	}
	srv := httptest.NewServer(console.Handler())
	defer srv.Close()
	for path, ctype := range map[string]string{"/custody.js": "text/javascript", "/custody.css": "text/css"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}
