package api

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/sync/replica"
)

// Alarms is the alarm core as the API needs it. Implementations must be safe
// for concurrent use: every request calls them on its own goroutine.
// Raise, Ack and Resolve return once the change is committed (or, for Raise
// without a quorum, kept in the local outbox and marked NotReplicated).
type Alarms interface {
	List(ctx context.Context, f alarm.Filter) ([]alarm.Alarm, error)
	Get(ctx context.Context, id string) (alarm.Alarm, error)
	Raise(ctx context.Context, r alarm.Raise, by alarm.Actor) (alarm.Alarm, error)
	Ack(ctx context.Context, id string, by alarm.Actor, note string) (alarm.Alarm, error)
	Resolve(ctx context.Context, id string, by alarm.Actor, note string) (alarm.Alarm, error)
	// Subscribe streams every change from now on. The channel is closed
	// when ctx ends; the caller need not drain it after that.
	Subscribe(ctx context.Context) <-chan alarm.Event
}

// Cluster reports this node's view of the raft cluster. Status must be safe
// for concurrent use and must not block for long.
type Cluster interface {
	Status() replica.Status
}

// User is an account. For Config.Users, Role is "officer", "supervisor" or
// "admin"; for Config.Learners it is "learner" or empty. PasswordHash is a
// bcrypt hash.
type User struct {
	Name, Role, PasswordHash string
}

// Zone is a facility zone as the console names and draws it.
type Zone struct {
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	Kind    string       `json:"kind"`
	Depth   int          `json:"depth"`             // 0 for a top-level zone
	Polygon [][2]float64 `json:"polygon,omitempty"` // metres on the site map
}

