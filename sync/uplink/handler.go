package uplink

import (
	"bytes"
	"compress/gzip"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/audit"
)

// Bounds of a page the Handler serves.
const (
	DefaultMaxRecords = 1000
	DefaultMaxBytes   = 1 << 20
)

// Handler serves the feed to HQ: GET PathRecords (see there). Serve it on
// a TLS listener that requires a client certificate
// (pki.ServerConfig(nodeCert, roots, nil, pki.RoleCentral)); the handler
// checks again that the certificate is a central one of Roots, so it is
// safe on a listener that only requests one.
type Handler struct {
	Facility string
	Node     string
	// View runs fn in a read transaction of the replicated state
	// (replica.Replica.View).
	View  func(fn func(*bolt.Tx) error) error
	Roots *x509.CertPool   // the facility CA
	Now   func() time.Time // certificate validity; default time.Now
	// MaxRecords and MaxBytes bound what one page may hold, whatever the
	// puller asks (defaults 1000 records, 1 MiB of records).
	MaxRecords int
	MaxBytes   int
	Logger     *slog.Logger
	Metrics    *Metrics // optional
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	code, body, err := h.serve(r)
	if h.Metrics != nil {
		h.Metrics.requests.WithLabelValues(strconv.Itoa(code)).Inc()
	}
	if err != nil {
		if code >= 500 {
			h.logger().Error("uplink request failed", "err", err)
		} else {
			h.logger().Warn("uplink request refused", "code", code, "remote", r.RemoteAddr, "err", err)
		}
		http.Error(w, err.Error(), code)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") && len(body) > 1024 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = buf.Bytes()
		w.Header().Set("Content-Encoding", "gzip")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

func (h *Handler) serve(r *http.Request) (int, []byte, error) {
	if r.URL.Path != PathRecords {
		return http.StatusNotFound, nil, fmt.Errorf("no such path %q (want %s)", r.URL.Path, PathRecords)
	}
	if r.Method != http.MethodGet {
		return http.StatusMethodNotAllowed, nil, fmt.Errorf("method %s (want GET)", r.Method)
	}
	if code, err := h.authorize(r); err != nil {
		return code, nil, err
	}
	q := r.URL.Query()
	maxN, maxB := h.MaxRecords, h.MaxBytes
	if maxN <= 0 {
		maxN = DefaultMaxRecords
	}
	if maxB <= 0 {
		maxB = DefaultMaxBytes
	}
	after, err := param(q.Get("after"), "after", 0, 0)
	if err != nil {
		return http.StatusBadRequest, nil, err
	}
	n, err := param(q.Get("limit"), "limit", uint64(maxN), uint64(maxN))
	if err != nil {
		return http.StatusBadRequest, nil, err
	}
	b, err := param(q.Get("max_bytes"), "max_bytes", uint64(maxB), uint64(maxB))
	if err != nil {
		return http.StatusBadRequest, nil, err
	}
	from, err := param(q.Get("from"), "from", 0, 0)
	if err != nil {
		return http.StatusBadRequest, nil, err
	}
	var out []byte
	var served int
	err = h.View(func(tx *bolt.Tx) error {
		p := wirePage{Facility: h.Facility, Node: h.Node, After: after}
		var err error
		if p.Records, p.Last, err = Read(tx, after, int(n), int(b)); err != nil {
			return err
		}
		if p.Records == nil {
			p.Records = []json.RawMessage{}
		}
		cp, count, err := audit.Latest(tx)
		if err != nil {
			return err
		}
		if count > 0 {
			p.Checkpoint = cp.Marshal()
			if from > 0 && from <= cp.Size {
				c, err := audit.ProveConsistency(tx, audit.Signed{Checkpoint: audit.Checkpoint{Size: from}}, cp)
				if err != nil {
					return err
				}
				p.Proof = &Proof{From: from, To: cp.Size, Path: make([][]byte, len(c.Path))}
				for i := range c.Path {
					p.Proof.Path[i] = c.Path[i][:]
				}
			}
		}
		served = len(p.Records)
		if h.Metrics != nil && p.Last >= after {
			h.Metrics.backlog.Set(float64(p.Last - after))
		}
		out, err = json.Marshal(p) // inside tx: the records are bbolt's memory
		return err
	})
	if err != nil {
		return http.StatusServiceUnavailable, nil, fmt.Errorf("uplink: read the feed: %w", err)
	}
	if h.Metrics != nil {
		h.Metrics.records.Add(float64(served))
	}
	return http.StatusOK, out, nil
}

// ErrClient refuses a peer that is not HQ: no certificate, another CA's,
// or another role's.
var ErrClient = errors.New("uplink: client is not a central certificate of this facility's CA")

func (h *Handler) authorize(r *http.Request) (int, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return http.StatusUnauthorized, fmt.Errorf("%w: no client certificate", ErrClient)
	}
	if h.Roots == nil {
		return http.StatusForbidden, fmt.Errorf("%w: this node has no facility CA configured", ErrClient)
	}
	cert := r.TLS.PeerCertificates[0]
	role, name, err := pki.Identity(cert)
	if err != nil {
		return http.StatusForbidden, fmt.Errorf("%w: %v", ErrClient, err)
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	if err := pki.CheckHolder(h.Roots, cert, pki.RoleCentral, name, now()); err != nil {
		return http.StatusForbidden, fmt.Errorf("%w: %s %q: %v", ErrClient, role, name, err)
	}
	return 0, nil
}

// param parses a query parameter: absent → def; above limit (if any) →
// clamped.
func param(s, name string, def, limit uint64) (uint64, error) {
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("query parameter %s=%.40q: want a non-negative integer", name, s)
	}
	if limit > 0 && v > limit {
		v = limit
	}
	return v, nil
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

// Metrics are the edge side's uplink metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	records  prometheus.Counter
	backlog  prometheus.Gauge
}

// NewMetrics registers the uplink metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "palisade_uplink_requests_total", Help: "Pull requests from HQ, by HTTP status."}, []string{"code"}),
		records:  prometheus.NewCounter(prometheus.CounterOpts{Name: "palisade_uplink_records_served_total", Help: "Summary records served to HQ."}),
		backlog:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "palisade_uplink_backlog_records", Help: "Records HQ had not pulled at its last request."}),
	}
	reg.MustRegister(m.requests, m.records, m.backlog)
	return m
}
