package audit

import (
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Sentinel errors of checkpoints.
var (
	ErrCheckpoint = errors.New("audit: malformed checkpoint")
	ErrSignature  = errors.New("audit: checkpoint signature does not verify")
	ErrKey        = errors.New("audit: the signing key is not Ed25519")
)

// Checkpoint is a statement about the tree: the tree of Size leaves of this
// facility's log has this Root.
type Checkpoint struct {
	Origin string    `json:"origin"` // the facility's id
	Size   uint64    `json:"size"`
	Root   Hash      `json:"-"`    // base64 in JSON; see wire
	Time   time.Time `json:"time"` // the signer's clock when it signed
}

// signedPrefix separates checkpoint signatures from anything else the same
// key signs (TLS 1.3 handshakes carry their own context string).
const signedPrefix = "palisade audit checkpoint v1\n"

// Body is the text that is signed: one field per line, readable by a
// person who wants to check a printed checkpoint by hand.
func (c Checkpoint) Body() []byte {
	return fmt.Appendf(nil, "%s%s\n%d\n%s\n%s\n", signedPrefix, c.Origin, c.Size,
		base64.StdEncoding.EncodeToString(c.Root[:]), c.Time.UTC().Format(time.RFC3339Nano))
}

// Signed is a checkpoint with the signature of the node that made it and
// that node's certificate, so anyone holding the facility CA can check it.
type Signed struct {
	Checkpoint
	Signer string `json:"signer"` // node id
	Cert   []byte `json:"cert"`   // DER of the signer's certificate
	Sig    []byte `json:"sig"`    // Ed25519 over Body()
}

// Sign signs c with the key of cert, which must be Ed25519 (node
// certificates are; see edge/pki).
func Sign(c Checkpoint, signer string, cert *tls.Certificate) (Signed, error) {
	key, ok := cert.PrivateKey.(ed25519.PrivateKey)
	if !ok || len(cert.Certificate) == 0 {
		return Signed{}, ErrKey
	}
	return Signed{Checkpoint: c, Signer: signer, Cert: cert.Certificate[0], Sig: ed25519.Sign(key, c.Body())}, nil
}

// wire is the JSON form of Signed, with the root in base64 like the rest.
type wire struct {
	Signed
	Root []byte `json:"root"`
}

// Marshal encodes s as JSON: the payload of an audit.checkpoint command.
func (s Signed) Marshal() []byte {
	b, _ := json.Marshal(wire{s, s.Root[:]}) // cannot fail: plain fields only
	return b
}

// ParseSigned decodes and checks the shape of a signed checkpoint (not its
// signature: see VerifySignature).
func ParseSigned(b []byte) (Signed, error) {
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		return Signed{}, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	s := w.Signed
	switch {
	case len(w.Root) != len(s.Root):
		return s, fmt.Errorf("%w: root of %d bytes", ErrCheckpoint, len(w.Root))
	case s.Origin == "" || len(s.Origin) > 256:
		return s, fmt.Errorf("%w: origin", ErrCheckpoint)
	case s.Size == 0:
		return s, fmt.Errorf("%w: size 0", ErrCheckpoint)
	case s.Signer == "" || len(s.Signer) > 256:
		return s, fmt.Errorf("%w: signer", ErrCheckpoint)
	case len(s.Sig) != ed25519.SignatureSize:
		return s, fmt.Errorf("%w: signature of %d bytes", ErrCheckpoint, len(s.Sig))
	}
	copy(s.Root[:], w.Root)
	return s, nil
}

// VerifySignature checks the signature against the certificate the
// checkpoint carries and returns that certificate. Whether the certificate
// is one the facility CA issued to a node is the caller's question: a
// CheckSigner answers it.
func (s Signed) VerifySignature() (*x509.Certificate, error) {
	cert, err := x509.ParseCertificate(s.Cert)
	if err != nil {
		return nil, fmt.Errorf("%w: certificate: %v", ErrCheckpoint, err)
	}
	pub, ok := cert.PublicKey.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: certificate key", ErrKey)
	}
	if !ed25519.Verify(pub, s.Body(), s.Sig) {
		return nil, fmt.Errorf("%w: size %d by %s", ErrSignature, s.Size, s.Signer)
	}
	return cert, nil
}

// CheckSigner decides whether cert may sign the facility's checkpoints as
// signer at the given time: typically, issued by the facility CA to the
// node of that name and valid then.
type CheckSigner func(cert *x509.Certificate, signer string, at time.Time) error

// String is a one-line summary for people.
func (s Signed) String() string {
	return "checkpoint of " + strconv.FormatUint(s.Size, 10) + " records, root " +
		base64.StdEncoding.EncodeToString(s.Root[:8]) + "…, signed by " + s.Signer + " at " +
		s.Time.UTC().Format(time.RFC3339)
}