// Site is the extent of the site map in metres.
type Site struct {
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

// Config configures a Server. Node, Alarms and Cluster are required.
type Config struct {
	Node     string // this node's id
	Facility string // display name shown in the console and the kiosk
	Users    []User // staff: they log in on Handler only
	// Learners log in on KioskHandler only. A name is either staff or a
	// learner, never both.
	Learners []User
	Zones    []Zone // the facility's zones, for names on the console
	Site     Site   // the site map's extent
	Alarms   Alarms
	Cluster  Cluster
	// Actuators is optional: without it the device routes answer 404.
	Actuators Actuators
	// Passwords is optional: without it passwords cannot be changed
	// through the API (503) and logins check the configured hashes only.
	Passwords Passwords
	// Audit is optional: without it GET /v1/audit answers 404.
	Audit AuditLog
	// Doors is optional: without it the door routes answer 404.
	Doors Doors
	// SallyPorts is optional: without it the sally-port routes answer 404.
	SallyPorts SallyPorts
	// Presence is optional: without it the presence routes answer 404.
	Presence Presence
	// Cameras is optional: without it the camera, clip and evidence
	// routes answer 404.
	Cameras Cameras
	// Headcount, Rounds and Reports are optional: without one, its routes
	// answer 404.
	Headcount Headcount
	Rounds    Rounds
	Reports   Reports
	Gatherer  prometheus.Gatherer // for /metrics; default prometheus.DefaultGatherer
	// Registerer receives the API's own metrics; nil: not registered.
	Registerer prometheus.Registerer
	Logger     *slog.Logger     // default: discard
	Now        func() time.Time // injected clock; default time.Now

	SessionTTL  time.Duration // absolute session lifetime; default 12h, a shift
	SessionIdle time.Duration // a session unused this long ends; default 1h
}

// Server serves the API and the console on Handler, and the learners'
// kiosk on KioskHandler. Build it with New, serve the handlers, and call
// Close before shutting the http.Servers down.
type Server struct {
	cfg         Config
	log         *slog.Logger
	now         func() time.Time
	accounts    map[string]account // staff and learners
	cost        int                // bcrypt cost of new hashes: that of the configured ones
	dummy       []byte             // bcrypt hash checked for unknown users, so they cost the same
	sessions    *sessions
	failures    *lockout
	routes      []Route // the console's table
	kioskRoutes []Route // the kiosk's table
	handler     http.Handler
	kiosk       http.Handler
	metrics     *metrics

	ctx    context.Context // cancelled by Close; ends live streams
	cancel context.CancelFunc
	mu     sync.Mutex // guards closed and wg.Add against Close
	closed bool
	wg     sync.WaitGroup // live event streams
}

// New checks cfg, fills its defaults and builds the server.
func New(cfg Config) (*Server, error) {
	return build(cfg, (*Server).table, (*Server).kioskTable)
}

// build is New with the tables as parameters, so that a test can show a
// route without an access decision is refused.
func build(cfg Config, consoleTable, kioskTable func(*Server) []Route) (*Server, error) {
	if cfg.Node == "" {
		return nil, errors.New("api: config: Node is required")
	}
	if cfg.Alarms == nil || cfg.Cluster == nil {
		return nil, errors.New("api: config: Alarms and Cluster are required")
	}
	if cfg.Gatherer == nil {
		cfg.Gatherer = prometheus.DefaultGatherer
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = time.Hour
	}
	s := &Server{
		cfg: cfg,
		log: cfg.Logger.With("component", "api", "node", cfg.Node),
		now: cfg.Now,
	}
	var err error
	if s.accounts, s.cost, err = loadAccounts(cfg.Users, cfg.Learners); err != nil {
		return nil, err
	}
	// The dummy hash has the cost of the real ones, so a wrong user name
	// takes as long to refuse as a wrong password.
	dummy, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), s.cost)
	if err != nil {
		return nil, fmt.Errorf("api: dummy hash: %w", err)
	}
	s.dummy = dummy
	s.sessions = newSessions(cfg.SessionTTL, cfg.SessionIdle)
	s.failures = newLockout(loginFailuresBeforeLock, loginLockout)
	s.ctx, s.cancel = context.WithCancel(context.Background())

	s.metrics = newMetrics(cfg.Registerer)
	s.routes = consoleTable(s)
	s.kioskRoutes = kioskTable(s)
	consoleMux, err := s.mux(consoleListener, s.routes)
	if err != nil {
		return nil, err
	}
	kioskMux, err := s.mux(kioskListener, s.kioskRoutes)
	if err != nil {
		return nil, err
	}
	s.handler = securityHeaders(consoleMux)
	s.kiosk = securityHeaders(kioskHeaders(kioskMux))
	return s, nil
}

// mux registers routes, and nothing else, on a new ServeMux for l. It
// refuses a route without an access decision or a handler.
func (s *Server) mux(l *listener, routes []Route) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	for _, rt := range routes {
		pattern := rt.Pattern
		if rt.Method != "" {
			pattern = rt.Method + " " + pattern
		}
		if msg := rt.Allow.check(); msg != "" {
			return nil, fmt.Errorf("api: %s route %q %s", l.name, pattern, msg)
		}
		if rt.handler == nil {
			return nil, fmt.Errorf("api: %s route %q has no handler", l.name, pattern)
		}
		if err := register(mux, pattern, s.metrics.count(l, rt, s.guard(rt, l))); err != nil {
			return nil, fmt.Errorf("api: %s route %q: %w", l.name, pattern, err)
		}
	}
	return mux, nil
}

// register is mux.Handle, with its panic on a bad or conflicting pattern
// turned into an error.
func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// Handler returns the handler of every console route: API and console.
// Serve it to staff only.
func (s *Server) Handler() http.Handler { return s.handler }

// Close ends every live event stream and waits for their handlers to
// return, so that http.Server.Shutdown does not wait on them. Requests
// other than streams are left to Shutdown. Close is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// track registers a live stream; it reports false once Close has begun.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// securityHeaders sets the headers every response of both handlers should
// carry.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY") // no clickjacking of an acknowledge button
		h.Set("Referrer-Policy", "no-referrer")
		if r.TLS != nil {
			// Only over TLS: a browser ignores it on plain HTTP, and a node
			// without certificates must stay reachable.
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}
