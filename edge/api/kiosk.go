package api

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// KioskHandler returns the handler of the learners' kiosk: its login, its
// session, a health check and its page, and a JSON 404 for everything else.
// No console route is registered on it. Serve it on its own listener, the
// one the kiosk network reaches.
func (s *Server) KioskHandler() http.Handler { return s.kiosk }

// KioskRoutes returns a copy of the kiosk's routing table.
func (s *Server) KioskRoutes() []Route { return append([]Route(nil), s.kioskRoutes...) }

// kioskTable is the one place where the kiosk's routes are declared, each
// with its access decision. New registers exactly these and nothing else on
// KioskHandler. Every route is for learners or for anyone: a staff session
// is never valid here.
func (s *Server) kioskTable() []Route {
	return []Route{
		{"POST", "/k/v1/login", anyone, s.login(kioskListener)},
		{"POST", "/k/v1/logout", learners, s.logout},
		{"GET", "/k/v1/session", learners, s.session},
		{"GET", "/k/healthz", anyone, kioskHealthz},

		{"GET", "/{$}", anyone, kioskPage},
		// Everything else, /v1/ and /metrics included, is a JSON 404.
		{"", "/", anyone, s.notFound},
	}
}

// kioskHealthz says only that the process serves: the console's health
// check tells the cluster's state, which is none of a kiosk's business.
func kioskHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// kioskStyle is the page's only style, allowed by its hash in the CSP.
// The text is large: a kiosk is read standing, at arm's length.
const kioskStyle = "html{background:#fbf8f1;color:#1b1b1b}" +
	"body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;" +
	"font:2.25rem/1.5 system-ui,sans-serif;text-align:center}" +
	"main{max-width:36rem;padding:2rem}h1{font-size:3.5rem;line-height:1.2;margin:0 0 2rem}"

const kioskHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Learning kiosk</title>
<style>` + kioskStyle + `</style>
</head>
<body>
<main>
<h1>Learning kiosk</h1>
<p>The learning kiosk is coming soon.</p>
</main>
</body>
</html>
`

// kioskPolicy is the CSP of every kiosk response: nothing may load, run,
// frame it or be posted from it.
const kioskPolicy = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// kioskPagePolicy adds the page's own style, by hash: no script and no
// other style may run.
var kioskPagePolicy = kioskPolicy + "; style-src 'sha256-" + styleHash(kioskStyle) + "'"

func styleHash(css string) string {
	sum := sha256.Sum256([]byte(css))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// kioskPage is a placeholder until the learning kiosk exists.
func kioskPage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", kioskPagePolicy)
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(kioskHTML)) // the kiosk may be gone; nothing to do
	}
}

// kioskHeaders sets the kiosk's default CSP; its page replaces it.
func kioskHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", kioskPolicy)
		next.ServeHTTP(w, r)
	})
}
