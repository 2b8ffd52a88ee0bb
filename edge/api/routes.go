package api

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/palisade/palisade/edge/console"
)

// Role is what a console user may do. A higher role may do everything a
// lower one may.
type Role int

// Roles, least to most privileged. Anonymous is nobody logged in.
const (
	Anonymous Role = iota
	Officer
	Supervisor
	Admin
)

var roleNames = [...]string{Anonymous: "anonymous", Officer: "officer", Supervisor: "supervisor", Admin: "admin"}

// ParseRole parses "officer", "supervisor", "admin" or "anonymous".
func ParseRole(s string) (Role, error) {
	for r, name := range roleNames {
		if s == name {
			return Role(r), nil
		}
	}
	return Anonymous, fmt.Errorf("api: unknown role %q", s)
}

// String returns the role's name.
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return fmt.Sprintf("Role(%d)", int(r))
	}
	return roleNames[r]
}

// MarshalText makes a role a JSON string.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Route is one entry of the routing table.
type Route struct {
	Method  string // "GET", "POST"; "" matches every method
	Pattern string // a net/http ServeMux path pattern, e.g. /v1/alarms/{id}
	MinRole Role   // the least role allowed; Anonymous lets anyone in

	handler http.HandlerFunc
}

// Routes returns a copy of the routing table.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// table is the one place where routes are declared, each with its access
// decision. New registers exactly these and nothing else.
func (s *Server) table() []Route {
	metrics := promhttp.HandlerFor(s.cfg.Gatherer, promhttp.HandlerOpts{ErrorLog: slogErrorLog{s.log}})
	return []Route{
		{"POST", "/v1/login", Anonymous, s.login},
		{"POST", "/v1/logout", Officer, s.logout},
		{"GET", "/v1/session", Officer, s.session},
		{"GET", "/v1/sessions", Admin, s.listSessions},

		{"GET", "/v1/alarms", Officer, s.listAlarms},
		{"POST", "/v1/alarms", Officer, s.raiseAlarm},
		{"GET", "/v1/alarms/{id}", Officer, s.getAlarm},
		{"POST", "/v1/alarms/{id}/ack", Officer, s.ackAlarm},
		{"POST", "/v1/alarms/{id}/resolve", Officer, s.resolveAlarm},
		{"GET", "/v1/events", Officer, s.events},
		{"GET", "/v1/cluster", Officer, s.cluster},
		{"GET", "/v1/zones", Officer, s.zones},
		{"POST", "/v1/devices/{id}/actuate", Officer, s.actuate},
		{"GET", "/v1/actuations/{id}", Officer, s.getActuation},

		{"GET", "/healthz", Anonymous, s.healthz},
		{"GET", "/metrics", Anonymous, metrics.ServeHTTP},

		// Anything else under /v1/ is a JSON 404, for users who are logged in.
		{"", "/v1/", Officer, s.notFound},
		// The console's static files; the console handler allows only GET
		// and HEAD.
		{"", "/", Anonymous, console.Handler().ServeHTTP},
	}
}

type sessionKey struct{}

// sessionFrom returns the session that guard put in the context.
func sessionFrom(ctx context.Context) *session {
	sess, _ := ctx.Value(sessionKey{}).(*session)
	return sess
}

// guard enforces the route's access decision: a live session of at least
// MinRole, and the CSRF token on every request that changes something.
func (s *Server) guard(rt Route) http.Handler {
	if rt.MinRole == Anonymous {
		return rt.handler
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := s.sessions.lookup(sessionID(r), s.now())
		if sess == nil {
			writeError(w, http.StatusUnauthorized, "not logged in, or the session has ended")
			return
		}
		if sess.role < rt.MinRole {
			writeError(w, http.StatusForbidden, "this needs the "+rt.MinRole.String()+" role")
			return
		}
		if !safeMethod(r.Method) {
			got := r.Header.Get("X-CSRF-Token")
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) != 1 {
				writeError(w, http.StatusForbidden, "missing or wrong CSRF token")
				return
			}
		}
		rt.handler(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
}

// slogErrorLog adapts the logger to promhttp's error log.
type slogErrorLog struct{ log *slog.Logger }

func (l slogErrorLog) Println(v ...any) { l.log.Error("metrics", "err", fmt.Sprint(v...)) }
