package headcount

import (
	"encoding/json"
	"strings"

	"github.com/palisade/palisade/sync/uplink"
)

// Uplink derives what headquarters sees of the counts: a headcount record
// when a count starts, when an officer's entry raises a discrepancy, and
// when the count clears or is called off — totals always, the names of the
// residents not accounted for only when the facility lets names cross.
// The feed keeps the latest for its rollups.
func Uplink() uplink.Deriver { return uplink.DeriverFunc(derive) }

func derive(a uplink.Applied) ([]uplink.Note, error) {
	if !strings.HasPrefix(a.Command.Kind, "headcount.") {
		return nil, nil
	}
	var o Outcome
	if err := json.Unmarshal(a.Result, &o); err != nil {
		return nil, err
	}
	if a.Command.Kind != KindStart && o.State == Open && len(o.Raise) == 0 {
		return nil, nil // a zone reconciled in an open count: the rollup says enough
	}
	c, ok := Get(a.Tx, o.Count)
	if !ok {
		return nil, nil
	}
	h := uplink.Headcount{Cleared: c.State == Cleared}
	var missing []string
	for _, z := range c.Zones {
		h.Expected += len(z.Expected)
		if e, ok := z.Current(); ok {
			h.Counted += e.Counted
			missing = append(missing, e.Missing...)
		} else {
			h.Counted += len(z.Located)
		}
	}
	missing = append(missing, c.Unplaced...)
	h.MissingCount = len(missing)
	if a.Names {
		h.Missing = sorted(missing)
	}
	return []uplink.Note{{Kind: uplink.KindHeadcount, Body: h}}, nil
}
