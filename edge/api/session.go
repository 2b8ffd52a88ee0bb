package api

import (
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

const (
	sessionCookie = "palisade_session"

	// Five wrong passwords for one user from one terminal lock that pair out
	// for five minutes. The key is user+address, not the user alone: locking
	// an account everywhere would let anyone keep an officer off every
	// console during an incident by typing wrong passwords at one of them.
	loginFailuresBeforeLock = 5
	loginLockout            = 5 * time.Minute
)

// session is one logged-in console. Its fields are fixed at login except
// lastSeen, which only the store touches under its lock.
type session struct {
	id, csrf string
	user     string
	role     Role
	terminal string
	created  time.Time
	expires  time.Time // absolute
	lastSeen time.Time
	done     chan struct{} // closed when the session ends
}

// sessions is the in-memory session store. Expired sessions are removed
// when they are next looked up or when someone logs in.
type sessions struct {
	ttl, idle time.Duration

	mu   sync.Mutex
	byID map[string]*session
}

func newSessions(ttl, idle time.Duration) *sessions {
	return &sessions{ttl: ttl, idle: idle, byID: make(map[string]*session)}
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on Linux (crypto/rand panics rather)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (st *sessions) create(user string, role Role, terminal string, now time.Time) *session {
	sess := &session{
		id: randomToken(), csrf: randomToken(),
		user: user, role: role, terminal: terminal,
		created: now, expires: now.Add(st.ttl), lastSeen: now,
		done: make(chan struct{}),
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for id, old := range st.byID {
		if !st.liveLocked(old, now) {
			st.removeLocked(id)
		}
	}
	st.byID[sess.id] = sess
	return sess
}

// lookup returns the live session with the id and marks it used, or nil.
func (st *sessions) lookup(id string, now time.Time) *session {
	if id == "" {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	sess := st.byID[id]
	if sess == nil {
		return nil
	}
	if !st.liveLocked(sess, now) {
		st.removeLocked(id)
		return nil
	}
	sess.lastSeen = now
	return sess
}

// alive reports whether the session is still live, without marking it used.
func (st *sessions) alive(sess *session, now time.Time) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.byID[sess.id] != sess {
		return false
	}
	if !st.liveLocked(sess, now) {
		st.removeLocked(sess.id)
		return false
	}
	return true
}

func (st *sessions) remove(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.removeLocked(id)
}

func (st *sessions) liveLocked(sess *session, now time.Time) bool {
	return now.Before(sess.expires) && now.Sub(sess.lastSeen) < st.idle
}

func (st *sessions) removeLocked(id string) {
	if sess, ok := st.byID[id]; ok {
		close(sess.done)
		delete(st.byID, id)
	}
}

// sessionInfo is what an admin sees of a session: never its id or token.
type sessionInfo struct {
	User      string    `json:"user"`
	Role      Role      `json:"role"`
	Terminal  string    `json:"terminal"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (st *sessions) list(now time.Time) []sessionInfo {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := []sessionInfo{}
	for _, s := range st.byID {
		if st.liveLocked(s, now) {
			out = append(out, sessionInfo{s.user, s.role, s.terminal, s.created, s.lastSeen, s.expires})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out
}

func sessionID(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// lockout counts failed logins per key and locks a key out for a while
// after too many.
type lockout struct {
	max    int
	period time.Duration

	mu      sync.Mutex
	entries map[string]*failures
}

type failures struct {
	n        int
	inflight int // attempts checking a password right now
	last     time.Time
	locked   time.Time // locked until
}

func newLockout(max int, period time.Duration) *lockout {
	return &lockout{max: max, period: period, entries: make(map[string]*failures)}
}

// begin reserves one password check for key. It returns how long the key
// stays locked out, or 0 and a reservation that fail or reset must end.
// Failures plus checks in flight never exceed the limit, so parallel
// guesses cannot slip past the lockout while bcrypt runs.
func (l *lockout) begin(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.entries[key]
	if f == nil {
		f = &failures{}
		l.entries[key] = f
	}
	if now.Before(f.locked) {
		return f.locked.Sub(now)
	}
	if f.n+f.inflight >= l.max {
		return time.Second // the last allowed guesses are being checked
	}
	f.inflight++
	return 0
}

// fail counts a failure; failures older than the period are forgotten.
func (l *lockout) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, f := range l.entries {
		if k != key && f.inflight == 0 && now.Sub(f.last) >= l.period && !now.Before(f.locked) {
			delete(l.entries, k)
		}
	}
	f := l.entries[key]
	if f == nil {
		f = &failures{}
		l.entries[key] = f
	}
	if f.inflight > 0 {
		f.inflight--
	}
	f.n++
	f.last = now
	if f.n >= l.max {
		f.n = 0
		f.locked = now.Add(l.period)
	}
}

func (l *lockout) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, key)
}

// loginKey is the lockout key: the user name and the caller's address.
func loginKey(user string, r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return user + "\x00" + host
}
