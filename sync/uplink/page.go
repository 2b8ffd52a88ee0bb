package uplink

import (
	"encoding/json"
	"fmt"

	"github.com/palisade/palisade/sync/audit"
)

// PathRecords is the path the Handler answers on:
//
//	GET /v1/uplink/records?after=SEQ&limit=N&max_bytes=B&from=SIZE
//
// after: the puller's cursor (records after it are served); limit and
// max_bytes bound the page; from: the size of the last checkpoint the
// puller verified, for the consistency proof to the latest one.
const PathRecords = "/v1/uplink/records"

// Page is one answer of the pull protocol.
type Page struct {
	Facility string   `json:"facility"`
	Node     string   `json:"node"`  // the node that answered
	After    uint64   `json:"after"` // as asked
	Last     uint64   `json:"last"`  // the newest record this node holds
	Records  []Record `json:"records"`
	// Checkpoint is the facility's latest signed audit checkpoint (the
	// JSON of audit.Signed), and Proof its consistency with the tree of
	// the size the puller named.
	Checkpoint json.RawMessage `json:"checkpoint,omitempty"`
	Proof      *Proof          `json:"proof,omitempty"`
}

// Proof is a Merkle consistency proof between two sizes of the audit tree.
type Proof struct {
	From uint64   `json:"from"`
	To   uint64   `json:"to"`
	Path [][]byte `json:"path"`
}

// Hashes returns the path as audit hashes.
func (p Proof) Hashes() []audit.Hash {
	out := make([]audit.Hash, len(p.Path))
	for i, h := range p.Path {
		copy(out[i][:], h)
	}
	return out
}

// wirePage is Page as the handler writes it: records as stored.
type wirePage struct {
	Facility   string            `json:"facility"`
	Node       string            `json:"node"`
	After      uint64            `json:"after"`
	Last       uint64            `json:"last"`
	Records    []json.RawMessage `json:"records"`
	Checkpoint json.RawMessage   `json:"checkpoint,omitempty"`
	Proof      *Proof            `json:"proof,omitempty"`
}

// ParsePage decodes and validates a page: its fields, every record, records
// strictly increasing and after After, the checkpoint's shape (not its
// signature) and the proof's. maxRecords bounds the records accepted.
func ParsePage(b []byte, maxRecords int) (Page, error) {
	var p Page
	if err := strict(b, &p); err != nil {
		return p, fmt.Errorf("%w: page: %v", ErrMalformed, err)
	}
	switch {
	case p.Facility == "" || len(p.Facility) > maxName:
		return p, fmt.Errorf("%w: page: facility %.80q", ErrMalformed, p.Facility)
	case len(p.Node) > maxName:
		return p, fmt.Errorf("%w: page: node %.80q", ErrMalformed, p.Node)
	case len(p.Records) > maxRecords:
		return p, fmt.Errorf("%w: page of %d records, asked for at most %d", ErrMalformed, len(p.Records), maxRecords)
	}
	prev := p.After
	for i, r := range p.Records {
		if err := r.Validate(); err != nil {
			return p, err
		}
		if r.Seq <= prev {
			return p, fmt.Errorf("%w: record %d of the page has seq %d after %d: the sequence went backwards", ErrOrder, i, r.Seq, prev)
		}
		prev = r.Seq
	}
	if prev > p.Last {
		return p, fmt.Errorf("%w: page: record %d beyond the node's last %d", ErrMalformed, prev, p.Last)
	}
	if len(p.Checkpoint) > 0 {
		cp, err := audit.ParseSigned(p.Checkpoint)
		if err != nil {
			return p, fmt.Errorf("%w: page: %w", ErrMalformed, err)
		}
		if cp.Origin != p.Facility {
			return p, fmt.Errorf("%w: page of %q carries a checkpoint of %q", ErrMalformed, p.Facility, cp.Origin)
		}
		if p.Proof != nil && p.Proof.To != cp.Size {
			return p, fmt.Errorf("%w: proof to size %d, checkpoint of size %d", ErrMalformed, p.Proof.To, cp.Size)
		}
	} else if p.Proof != nil {
		return p, fmt.Errorf("%w: a proof without a checkpoint", ErrMalformed)
	}
	if p.Proof != nil {
		if p.Proof.From == 0 || p.Proof.From > p.Proof.To || len(p.Proof.Path) > 128 {
			return p, fmt.Errorf("%w: proof from %d to %d of %d hashes", ErrMalformed, p.Proof.From, p.Proof.To, len(p.Proof.Path))
		}
		for i, h := range p.Proof.Path {
			if len(h) != len(audit.Hash{}) {
				return p, fmt.Errorf("%w: proof hash %d of %d bytes", ErrMalformed, i, len(h))
			}
		}
	}
	return p, nil
}
