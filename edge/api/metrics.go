package api

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are what an operator graphs of the console: requests by route and
// answer, and failed logins (a spike is someone guessing passwords).
type metrics struct {
	requests      *prometheus.CounterVec
	loginFailures prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_api_requests_total", Help: "API requests by route and status code.",
		}, []string{"route", "code"}),
		loginFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "palisade_api_login_failures_total", Help: "Logins refused: wrong user name or password, or locked out.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.loginFailures)
	}
	return m
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach Flush and deadlines (SSE).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// count wraps a route's handler of l to count its answers. A kiosk route's
// label begins "kiosk ": both handlers have a "/".
func (m *metrics) count(l *listener, rt Route, next http.Handler) http.Handler {
	label := rt.Method + " " + rt.Pattern
	if l != consoleListener {
		label = l.name + " " + label
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		code := rec.code
		if code == 0 {
			code = http.StatusOK
		}
		m.requests.WithLabelValues(label, strconv.Itoa(code)).Inc()
	})
}
