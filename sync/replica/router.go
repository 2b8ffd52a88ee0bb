package replica

import (
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
)

// Router is an Applier that dispatches each command to the applier of its
// domain: the part of its kind before the first dot ("alarm.raise" →
// "alarm"). A kind with no domain is rejected, not fatal: the log may hold
// commands of a newer version than this node.
type Router map[string]Applier

// Apply implements Applier.
func (r Router) Apply(tx *bolt.Tx, e Entry, c *command.Command) ([]byte, error) {
	domain, _, _ := strings.Cut(c.Kind, ".")
	a, ok := r[domain]
	if !ok {
		return nil, fmt.Errorf("no applier for command kind %q", c.Kind)
	}
	return a.Apply(tx, e, c)
}
