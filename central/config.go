package central

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/uplink"
)

// ErrConfig is matched by every error about the content of hq.yaml.
var ErrConfig = errors.New("central: invalid configuration")

// Config is hq.yaml: HQ's service and the facilities it pulls.
type Config struct {
	Listen  string `yaml:"listen"`   // API and dashboard (default 127.0.0.1:8480)
	TLSCert string `yaml:"tls_cert"` // optional: serve the dashboard over HTTPS
	TLSKey  string `yaml:"tls_key"`
	Data    string `yaml:"data"` // directory of hq.db (default: beside hq.yaml)

	PullEvery   time.Duration `yaml:"pull_every"`   // between pulls of a facility that is up to date (10s)
	DarkAfter   time.Duration `yaml:"dark_after"`   // no successful pull for this long raises "facility dark" (5m)
	BackoffMin  time.Duration `yaml:"backoff_min"`  // after every node of a facility failed (1s)…
	BackoffMax  time.Duration `yaml:"backoff_max"`  // …doubling up to (1m)
	Timeout     time.Duration `yaml:"timeout"`      // one request (30s)
	PageRecords int           `yaml:"page_records"` // records asked per page (1000)
	PageBytes   int           `yaml:"page_bytes"`   // bytes of records asked per page (1 MiB)

	Facilities []Facility `yaml:"facilities"`

	// Analysts may use the dashboard and the API (HTTP basic auth over
	// the listener; use tls_cert/tls_key off loopback). Without any, HQ
	// serves only on a loopback address.
	Analysts []Analyst `yaml:"analysts"`
}

// Analyst is an HQ account.
type Analyst struct {
	Name         string `yaml:"name"`
	PasswordHash string `yaml:"password_hash"` // bcrypt ($2a$, $2b$, $2y$)
}

// Facility is one facility HQ pulls.
type Facility struct {
	ID    string   `yaml:"id"`    // the facility's id (its audit origin)
	Name  string   `yaml:"name"`  // for people
	Nodes []string `yaml:"nodes"` // base URLs of its nodes' uplink listeners: https://host:port
	CA    string   `yaml:"ca"`    // the facility CA's certificate (PEM)
	Cert  string   `yaml:"cert"`  // HQ's central certificate issued by that CA (PEM)…
	Key   string   `yaml:"key"`   // …and its key
}

// Default returns the defaults a file is decoded over.
func Default() Config {
	return Config{
		Listen: "127.0.0.1:8480", PullEvery: 10 * time.Second, DarkAfter: 5 * time.Minute,
		BackoffMin: time.Second, BackoffMax: time.Minute, Timeout: 30 * time.Second,
		PageRecords: uplink.DefaultMaxRecords, PageBytes: uplink.DefaultMaxBytes,
	}
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Validate checks the configuration; each problem names its key path.
func (c *Config) Validate() error {
	var errs []error
	bad := func(path, format string, a ...any) {
		errs = append(errs, &FieldError{Path: path, Msg: fmt.Sprintf(format, a...)})
	}
	if c.Listen == "" {
		bad("listen", "required")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("tls_cert", "tls_cert and tls_key go together")
	}
	for _, d := range []struct {
		path string
		v    time.Duration
	}{{"pull_every", c.PullEvery}, {"dark_after", c.DarkAfter}, {"backoff_min", c.BackoffMin}, {"backoff_max", c.BackoffMax}, {"timeout", c.Timeout}} {
		if d.v <= 0 {
			bad(d.path, "must be a positive duration such as 10s, not %v", d.v)
		}
	}
	if c.BackoffMax < c.BackoffMin {
		bad("backoff_max", "%v is below backoff_min %v", c.BackoffMax, c.BackoffMin)
	}
	if c.DarkAfter <= c.PullEvery {
		bad("dark_after", "%v must exceed pull_every %v", c.DarkAfter, c.PullEvery)
	}
	if c.PageRecords < 1 || c.PageRecords > 100_000 {
		bad("page_records", "%d is not in 1..100000", c.PageRecords)
	}
	if c.PageBytes < uplink.MaxRecordBytes || c.PageBytes > 64<<20 {
		bad("page_bytes", "%d is not in %d..%d", c.PageBytes, uplink.MaxRecordBytes, 64<<20)
	}
	for i, a := range c.Analysts {
		p := fmt.Sprintf("analysts[%d]", i)
		if a.Name == "" || strings.ContainsAny(a.Name, ": ") {
			bad(p+".name", "%q: a name without spaces or colons is required", a.Name)
		}
		if !strings.HasPrefix(a.PasswordHash, "$2") {
			bad(p+".password_hash", "a bcrypt hash is required ($2a$, $2b$ or $2y$)")
		}
	}
	if len(c.Analysts) > 0 && c.TLSCert == "" && c.Listen != "" && !loopback(c.Listen) {
		bad("tls_cert", "listen %s is not a loopback address: analysts' passwords would cross the network in clear; give tls_cert and tls_key", c.Listen)
	}
	if len(c.Analysts) == 0 && c.Listen != "" && !loopback(c.Listen) {
		bad("analysts", "listen %s is not a loopback address: HQ's dashboard shows every facility, so it needs analysts' accounts", c.Listen)
	}
	if len(c.Facilities) == 0 {
		bad("facilities", "at least one facility is required")
	}
	seen := map[string]bool{}
	for i, f := range c.Facilities {
		p := fmt.Sprintf("facilities[%d]", i)
		switch {
		case !idPattern.MatchString(f.ID):
			bad(p+".id", "%q: want 1–64 of a-z 0-9 . _ - starting with a letter or digit", f.ID)
		case seen[f.ID]:
			bad(p+".id", "%q is listed twice", f.ID)
		}
		seen[f.ID] = true
		if len(f.Nodes) == 0 {
			bad(p+".nodes", "at least one node URL is required")
		}
		for j, n := range f.Nodes {
			u, err := url.Parse(n)
			if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
				bad(fmt.Sprintf("%s.nodes[%d]", p, j), "%q: want https://host:port", n)
			}
		}
		for _, k := range []struct{ key, v string }{{"ca", f.CA}, {"cert", f.Cert}, {"key", f.Key}} {
			if k.v == "" {
				bad(p+"."+k.key, "required: a PEM file")
			}
		}
	}
	return errors.Join(errs...)
}

