package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/crypto/bcrypt"
)

const wrongCredentials = "wrong user name or password"

type loginRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// sessionResponse answers login and GET /v1/session. The CSRF token is
// readable only by pages of this origin (SameSite cookie, no CORS), so a
// reloaded console gets it back here. A kiosk is not told the node.
type sessionResponse struct {
	User      string    `json:"user"`
	Role      Role      `json:"role"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
	Node      string    `json:"node,omitempty"`
	Facility  string    `json:"facility"`
}

func (s *Server) sessionResponse(sess *session) sessionResponse {
	resp := sessionResponse{sess.user, sess.role, sess.csrf, sess.expires, s.cfg.Node, s.cfg.Facility}
	if sess.listener != consoleListener {
		resp.Node = ""
	}
	return resp
}

// login returns the login handler of l: it lets in only the accounts whose
// role may log in there (staff at the console, learners at a kiosk). Any
// other account is refused exactly like an unknown one.
func (s *Server) login(l *listener) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req loginRequest
		if err := decodeJSON(w, r, &req); err != nil {
			s.fail(w, r, err)
			return
		}
		if req.User == "" || req.Password == "" {
			writeError(w, http.StatusBadRequest, "user and password are required")
			return
		}
		acct, known := s.accounts[req.User]
		known = known && l.roles.Allows(acct.role)
		gen := s.sessions.generation(req.User)
		if err := s.checkPassword(r, l, req.User, acct, known, req.Password); err != nil {
			refuse(w, err, http.StatusUnauthorized, wrongCredentials)
			return
		}
		// A new login replaces the session this browser had here, if any.
		if old := s.sessions.lookup(sessionID(r, l), l, s.now()); old != nil {
			s.sessions.remove(old.id)
		}
		sess := s.sessions.create(acct.name, acct.role, l, r.RemoteAddr, gen, s.now())
		if sess == nil {
			// The password changed while it was being checked.
			writeError(w, http.StatusUnauthorized, wrongCredentials)
			return
		}
		// Max-Age, not Expires: a terminal whose clock is off must not drop
		// the cookie early. The server enforces the real expiry either way.
		http.SetCookie(w, &http.Cookie{
			Name: l.cookie, Value: sess.id, Path: l.path,
			MaxAge: int(s.cfg.SessionTTL / time.Second), HttpOnly: true, Secure: r.TLS != nil,
			SameSite: http.SameSiteStrictMode,
		})
		s.log.Info("login", "user", acct.name, "role", acct.role.String(), "listener", l.name, "terminal", r.RemoteAddr)
		writeJSON(w, http.StatusOK, s.sessionResponse(sess))
	}
}

// errWrongPassword is a password check that failed.
var errWrongPassword = errors.New("wrong password")

// lockedOut is a password check refused because of earlier failures.
type lockedOut struct{ wait time.Duration }

func (e *lockedOut) Error() string { return "locked out for " + e.wait.String() }

// checkPassword checks password against the account's current hash, under
// the lockout of user at this terminal on l, and counts a failure. With
// known false it checks a dummy hash and fails, so that an unknown user
// takes as long to refuse as a wrong password. It returns nil,
// errWrongPassword or a *lockedOut.
func (s *Server) checkPassword(r *http.Request, l *listener, user string, acct account, known bool, password string) error {
	key := loginKey(l, user, r)
	if wait := s.failures.begin(key, s.now()); wait > 0 {
		s.metrics.loginFailures.Inc()
		return &lockedOut{wait}
	}
	hash := s.dummy
	if known {
		hash = s.currentHash(acct)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !known {
		s.metrics.loginFailures.Inc()
		s.failures.fail(key, s.now())
		s.log.Warn("wrong password", "user", user, "listener", l.name, "path", r.URL.Path, "terminal", r.RemoteAddr)
		return errWrongPassword
	}
	s.failures.reset(key)
	return nil
}

// refuse answers a failed checkPassword: 429 and Retry-After when locked
// out, else status and msg.
func refuse(w http.ResponseWriter, err error, status int, msg string) {
	var locked *lockedOut
	if errors.As(err, &locked) {
		mins := int((locked.wait + time.Minute - 1) / time.Minute)
		w.Header().Set("Retry-After", strconv.Itoa(int(locked.wait.Seconds()+0.999)))
		writeError(w, http.StatusTooManyRequests,
			fmt.Sprintf("too many wrong passwords; try again in %d minute%s", mins, plural(mins)))
		return
	}
	writeError(w, status, msg)
}

// currentHash is the account's hash as changed through Passwords, or else
// as configured.
func (s *Server) currentHash(acct account) []byte {
	if s.cfg.Passwords != nil {
		if h, ok := s.cfg.Passwords.Hash(acct.name); ok {
			return []byte(h)
		}
	}
	return acct.hash
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	s.sessions.remove(sess.id)
	clearCookie(w, r, sess.listener)
	s.log.Info("logout", "user", sess.user, "listener", sess.listener.name, "terminal", r.RemoteAddr)
	w.WriteHeader(http.StatusNoContent)
}

// clearCookie tells the browser to drop its session cookie of l.
func clearCookie(w http.ResponseWriter, r *http.Request, l *listener) {
	http.SetCookie(w, &http.Cookie{
		Name: l.cookie, Value: "", Path: l.path, MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
}

func (s *Server) session(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.sessionResponse(sessionFrom(r.Context())))
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"sessions": s.sessions.list(s.now())})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
