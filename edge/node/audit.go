package node

import (
	"encoding/hex"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/sync/audit"
	"github.com/palisade/palisade/sync/replica"
)

// auditLog adapts the replica's audit tree to the API.
type auditLog struct{ rep *replica.Replica }

func (a auditLog) AuditStatus() (api.AuditStatus, error) {
	var st api.AuditStatus
	err := a.rep.View(func(tx *bolt.Tx) error {
		var err error
		if st.Records, err = audit.Size(tx); err != nil {
			return err
		}
		last, n, err := audit.Latest(tx)
		if err != nil || n == 0 {
			return err
		}
		st.Checkpoints, st.Signed, st.SignedAt, st.SignedBy = int(n), last.Size, last.Time, last.Signer
		st.Root = hex.EncodeToString(last.Root[:])
		return nil
	})
	return st, err
}
