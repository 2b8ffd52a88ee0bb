// Package api is a facility node's HTTP API and the server of its staff
// console: login with sessions, the alarm board (list, raise, acknowledge,
// resolve), a live stream of alarm changes as server-sent events, the
// cluster's status, a health check and Prometheus metrics.
//
// Every route is declared once, in one table, together with the least role
// that may call it (officer < supervisor < admin; anonymous only for login,
// the health check, metrics and the console's static files). The table is
// the only way a handler reaches the mux, so a route without an access
// decision cannot exist; Server.Routes exposes the table so a test can walk
// every route as every role.
//
// Sessions live in memory: a random 32-byte id in an HttpOnly, SameSite=Strict
// cookie, an absolute lifetime (a shift) and an idle limit. Every POST except
// login must carry the session's CSRF token in the X-CSRF-Token header. A
// node restart ends every session; officers log in again.
//
// Request bodies are JSON, decoded strictly (unknown fields, trailing data
// and bodies over 64 KiB are refused with a 400 that names the problem).
// Every error is a JSON object {"error": "..."} written for the officer who
// will read it at night.
//
// Mount it as the node's whole HTTP handler:
//
//	srv, err := api.New(api.Config{Node: "n1", Facility: "North Prison", ...})
//	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
//	...
//	srv.Close()          // ends live event streams first,
//	hs.Shutdown(ctx)     // so Shutdown does not wait for them
package api
