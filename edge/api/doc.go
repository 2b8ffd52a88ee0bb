// Package api is a facility node's HTTP API and the server of its staff
// console: login with sessions, the alarm board (list, raise, acknowledge,
// resolve), a live stream of alarm changes as server-sent events, the
// cluster's status, password changes, a health check and Prometheus
// metrics. It also serves the learners' education kiosk, on a handler of
// its own.
//
// # Two handlers
//
// Handler serves the console and its API to staff; KioskHandler serves the
// kiosk to learners (inmates or detainees) and must be put on its own
// listener, the one the kiosk network reaches. Each is a ServeMux built
// from its own table, so the kiosk's mux has no console route at all: /v1/,
// /metrics, /healthz and the console's files are a JSON 404 there, not a
// 401 behind a guard. The kiosk has its login and logout, its session, a
// health check that says only {"ok":true}, and a placeholder page under a
// CSP that allows nothing but the page's own style.
//
// # The role tables
//
// Every route is declared once, in one of the two tables (table and
// kioskTable), together with its access decision: the set of roles that may
// call it, written with staff(Officer) (officer, supervisor and admin),
// staff(Admin), learners or anyone. Learner is outside the staff
// hierarchy: no staff decision includes it and learners includes no staff
// role. The tables are the only way a handler reaches a mux, and New
// refuses a route without a decision ("route X has no access decision"),
// so a route cannot exist without one; Server.Routes and Server.KioskRoutes
// expose the tables so a test can walk every route as every role.
//
// # Sessions
//
// Sessions live in memory: a random 32-byte id in an HttpOnly,
// SameSite=Strict cookie, an absolute lifetime (a shift) and an idle limit.
// Staff log in only on Handler (cookie palisade_session) and learners only
// on KioskHandler (cookie palisade_kiosk, path /k/); a session records the
// handler it was made on and is refused (401) on the other, whatever cookie
// carries it. Every POST except login must carry the session's CSRF token
// in the X-CSRF-Token header. A node restart ends every session; officers
// log in again.
//
// # Passwords and revocation
//
// Passwords come from the facility configuration. A change — a user's own
// (POST /v1/password, with the old password; a wrong one counts toward the
// login lockout) or an admin's reset (POST /v1/users/{name}/password) — is
// committed through Config.Passwords, which the node replicates; the API
// stores no hash itself, and without Passwords those routes answer 503.
// Logins check Passwords first and fall back to the configured hash. Once
// a change is committed, every session of that user on this node ends, the
// caller's included, and with them their event streams; the node calls
// Server.RevokeUser on every node when it applies the change, so the user
// is logged out everywhere.
//
// Request bodies are JSON, decoded strictly (unknown fields, trailing data
// and bodies over 64 KiB are refused with a 400 that names the problem).
// Every error is a JSON object {"error": "..."} written for the officer who
// will read it at night. Both handlers send nosniff, frame DENY and
// no-referrer, and HSTS when served over TLS.
//
// Mount the handlers on the node's two listeners:
//
//	srv, err := api.New(api.Config{Node: "n1", Facility: "North Prison", ...})
//	console := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
//	kiosk := &http.Server{Handler: srv.KioskHandler(), ReadHeaderTimeout: 5 * time.Second}
//	...
//	srv.Close()               // ends live event streams first,
//	console.Shutdown(ctx)     // so Shutdown does not wait for them
//	kiosk.Shutdown(ctx)
package api
