package api

import (
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
// reloaded console gets it back here.
type sessionResponse struct {
	User      string    `json:"user"`
	Role      Role      `json:"role"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
	Node      string    `json:"node"`
	Facility  string    `json:"facility"`
}

func (s *Server) sessionResponse(sess *session) sessionResponse {
	return sessionResponse{sess.user, sess.role, sess.csrf, sess.expires, s.cfg.Node, s.cfg.Facility}
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.User == "" || req.Password == "" {
		writeError(w, http.StatusBadRequest, "user and password are required")
		return
	}
	key := loginKey(req.User, r)
	if wait := s.failures.begin(key, s.now()); wait > 0 {
		mins := int((wait + time.Minute - 1) / time.Minute)
		s.metrics.loginFailures.Inc()
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		writeError(w, http.StatusTooManyRequests,
			fmt.Sprintf("too many wrong passwords; try again in %d minute%s", mins, plural(mins)))
		return
	}
	acct, known := s.users[req.User]
	hash := s.dummy
	if known {
		hash = acct.hash
	}
	// Compare against the dummy hash for unknown users too, so the answer
	// takes as long either way.
	ok := bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) == nil && known
	if !ok {
		s.metrics.loginFailures.Inc()
		s.failures.fail(key, s.now())
		s.log.Warn("login failed", "user", req.User, "terminal", r.RemoteAddr)
		writeError(w, http.StatusUnauthorized, wrongCredentials)
		return
	}
	s.failures.reset(key)
	// A new login replaces the session this browser had, if any.
	s.sessions.remove(sessionID(r))
	sess := s.sessions.create(acct.name, acct.role, r.RemoteAddr, s.now())
	// Max-Age, not Expires: a terminal whose clock is off must not drop
	// the cookie early. The server enforces the real expiry either way.
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: sess.id, Path: "/",
		MaxAge: int(s.cfg.SessionTTL / time.Second), HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	s.log.Info("login", "user", acct.name, "role", acct.role.String(), "terminal", r.RemoteAddr)
	writeJSON(w, http.StatusOK, s.sessionResponse(sess))
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	s.sessions.remove(sess.id)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	s.log.Info("logout", "user", sess.user, "terminal", r.RemoteAddr)
	w.WriteHeader(http.StatusNoContent)
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
