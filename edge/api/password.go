package api

import (
	"context"
	"net/http"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Passwords persists password changes (replicated through the cluster by the node).
// The API never keeps a changed hash itself: the three nodes must agree on
// it, so it goes through the log like any other change. Implementations
// must be safe for concurrent use.
type Passwords interface {
	// Hash returns the current bcrypt hash of user if it was changed since the config, ok=false otherwise.
	// Every login calls it, so it must not block for long. Once Set has
	// returned on this node, Hash should return the new hash; until it
	// does, the old password still logs in here.
	Hash(user string) (hash string, ok bool)
	// Set commits a new hash for user; it returns once committed.
	// by is the staff user who made the change: user itself, or an
	// admin. Its errors are those of a commit (e.g. replica.ErrNoLeader,
	// a ctx deadline).
	Set(ctx context.Context, user, hash, by string) error
}

const (
	minPassword = 10 // characters
	// bcrypt reads 72 bytes at most; x/crypto refuses a longer password
	// rather than silently ignore its end, and so does the API.
	maxPassword = 72 // bytes

	noPasswordStore  = "passwords cannot be changed on this node: it has no replicated password store"
	wrongOldPassword = "old: that is not your current password"
)

type changePasswordRequest struct {
	Old string `json:"old"`
	New string `json:"new"`
}

type resetPasswordRequest struct {
	New string `json:"new"`
}

// passwordChanged answers a change.
type passwordChanged struct {
	User    string `json:"user"`
	Message string `json:"message"`
}

func checkNewPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < minPassword {
		return invalid("new: must be at least %d characters, not %d", minPassword, n)
	}
	if len(pw) > maxPassword {
		return invalid("new: must be at most %d bytes, not %d", maxPassword, len(pw))
	}
	return nil
}

// changeOwnPassword changes the caller's password, given the old one. A
// wrong old password counts toward the login lockout of that user at that
// terminal, so an unattended console is no way around it.
func (s *Server) changeOwnPassword(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Passwords == nil {
		writeError(w, http.StatusServiceUnavailable, noPasswordStore)
		return
	}
	sess := sessionFrom(r.Context())
	var req changePasswordRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Old == "" {
		s.fail(w, r, invalid("old: your current password is required"))
		return
	}
	if err := checkNewPassword(req.New); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.New == req.Old {
		s.fail(w, r, invalid("new: must differ from the old password"))
		return
	}
	acct, known := s.accounts[sess.user]
	if err := s.checkPassword(r, sess.listener, sess.user, acct, known, req.Old); err != nil {
		refuse(w, err, http.StatusForbidden, wrongOldPassword)
		return
	}
	s.commitPassword(w, r, sess.user, req.New)
}

// resetPassword sets another user's password, or the admin's own, without
// the old one. It may reset a learner's too.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Passwords == nil {
		writeError(w, http.StatusServiceUnavailable, noPasswordStore)
		return
	}
	var req resetPasswordRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := checkNewPassword(req.New); err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.PathValue("name")
	if _, ok := s.accounts[name]; !ok {
		writeError(w, http.StatusNotFound, "no such user: "+name)
		return
	}
	s.commitPassword(w, r, name, req.New)
}

// commitPassword hashes password, commits it for user through Passwords
// and ends every session of user on this node — the caller's own too when
// it is user's: whoever changed a password logs in again with the new one.
func (s *Server) commitPassword(w http.ResponseWriter, r *http.Request, user, password string) {
	by := sessionFrom(r.Context())
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), writeTimeout)
	defer cancel()
	if err := s.cfg.Passwords.Set(ctx, user, string(hash), by.user); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("password changed", "user", user, "by", by.user, "terminal", r.RemoteAddr)
	s.RevokeUser(user)
	resp := passwordChanged{User: user, Message: "password changed; log in again"}
	if user == by.user {
		clearCookie(w, r, by.listener)
	} else {
		resp.Message = "password of " + user + " changed; their sessions have ended"
	}
	writeJSON(w, http.StatusOK, resp)
}

// RevokeUser ends every session of the user on this node, on both
// handlers, and with them the user's live event streams; a login that was
// checking the user's password meanwhile fails. The node calls it on every
// node when a password change is applied. It is safe for concurrent use,
// and calling it again does no harm.
func (s *Server) RevokeUser(name string) {
	if _, ok := s.accounts[name]; !ok {
		return // no session can exist for it
	}
	n := s.sessions.revokeUser(name)
	s.log.Info("sessions revoked", "user", name, "sessions", n)
}
