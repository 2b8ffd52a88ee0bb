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

// Route is one entry of a routing table.
type Route struct {
	Method  string // "GET", "POST"; "" matches every method
	Pattern string // a net/http ServeMux path pattern, e.g. /v1/alarms/{id}
	Allow   Access // who may call it; New refuses a route without a decision

	handler http.HandlerFunc
}

// Routes returns a copy of the console's routing table.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// table is the one place where the console's routes are declared, each with
// its access decision. New registers exactly these and nothing else on
// Handler.
func (s *Server) table() []Route {
	metrics := promhttp.HandlerFor(s.cfg.Gatherer, promhttp.HandlerOpts{ErrorLog: slogErrorLog{s.log}})
	return []Route{
		{"POST", "/v1/login", anyone, s.login(consoleListener)},
		{"POST", "/v1/logout", staff(Officer), s.logout},
		{"GET", "/v1/session", staff(Officer), s.session},
		{"GET", "/v1/sessions", staff(Admin), s.listSessions},
		{"POST", "/v1/password", staff(Officer), s.changeOwnPassword},
		{"POST", "/v1/users/{name}/password", staff(Admin), s.resetPassword},

		{"GET", "/v1/alarms", staff(Officer), s.listAlarms},
		{"POST", "/v1/alarms", staff(Officer), s.raiseAlarm},
		{"GET", "/v1/alarms/{id}", staff(Officer), s.getAlarm},
		{"POST", "/v1/alarms/{id}/ack", staff(Officer), s.ackAlarm},
		{"POST", "/v1/alarms/{id}/resolve", staff(Officer), s.resolveAlarm},
		{"GET", "/v1/events", staff(Officer), s.events},
		{"GET", "/v1/cluster", staff(Officer), s.cluster},
		{"GET", "/v1/zones", staff(Officer), s.zones},
		{"GET", "/v1/audit", staff(Supervisor), s.auditStatus},
		{"GET", "/v1/doors", staff(Officer), s.listDoors},
		{"POST", "/v1/doors/{id}/unlock", staff(Officer), s.unlockDoor},
		{"POST", "/v1/doors/{id}/lock", staff(Officer), s.lockDoor},
		{"POST", "/v1/zones/{id}/lockdown", staff(Supervisor), s.lockdownZone},
		{"GET", "/v1/sallyports", staff(Officer), s.listSallyPorts},
		// Officers act; approving an override also needs a supervisor,
		// checked in the handler and again by the applier.
		{"POST", "/v1/sallyports/{id}/act", staff(Officer), s.actSallyPort},
		{"GET", "/v1/presence", staff(Officer), s.listPresence},
		{"GET", "/v1/people/{id}", staff(Officer), s.getPerson},
		// Cameras and their evidence: served by the node that keeps them.
		{"GET", "/v1/cameras", staff(Officer), s.listCameras},
		{"GET", "/v1/cameras/{id}/snapshot.jpg", staff(Officer), s.cameraSnapshot},
		{"GET", "/v1/clips/{name}", staff(Officer), s.getClip},
		{"GET", "/v1/snapshots/{name}", staff(Officer), s.getSnapshot},
		{"GET", "/v1/alarms/{id}/evidence", staff(Officer), s.alarmEvidence},
		// Custody: officers count and check; supervisors start and cancel
		// counts, put residents on watch and read the custody report.
		{"GET", "/v1/headcount", staff(Officer), s.getHeadcount},
		{"POST", "/v1/headcount", staff(Supervisor), s.startHeadcount},
		{"POST", "/v1/headcount/{id}/zones/{zone}", staff(Officer), s.enterZone},
		{"POST", "/v1/headcount/{id}/cancel", staff(Supervisor), s.cancelHeadcount},
		{"GET", "/v1/rounds", staff(Officer), s.getRounds},
		{"POST", "/v1/rounds/check", staff(Officer), s.checkCell},
		{"POST", "/v1/rounds/watch", staff(Supervisor), s.watchResident},
		{"GET", "/v1/rounds/export.csv", staff(Officer), s.exportRounds},
		{"GET", "/v1/reports/custody", staff(Supervisor), s.custodyReport},
		{"POST", "/v1/devices/{id}/actuate", staff(Officer), s.actuate},
		{"GET", "/v1/actuations/{id}", staff(Officer), s.getActuation},

		{"GET", "/healthz", anyone, s.healthz},
		{"GET", "/metrics", anyone, metrics.ServeHTTP},

		// Anything else under /v1/ is a JSON 404, for staff who are logged in.
		{"", "/v1/", staff(Officer), s.notFound},
		// The console's static files; the console handler allows only GET
		// and HEAD.
		{"", "/", anyone, console.Handler().ServeHTTP},
	}
}

type sessionKey struct{}

// sessionFrom returns the session that guard put in the context.
func sessionFrom(ctx context.Context) *session {
	sess, _ := ctx.Value(sessionKey{}).(*session)
	return sess
}

// guard enforces the route's access decision on listener l: a live
// session created on l whose role the route allows, and the CSRF token on
// every request that changes something.
func (s *Server) guard(rt Route, l *listener) http.Handler {
	if rt.Allow == anyone {
		return rt.handler
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := s.sessions.lookup(sessionID(r, l), l, s.now())
		if sess == nil {
			writeError(w, http.StatusUnauthorized, "not logged in, or the session has ended")
			return
		}
		// Only a learner's session reaches the kiosk and only staff's the
		// console, but the table's decision is checked all the same.
		if !rt.Allow.Allows(sess.role) {
			writeError(w, http.StatusForbidden, rt.Allow.needs())
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
