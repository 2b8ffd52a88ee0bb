package pki

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Reloader serves a holder's certificate from its files and picks up a
// renewed one without a restart: each handshake looks at the files'
// modification time (a stat, no read) and reloads when it changed.
type Reloader struct {
	dir, name string

	mu   sync.Mutex
	cert *tls.Certificate
	mod  time.Time
}

// NewReloader loads name's certificate from dir.
func NewReloader(dir, name string) (*Reloader, error) {
	r := &Reloader{dir: dir, name: name}
	if _, err := r.Current(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Reloader) modTime() time.Time {
	var latest time.Time
	for _, f := range []string{CertFile(r.name), KeyFile(r.name)} {
		if st, err := os.Stat(filepath.Join(r.dir, f)); err == nil && st.ModTime().After(latest) {
			latest = st.ModTime()
		}
	}
	return latest
}

// Current returns the certificate, reloading it if its files changed. A
// renewed file that does not load keeps the previous certificate in use.
func (r *Reloader) Current() (*tls.Certificate, error) {
	mod := r.modTime()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cert != nil && !mod.After(r.mod) {
		return r.cert, nil
	}
	c, err := LoadCert(r.dir, r.name)
	if err != nil {
		if r.cert != nil {
			return r.cert, nil
		}
		return nil, err
	}
	r.cert, r.mod = &c, mod
	return r.cert, nil
}

// Leaf returns the certificate in use.
func (r *Reloader) Leaf() *x509.Certificate {
	c, err := r.Current()
	if err != nil || c == nil {
		return nil
	}
	return c.Leaf
}

// ServerConfigReloading is ServerConfig with a certificate that follows
// its files.
func ServerConfigReloading(r *Reloader, roots *x509.CertPool, now func() time.Time, allow ...Role) *tls.Config {
	cfg := ServerConfig(tls.Certificate{}, roots, now, allow...)
	cfg.Certificates = nil
	cfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return r.Current() }
	return cfg
}

// ClientConfigReloading is ClientConfig with a certificate that follows
// its files.
func ClientConfigReloading(r *Reloader, roots *x509.CertPool, now func() time.Time, allow ...Role) *tls.Config {
	cfg := ClientConfig(tls.Certificate{}, roots, now, allow...)
	cfg.Certificates = nil
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return r.Current() }
	return cfg
}

// Expiring is a certificate close to its end.
type Expiring struct {
	Name     string
	NotAfter time.Time
	DaysLeft int
	Priority int    // 3 within 30 days, 2 within 7, 1 once expired
	Step     string // "30d", "7d", "expired": one alarm per step
}

// CheckExpiry returns the certificates that are within 30 days of their end
// at now — the trust issue's warnings at 30 and 7 days.
func CheckExpiry(now time.Time, certs ...*x509.Certificate) []Expiring {
	var out []Expiring
	for _, c := range certs {
		if c == nil {
			continue
		}
		left := c.NotAfter.Sub(now)
		e := Expiring{Name: c.Subject.CommonName, NotAfter: c.NotAfter, DaysLeft: int(left.Hours() / 24)}
		switch {
		case left <= 0:
			e.Priority, e.Step = 1, "expired"
		case left <= 7*24*time.Hour:
			e.Priority, e.Step = 2, "7d"
		case left <= 30*24*time.Hour:
			e.Priority, e.Step = 3, "30d"
		default:
			continue
		}
		out = append(out, e)
	}
	return out
}

// Message is the alarm text for e.
func (e Expiring) Message() string {
	if e.Step == "expired" {
		return fmt.Sprintf("Certificate %s expired on %s: renew it with palisade ca issue", e.Name, e.NotAfter.Format("2006-01-02"))
	}
	return fmt.Sprintf("Certificate %s expires on %s (%d days left): renew it with palisade ca issue", e.Name, e.NotAfter.Format("2006-01-02"), e.DaysLeft)
}

// NodeTLSReloading is NodeTLS with a certificate that follows its files.
func NodeTLSReloading(r *Reloader, roots *x509.CertPool) (server, client *tls.Config) {
	return ServerConfigReloading(r, roots, nil, RoleNode), ClientConfigReloading(r, roots, nil, RoleNode)
}

// WebServerConfig is the TLS configuration of a listener browsers connect
// to (the console, the kiosks): the server presents cert, reloaded from its
// files when renewed; browsers present no certificate — people log in.
func WebServerConfig(cert func() (*tls.Certificate, error)) *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return cert() },
	}
}
