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

// User is a console account. Role is "officer", "supervisor" or "admin";
// PasswordHash is a bcrypt hash.
type User struct {
	Name, Role, PasswordHash string
}

// Zone is a facility zone as the console names it.
type Zone struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// Config configures a Server. Node, Users, Alarms and Cluster are required.
type Config struct {
	Node     string // this node's id
	Facility string // display name shown in the console
	Users    []User
	Zones    []Zone // the facility's zones, for names on the console
	Alarms   Alarms
	Cluster  Cluster
	// Actuators is optional: without it the device routes answer 404.
	Actuators Actuators
	Gatherer  prometheus.Gatherer // for /metrics; default prometheus.DefaultGatherer
	// Registerer receives the API's own metrics; nil: not registered.
	Registerer prometheus.Registerer
	Logger     *slog.Logger     // default: discard
	Now        func() time.Time // injected clock; default time.Now

	SessionTTL  time.Duration // absolute session lifetime; default 12h, a shift
	SessionIdle time.Duration // a session unused this long ends; default 1h
}

// Server serves the API and the console. Build it with New, serve
// Handler(), and call Close before shutting the http.Server down.
type Server struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	users    map[string]account
	dummy    []byte // bcrypt hash checked for unknown users, so they cost the same
	sessions *sessions
	failures *lockout
	routes   []Route
	handler  http.Handler
	metrics  *metrics

	ctx    context.Context // cancelled by Close; ends live streams
	cancel context.CancelFunc
	mu     sync.Mutex // guards closed and wg.Add against Close
	closed bool
	wg     sync.WaitGroup // live event streams
}

type account struct {
	name string
	role Role
	hash []byte
}

// New checks cfg, fills its defaults and builds the server.
func New(cfg Config) (*Server, error) {
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
		cfg:   cfg,
		log:   cfg.Logger.With("component", "api", "node", cfg.Node),
		now:   cfg.Now,
		users: make(map[string]account, len(cfg.Users)),
	}
	cost := bcrypt.DefaultCost
	for i, u := range cfg.Users {
		if u.Name == "" {
			return nil, fmt.Errorf("api: config: users[%d]: name is empty", i)
		}
		if _, dup := s.users[u.Name]; dup {
			return nil, fmt.Errorf("api: config: users[%d]: user %q appears twice", i, u.Name)
		}
		role, err := ParseRole(u.Role)
		if err != nil || role == Anonymous {
			return nil, fmt.Errorf("api: config: users[%d] %q: role %q: want officer, supervisor or admin", i, u.Name, u.Role)
		}
		c, err := bcrypt.Cost([]byte(u.PasswordHash))
		if err != nil {
			return nil, fmt.Errorf("api: config: users[%d] %q: password hash: %w", i, u.Name, err)
		}
		if i == 0 {
			cost = c
		}
		s.users[u.Name] = account{name: u.Name, role: role, hash: []byte(u.PasswordHash)}
	}
	// The dummy hash has the cost of the real ones, so a wrong user name
	// takes as long to refuse as a wrong password.
	dummy, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), cost)
	if err != nil {
		return nil, fmt.Errorf("api: dummy hash: %w", err)
	}
	s.dummy = dummy
	s.sessions = newSessions(cfg.SessionTTL, cfg.SessionIdle)
	s.failures = newLockout(loginFailuresBeforeLock, loginLockout)
	s.ctx, s.cancel = context.WithCancel(context.Background())

	s.metrics = newMetrics(cfg.Registerer)
	mux := http.NewServeMux()
	s.routes = s.table()
	for _, rt := range s.routes {
		pattern := rt.Pattern
		if rt.Method != "" {
			pattern = rt.Method + " " + pattern
		}
		mux.Handle(pattern, s.metrics.count(rt, s.guard(rt)))
	}
	s.handler = securityHeaders(mux)
	return s, nil
}

// Handler returns the handler of every route: API and console.
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

// securityHeaders sets the headers every response should carry.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY") // no clickjacking of an acknowledge button
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
