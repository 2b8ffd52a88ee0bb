package api

import "net/http"

// NewWithRoute builds a server as New does, with rt added at the top of
// the kiosk's table if kiosk, else of the console's.
func NewWithRoute(cfg Config, kiosk bool, rt Route) (*Server, error) {
	console, kioskTable := (*Server).table, (*Server).kioskTable
	with := func(table func(*Server) []Route) func(*Server) []Route {
		return func(s *Server) []Route { return append([]Route{rt}, table(s)...) }
	}
	if kiosk {
		kioskTable = with(kioskTable)
	} else {
		console = with(console)
	}
	return build(cfg, console, kioskTable)
}

// ForgeSession creates a session of role on the kiosk if kiosk, else on
// the console, as if someone of that role had logged in there — which the
// logins never allow across listeners. It returns the session's cookie
// and CSRF token, so that a test can check a table's decision for every
// role on every route.
func (s *Server) ForgeSession(role Role, kiosk bool) (*http.Cookie, string) {
	l := consoleListener
	if kiosk {
		l = kioskListener
	}
	sess := s.sessions.create("forged-"+role.String(), role, l, "test", 0, s.now())
	return &http.Cookie{Name: l.cookie, Value: sess.id, Path: "/"}, sess.csrf
}
