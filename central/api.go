package central

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

//go:embed static
var static embed.FS

// Handler serves HQ's API, dashboard and metrics:
//
//	GET  /                                  the dashboard (plain HTML/JS, embedded)
//	GET  /api/v1/facilities                 every facility: status, open P1–2 alarms, headcount, devices, last contact
//	GET  /api/v1/facilities/{id}            one facility: the above, its latest rollup, recent records, alarm history
//	GET  /api/v1/facilities/{id}/records    records after ?after=SEQ, at most ?limit=N (≤ 1000), in order
//	GET  /api/v1/alarms                     HQ alarms (?open=1: only open ones)
//	POST /api/v1/alarms/resolve?id=F/KIND   resolve an HQ alarm (?by=NAME)
//	GET  /metrics                           Prometheus
func (s *Service) Handler() http.Handler {
	mux := s.routes()
	if len(s.cfg.Analysts) == 0 {
		return mux // loopback only (Config.Validate)
	}
	return s.authenticate(mux)
}

func (s *Service) routes() *http.ServeMux {
	mux := http.NewServeMux()
	sub, _ := fs.Sub(static, "static") // cannot fail: the directory is embedded
	mux.Handle("GET /", http.FileServerFS(sub))
	mux.HandleFunc("GET /api/v1/facilities", func(w http.ResponseWriter, r *http.Request) {
		v, err := s.Facilities()
		respond(w, v, err)
	})
	mux.HandleFunc("GET /api/v1/facilities/{id}", func(w http.ResponseWriter, r *http.Request) {
		d, err := s.Facility(r.PathValue("id"), 50)
		respond(w, d, err)
	})
	mux.HandleFunc("GET /api/v1/facilities/{id}/records", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if _, ok := s.byID[id]; !ok {
			respond(w, nil, ErrUnknown)
			return
		}
		after, err1 := queryUint(r, "after", 0)
		limit, err2 := queryUint(r, "limit", 100)
		if err := errors.Join(err1, err2); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		recs, err := s.store.Records(id, after, int(min(limit, 1000)))
		respond(w, recs, err)
	})
	mux.HandleFunc("GET /api/v1/alarms", func(w http.ResponseWriter, r *http.Request) {
		a, err := s.store.Alarms(r.URL.Query().Get("facility"), r.URL.Query().Get("open") == "1")
		if a == nil {
			a = []Alarm{}
		}
		respond(w, a, err)
	})
	mux.HandleFunc("POST /api/v1/alarms/resolve", func(w http.ResponseWriter, r *http.Request) {
		// A page on another site can make the browser POST here with the
		// analyst's credentials, but it cannot add a header without the
		// browser asking first (CORS): only HQ's own dashboard sends it.
		if r.Header.Get("X-HQ-Request") != "1" {
			http.Error(w, "missing X-HQ-Request: 1 (HQ's dashboard sends it; a cross-site form cannot)", http.StatusForbidden)
			return
		}
		by := r.URL.Query().Get("by")
		if name, ok := r.Context().Value(analystKey{}).(string); ok {
			by = name // the authenticated analyst, not what the query says
		} else if by == "" {
			by = "analyst"
		}
		err := s.ResolveAlarm(r.URL.Query().Get("id"), by)
		respond(w, map[string]bool{"resolved": err == nil}, err)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	return mux
}

func queryUint(r *http.Request, name string, def uint64) (uint64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, errors.New("query parameter " + name + ": want a non-negative integer, not " + strconv.Quote(v))
	}
	return n, nil
}

func respond(w http.ResponseWriter, v any, err error) {
	switch {
	case errors.Is(err, ErrUnknown):
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

type analystKey struct{}

// authenticate lets analysts in with HTTP basic auth; /metrics too (a
// scraper is given an account). A verified password is remembered for
// five minutes by its SHA-256, so the dashboard's polling does not pay
// bcrypt on every request.
func (s *Service) authenticate(next http.Handler) http.Handler {
	hashes := map[string][]byte{}
	for _, a := range s.cfg.Analysts {
		hashes[a.Name] = []byte(a.PasswordHash)
	}
	var mu sync.Mutex
	ok := map[[32]byte]time.Time{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, pw, given := r.BasicAuth()
		hash, known := hashes[name]
		key := sha256.Sum256([]byte(name + "\x00" + pw))
		mu.Lock()
		until, cached := ok[key]
		mu.Unlock()
		switch {
		case !given || !known:
		case cached && time.Now().Before(until):
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), analystKey{}, name)))
			return
		case bcrypt.CompareHashAndPassword(hash, []byte(pw)) == nil:
			mu.Lock()
			ok[key] = time.Now().Add(5 * time.Minute)
			mu.Unlock()
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), analystKey{}, name)))
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="Palisade HQ", charset="UTF-8"`)
		http.Error(w, "log in with an HQ analyst's account", http.StatusUnauthorized)
	})
}
