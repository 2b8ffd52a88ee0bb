package pki

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// File names in a certificate directory.
const (
	CAFile    = "ca.pem"
	CAKeyFile = "ca-key.pem" // only on the machine that issues; not on nodes
)

// CertFile and KeyFile name a holder's certificate and key in a directory.
func CertFile(name string) string { return name + ".pem" }
func KeyFile(name string) string  { return name + "-key.pem" }

// Save writes the CA's certificate and key into dir (key mode 0600).
func (ca *CA) Save(dir string) error {
	key, err := x509.MarshalECPrivateKey(ca.Key)
	if err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, CAFile), "CERTIFICATE", ca.Cert.Raw, 0o644); err != nil {
		return err
	}
	return writePEM(filepath.Join(dir, CAKeyFile), "EC PRIVATE KEY", key, 0o600)
}

// LoadCA reads a CA saved by Save.
func LoadCA(dir string) (*CA, error) {
	certDER, err := readPEM(filepath.Join(dir, CAFile), "CERTIFICATE")
	if err != nil {
		return nil, err
	}
	keyDER, err := readPEM(filepath.Join(dir, CAKeyFile), "EC PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", CAFile, err)
	}
	key, err := x509.ParseECPrivateKey(keyDER)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", CAKeyFile, err)
	}
	if !key.PublicKey.Equal(cert.PublicKey.(*ecdsa.PublicKey)) {
		return nil, errors.New("pki: CA key does not match the CA certificate")
	}
	return newCA(cert, key), nil
}

// LoadPool reads only the CA certificate: what a node needs to verify peers.
func LoadPool(dir string) (*x509.CertPool, error) {
	der, err := readPEM(filepath.Join(dir, CAFile), "CERTIFICATE")
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", CAFile, err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool, nil
}

// SaveCert writes a holder's certificate chain and key into dir.
func SaveCert(dir, name string, c tls.Certificate) error {
	var chain []byte
	for _, der := range c.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	if err := os.WriteFile(filepath.Join(dir, CertFile(name)), chain, 0o644); err != nil {
		return err
	}
	key, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return err
	}
	return writePEM(filepath.Join(dir, KeyFile(name)), "PRIVATE KEY", key, 0o600)
}

// LoadCert reads a holder's certificate and key saved by SaveCert.
func LoadCert(dir, name string) (tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(filepath.Join(dir, CertFile(name)), filepath.Join(dir, KeyFile(name)))
	if err != nil {
		return c, fmt.Errorf("pki: certificate of %s in %s: %w", name, dir, err)
	}
	return c, nil
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode)
}

func readPEM(path, typ string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != typ {
		return nil, fmt.Errorf("pki: %s: no %s block", path, typ)
	}
	return blk.Bytes, nil
}