// FieldError is one problem of hq.yaml, with its line when known.
type FieldError struct {
	File string
	Line int
	Path string
	Msg  string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is makes every FieldError match ErrConfig.
func (e *FieldError) Is(target error) bool { return target == ErrConfig }

// Load reads hq.yaml: defaults, then the file decoded strictly (unknown
// keys are errors), then Validate. Relative paths are taken from the
// file's directory. Errors carry file, line and key.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("central: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load of data read from a file named name.
func Parse(name string, data []byte) (*Config, error) {
	c := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
		msg = strings.ReplaceAll(msg, "\n  ", "; ")
		return nil, &FieldError{File: name, Msg: msg}
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	if err := c.Validate(); err != nil {
		var out []error
		for _, e := range unjoin(err) {
			var fe *FieldError
			if errors.As(e, &fe) {
				fe.File, fe.Line = name, lineOf(&root, fe.Path)
			}
			out = append(out, e)
		}
		return nil, errors.Join(out...)
	}
	dir := filepath.Dir(name)
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	c.TLSCert, c.TLSKey = abs(c.TLSCert), abs(c.TLSKey)
	if c.Data == "" {
		c.Data = dir
	}
	c.Data = abs(c.Data)
	for i := range c.Facilities {
		f := &c.Facilities[i]
		f.CA, f.Cert, f.Key = abs(f.CA), abs(f.Cert), abs(f.Key)
		for j, n := range f.Nodes {
			f.Nodes[j] = strings.TrimSuffix(n, "/")
		}
	}
	return &c, nil
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// lineOf finds the line of a key path such as "facilities[2].ca" in the
// document (0 if absent).
func lineOf(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, part := range strings.Split(path, ".") {
		key, idx, hasIdx := strings.Cut(strings.TrimSuffix(part, "]"), "[")
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			return line
		}
		if hasIdx {
			k, err := strconv.Atoi(idx)
			if err != nil || n.Kind != yaml.SequenceNode || k >= len(n.Content) {
				return line
			}
			n = n.Content[k]
			line = n.Line
		}
	}
	return line
}

// credentials are what HQ needs to pull one facility.
type credentials struct {
	roots *x509.CertPool
	cert  tls.Certificate
}

// loadCredentials reads a facility's CA and HQ's certificate for it, and
// checks that the certificate is a central one the CA issued.
func loadCredentials(f Facility, now time.Time) (credentials, error) {
	raw, err := os.ReadFile(f.CA)
	if err != nil {
		return credentials{}, fmt.Errorf("facility %s: ca: %w", f.ID, err)
	}
	roots, n := x509.NewCertPool(), 0
	for blk, rest := pem.Decode(raw); blk != nil; blk, rest = pem.Decode(rest) {
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return credentials{}, fmt.Errorf("facility %s: ca %s: %w", f.ID, f.CA, err)
		}
		roots.AddCert(c)
		n++
	}
	if n == 0 {
		return credentials{}, fmt.Errorf("facility %s: ca %s: no certificate", f.ID, f.CA)
	}
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return credentials{}, fmt.Errorf("facility %s: cert: %w", f.ID, err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return credentials{}, fmt.Errorf("facility %s: cert: %w", f.ID, err)
	}
	role, name, err := pki.Identity(leaf)
	if err == nil {
		err = pki.CheckHolder(roots, leaf, pki.RoleCentral, name, now)
	}
	if err != nil {
		return credentials{}, fmt.Errorf("facility %s: cert %s (%s %q) cannot pull this facility: %w", f.ID, f.Cert, role, name, err)
	}
	return credentials{roots: roots, cert: cert}, nil
}

// loopback reports whether a listen address only accepts local clients.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
