package console_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/palisade/palisade/edge/console"
)

func TestServesFiles(t *testing.T) {
	srv := httptest.NewServer(console.Handler())
	defer srv.Close()
	for path, ctype := range map[string]string{
		"/":            "text/html",
		"/console.js":  "text/javascript",
		"/console.css": "text/css",
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("GET %s: no CSP", path)
		}
	}
	resp, err := http.Post(srv.URL+"/", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", resp.StatusCode)
	}
}

// TestNoInlineCode keeps the page loadable under the strict CSP: no inline
// scripts, styles or event handlers, and nothing from another origin.
func TestNoInlineCode(t *testing.T) {
	f, err := console.FS.Open("index.html")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	html := string(b)
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<script(\s[^>]*)?>[^<]+</script>`),
		regexp.MustCompile(`<script>`),
		regexp.MustCompile(`<style`),
		regexp.MustCompile(`\sstyle=`),
		regexp.MustCompile(`\son[a-z]+=`),
		regexp.MustCompile(`(src|href)="(https?:)?//`),
	} {
		if m := bad.FindString(html); m != "" {
			t.Errorf("index.html has %q", m)
		}
	}
	if _, err := fs.Stat(console.FS, "console.js"); err != nil {
		t.Error(err)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(console.FS, name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestScriptFindsItsElements: every element the script looks up by id is
// on the page, so a renamed id fails here rather than on a night shift.
func TestScriptFindsItsElements(t *testing.T) {
	html, js := readFile(t, "index.html"), readFile(t, "console.js")
	ids := regexp.MustCompile(`\$\("([A-Za-z0-9_-]+)"\)`).FindAllStringSubmatch(js, -1)
	if len(ids) == 0 {
		t.Fatal("console.js looks up no element by id")
	}
	for _, m := range ids {
		if !strings.Contains(html, `id="`+m[1]+`"`) {
			t.Errorf("console.js uses #%s, not in index.html", m[1])
		}
	}
}

// TestSallyPortPanel: the page has the sally-port step screen and the
// script drives it from the API.
func TestSallyPortPanel(t *testing.T) {
	html, js := readFile(t, "index.html"), readFile(t, "console.js")
	for _, want := range []string{`id="sallyports"`, `id="sallyport-card"`, `id="declare-dialog"`, `id="override-dialog"`,
		`href="#sallyports"`, `data-act="open:outer"`, `data-act="close:inner"`, `data-act="declare"`, `data-act="scan"`,
		`data-act="pass"`, `data-act="end"`, `data-act="approve"`} {
		if !strings.Contains(html, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	for _, want := range []string{`"/v1/sallyports"`, `"/v1/sallyports/" + encodeURIComponent(`, `"/act"`,
		`"hidden occupant"`, `pending_override`, `granted_override`} {
		if !strings.Contains(js, want) {
			t.Errorf("console.js lacks %s", want)
		}
	}
	// Every stage the node names is placed on the step screen.
	for _, stage := range []string{"gates not confirmed closed", "waiting for a vehicle", "vehicle entering the bay",
		"declare occupants", "scanning", "hidden occupant: search the vehicle", "scan the vehicle",
		"pass the inspection", "ready to release", "released"} {
		if !strings.Contains(js, `"`+stage+`"`) {
			t.Errorf("console.js does not handle the stage %q", stage)
		}
	}
}
