package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strings"
	"time"
)

// Role is what a certificate's holder is allowed to be.
type Role string

const (
	RoleNode    Role = "node"
	RoleCentral Role = "central"
	RoleConsole Role = "console"
	RoleKiosk   Role = "kiosk"
)

// Sentinel errors.
var (
	ErrRole      = errors.New("pki: certificate role not allowed here")
	ErrNoIdent   = errors.New("pki: certificate carries no palisade role")
	ErrUntrusted = errors.New("pki: certificate not signed by the facility CA")
)

// CA is a facility certificate authority.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

// NewCA creates a CA for facility, valid for ten years from now.
func NewCA(facility string, now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "Palisade CA " + facility, Organization: []string{facility}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return newCA(cert, key), nil
}

func newCA(cert *x509.Certificate, key *ecdsa.PrivateKey) *CA {
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{Cert: cert, Key: key, pool: pool}
}

// Pool returns the roots to verify peers against.
func (ca *CA) Pool() *x509.CertPool { return ca.pool }

// Issue issues a certificate for name in role, valid from now for validFor,
// with the given IP addresses and DNS names for TLS clients that check them.
//
// Node and central certificates get an Ed25519 key: their peers are Go
// programs, and a node's key also signs the audit checkpoints (see
// sync/audit). Console and kiosk certificates get ECDSA P-256, which every
// browser accepts for a TLS server.
func (ca *CA) Issue(role Role, name string, hosts []string, now time.Time, validFor time.Duration) (tls.Certificate, error) {
	var key crypto.Signer
	var err error
	if role == RoleNode || role == RoleCentral {
		_, key, err = ed25519.GenerateKey(rand.Reader)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: name, OrganizationalUnit: []string{string(role)}},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(validFor),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		URIs:         []*url.URL{{Scheme: "palisade", Opaque: string(role) + "/" + name}},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.Cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	return n
}

// Identity returns the role and name a certificate carries.
func Identity(cert *x509.Certificate) (Role, string, error) {
	for _, u := range cert.URIs {
		if u.Scheme != "palisade" {
			continue
		}
		role, name, ok := strings.Cut(u.Opaque, "/")
		if ok && name != "" {
			return Role(role), name, nil
		}
	}
	return "", "", ErrNoIdent
}

// verifier checks a peer's chain against the CA at the time of now() and
// its role against allow. Host names are not checked: the identity is the
// role and name in the certificate.
func verifier(roots *x509.CertPool, now func() time.Time, allow []Role) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return fmt.Errorf("%w: no certificate", ErrUntrusted)
		}
		certs := make([]*x509.Certificate, 0, len(raw))
		for _, r := range raw {
			c, err := x509.ParseCertificate(r)
			if err != nil {
				return fmt.Errorf("%w: %v", ErrUntrusted, err)
			}
			certs = append(certs, c)
		}
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		if _, err := certs[0].Verify(x509.VerifyOptions{
			Roots: roots, Intermediates: inter, CurrentTime: now(),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		}); err != nil {
			return fmt.Errorf("%w: %v", ErrUntrusted, err)
		}
		role, name, err := Identity(certs[0])
		if err != nil {
			return err
		}
		for _, a := range allow {
			if role == a {
				return nil
			}
		}
		return fmt.Errorf("%w: %s %q (want %v)", ErrRole, role, name, allow)
	}
}

// ServerConfig is the TLS configuration of a listener that accepts only
// peers of the allowed roles, presenting cert.
func ServerConfig(cert tls.Certificate, roots *x509.CertPool, now func() time.Time, allow ...Role) *tls.Config {
	if now == nil {
		now = time.Now
	}
	return &tls.Config{
		MinVersion:            tls.VersionTLS13,
		Certificates:          []tls.Certificate{cert},
		ClientAuth:            tls.RequireAnyClientCert, // verified below, with the role
		VerifyPeerCertificate: verifier(roots, now, allow),
	}
}

// ClientConfig is the TLS configuration of a dialer that talks only to
// servers of the allowed roles, presenting cert.
func ClientConfig(cert tls.Certificate, roots *x509.CertPool, now func() time.Time, allow ...Role) *tls.Config {
	if now == nil {
		now = time.Now
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		// The chain and the role are verified by VerifyPeerCertificate;
		// node addresses change (DHCP, :0 in tests), identities do not.
		InsecureSkipVerify:    true,
		VerifyPeerCertificate: verifier(roots, now, allow),
	}
}

// NodeTLS returns the server and client configurations of a node's cluster
// port: it presents cert and talks only to node certificates of roots.
func NodeTLS(cert tls.Certificate, roots *x509.CertPool) (server, client *tls.Config) {
	return ServerConfig(cert, roots, nil, RoleNode), ClientConfig(cert, roots, nil, RoleNode)
}

// CheckHolder reports whether cert was issued by roots to the holder name
// in role and was valid at the time at: the check of who signed an audit
// checkpoint (the caller passes it as an audit.CheckSigner).
func CheckHolder(roots *x509.CertPool, cert *x509.Certificate, role Role, name string, at time.Time) error {
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	r, n, err := Identity(cert)
	if err != nil {
		return err
	}
	if r != role || n != name {
		return fmt.Errorf("%w: certificate of %s %q, want %s %q", ErrRole, r, n, role, name)
	}
	return nil
}
