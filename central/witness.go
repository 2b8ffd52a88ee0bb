package central

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/palisade/palisade/edge/pki"
	"github.com/palisade/palisade/sync/audit"
	"github.com/palisade/palisade/sync/uplink"
)

// witness checks the audit checkpoints a facility's nodes present: HQ is
// the party outside the facility that remembers what was signed, so a
// facility cannot rewrite its log and re-sign it without HQ noticing.
type witness struct {
	origin string
	roots  *x509.CertPool
}

// check verifies the page's checkpoint against prev, the last one HQ
// witnessed (nil: none yet). It returns the checkpoint to remember (nil:
// keep prev) or an error wrapping ErrWitness. A checkpoint smaller than
// prev is a node that is behind: nothing to witness yet.
func (w witness) check(prev *audit.Signed, p uplink.Page) (*audit.Signed, error) {
	if len(p.Checkpoint) == 0 {
		return nil, nil
	}
	cp, err := audit.ParseSigned(p.Checkpoint)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWitness, err)
	}
	if cp.Origin != w.origin {
		return nil, fmt.Errorf("%w: checkpoint of %q presented for %q", ErrWitness, cp.Origin, w.origin)
	}
	cert, err := cp.VerifySignature()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWitness, err)
	}
	// The signer's certificate must be a node certificate of the facility
	// CA, valid when it signed.
	if err := pki.CheckHolder(w.roots, cert, pki.RoleNode, cp.Signer, cp.Time); err != nil {
		return nil, fmt.Errorf("%w: checkpoint of size %d signed by %s: %v", ErrWitness, cp.Size, cp.Signer, err)
	}
	switch {
	case prev == nil:
		return &cp, nil // the first one HQ sees: trusted on first use
	case cp.Size < prev.Size:
		return nil, nil
	case cp.Size == prev.Size:
		if cp.Root != prev.Root {
			return nil, fmt.Errorf("%w: two checkpoints of size %d with different roots (signed by %s at %s and by %s at %s)",
				ErrWitness, cp.Size, prev.Signer, prev.Time.Format(time.RFC3339), cp.Signer, cp.Time.Format(time.RFC3339))
		}
		return nil, nil
	}
	if p.Proof == nil || p.Proof.From != prev.Size {
		return nil, fmt.Errorf("%w: checkpoint of size %d came without a consistency proof from size %d", ErrWitness, cp.Size, prev.Size)
	}
	if err := audit.VerifyConsistency(prev.Size, cp.Size, prev.Root, cp.Root, p.Proof.Hashes()); err != nil {
		return nil, fmt.Errorf("%w: the audit log of size %d (signed by %s at %s) is not a prefix of the one of size %d signed by %s at %s — records were rewritten or removed: %v",
			ErrWitness, prev.Size, prev.Signer, prev.Time.Format(time.RFC3339), cp.Size, cp.Signer, cp.Time.Format(time.RFC3339), err)
	}
	return &cp, nil
}
