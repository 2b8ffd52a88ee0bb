package node

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/pki"
)

// watchCertificates raises an alarm when a certificate this node uses comes
// within 30 days (priority 3), 7 days (2) of its end, or has expired (1):
// once per step per run of the node, checked at start and every hour.
func (n *Node) watchCertificates(ctx context.Context, certs func() []*x509.Certificate) {
	raised := map[string]bool{}
	check := func() {
		for _, e := range pki.CheckExpiry(n.opts.Now(), certs()...) {
			key := "certificate/" + e.Name + "/" + e.Step
			if raised[key] {
				continue
			}
			raised[key] = true
			_, _ = n.Alarms.RaiseLocal(ctx, alarm.Raise{
				Key: key, Kind: "certificate.expiring", Priority: alarm.Priority(e.Priority),
				Device: n.opts.NodeID, Message: e.Message(),
			})
		}
	}
	check()
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			check()
		case <-ctx.Done():
			return
		}
	}
}
