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

// listener is one of the server's two handlers: the staff console or the
// learners' kiosk. A session belongs to the listener it was created on and
// is refused on the other, whatever cookie name carries it.
type listener struct {
	name   string // "console" or "kiosk", for logs and the session list
	cookie string // the session cookie's name
	path   string // the session cookie's path
	roles  Access // who may log in here
}

var (
	consoleListener = &listener{name: "console", cookie: "palisade_session", path: "/", roles: staff(Officer)}
	// The kiosk's cookie has its own name: cookies do not keep to a port,
	// so a browser that reached both would otherwise send one for the other.
	kioskListener = &listener{name: "kiosk", cookie: "palisade_kiosk", path: "/k/", roles: learners}
)

const (
	// Five wrong passwords for one user from one terminal lock that pair out
	// for five minutes. The key is user+address, not the user alone: locking
	// an account everywhere would let anyone keep an officer off every
	// console during an incident by typing wrong passwords at one of them.
	// (It is listener+user+address: see loginKey.) A wrong old password at
	// POST /v1/password counts as a failed login.
	loginFailuresBeforeLock = 5
	loginLockout            = 5 * time.Minute
)

// session is one logged-in console or kiosk. Its fields are fixed at login
// except lastSeen, which only the store touches under its lock.
type session struct {
	id, csrf string
	user     string
	role     Role
	listener *listener
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
	// revoked counts each user's revocations. A login reads it before it
	// checks the password and creates its session only if it has not
	// moved: a login that checked the old password while a change was
	// applied does not outlive the change. One entry per account at most.
	revoked map[string]uint64
}

func newSessions(ttl, idle time.Duration) *sessions {
	return &sessions{ttl: ttl, idle: idle, byID: make(map[string]*session), revoked: make(map[string]uint64)}
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on Linux (crypto/rand panics rather)
	return base64.RawURLEncoding.EncodeToString(b)
}

// generation returns how many times user's sessions have been revoked; see
// create.
func (st *sessions) generation(user string) uint64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.revoked[user]
}

// create starts a session for user on l. It returns nil if the user's
// sessions were revoked since generation returned gen.
func (st *sessions) create(user string, role Role, l *listener, terminal string, gen uint64, now time.Time) *session {
	sess := &session{
		id: randomToken(), csrf: randomToken(),
		user: user, role: role, listener: l, terminal: terminal,
		created: now, expires: now.Add(st.ttl), lastSeen: now,
		done: make(chan struct{}),
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.revoked[user] != gen {
		return nil
	}
	for id, old := range st.byID {
		if !st.liveLocked(old, now) {
			st.removeLocked(id)
		}
	}
	st.byID[sess.id] = sess
	return sess
}

// lookup returns the live session with the id, created on l, and marks it
// used; or nil. A session of the other listener is left as it is.
func (st *sessions) lookup(id string, l *listener, now time.Time) *session {
	if id == "" {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	sess := st.byID[id]
	if sess == nil || sess.listener != l {
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

// revokeUser ends every session of user and returns how many there were.
func (st *sessions) revokeUser(user string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.revoked[user]++
	n := 0
	for id, sess := range st.byID {
		if sess.user == user {
			st.removeLocked(id)
			n++
		}
	}
	return n
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
	Listener  string    `json:"listener"` // "console" or "kiosk"
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
			out = append(out, sessionInfo{s.user, s.role, s.listener.name, s.terminal, s.created, s.lastSeen, s.expires})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out
}

// sessionID returns the session id in l's cookie, or "".
func sessionID(r *http.Request, l *listener) string {
	c, err := r.Cookie(l.cookie)
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

// loginKey is the lockout key: the listener, the user name and the
// caller's address. Guesses at a kiosk never lock a name out of the console.
func loginKey(l *listener, user string, r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return l.name + "\x00" + user + "\x00" + host
}
