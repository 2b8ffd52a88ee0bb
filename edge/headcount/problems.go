package headcount

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palisade/palisade/edge/alarm"
)

// Problem kinds; each is also its alarm's kind.
const (
	// ProblemMismatch: a zone's count does not add up (counted ≠
	// expected − missing + extra). Recount. Priority 2.
	ProblemMismatch = "headcount.mismatch"
	// ProblemUnaccounted: a resident missing from their zone whom no
	// other zone counted. Priority 1.
	ProblemUnaccounted = "headcount.unaccounted"
	// ProblemDouble: a resident counted in two zones. Priority 2.
	ProblemDouble = "headcount.double_counted"
	// ProblemPresence: the officer's count and presence disagree about who
	// is in a zone: a tag without its wearer (priority 2), or someone
	// whose tag was not read there (priority 3). It does not hold the
	// count open — the officer's count is the count — but the tags need
	// looking at.
	ProblemPresence = "headcount.presence"
	// ProblemLate: the count is still open at its deadline. Priority 2.
	ProblemLate = "headcount.late"
)

// Problem is a discrepancy of a count, as it stands.
type Problem struct {
	Key      string   `json:"key"` // stable while the problem lasts
	Kind     string   `json:"kind"`
	Zone     string   `json:"zone,omitempty"`
	People   []string `json:"people,omitempty"`
	Priority int      `json:"priority"`
	Message  string   `json:"message"`
}

// Alarm is the alarm the problem raises.
func (p Problem) Alarm() alarm.Raise {
	return alarm.Raise{Key: p.Key, Kind: p.Kind, Priority: alarm.Priority(p.Priority), Zone: p.Zone, Message: p.Message}
}

// evaluate sets every zone's status and the count's problems, and clears
// the count when every zone has reconciled and every resident missing
// somewhere was counted somewhere else, once.
func (c *Count) evaluate() {
	if c.State != Open {
		c.Problems = nil
		return
	}
	var probs []Problem
	key := func(kind string, parts ...string) string {
		return fmt.Sprintf("%s/%d/%s", kind, c.ID, strings.Join(parts, "/"))
	}
	allIn, allOK := true, true
	accounted := map[string][]string{} // resident → zones whose count includes them
	missingFrom := map[string]string{} // resident → zone that reports them missing
	for i := range c.Zones {
		z := &c.Zones[i]
		e, ok := z.Current()
		if !ok {
			z.Status, allIn = Pending, false
			continue
		}
		account := sorted(append(minus(z.Expected, e.Missing), e.Extra...))
		for _, r := range account {
			accounted[r] = append(accounted[r], z.Zone)
		}
		for _, r := range e.Missing {
			missingFrom[r] = z.Zone
		}
		z.Status = Reconciled
		if e.Counted != len(account) {
			z.Status, allOK = Mismatch, false
			probs = append(probs, Problem{Key: key(ProblemMismatch, z.Zone), Kind: ProblemMismatch, Zone: z.Zone, Priority: 2,
				Message: fmt.Sprintf("count %d, %s: %s counted %d, but %d expected − %d missing + %d extra = %d: recount",
					c.ID, z.Zone, e.By, e.Counted, len(z.Expected), len(e.Missing), len(e.Extra), len(account))})
		}
		if p, ok := presenceProblem(c.ID, z, account, key(ProblemPresence, z.Zone)); ok {
			probs = append(probs, p)
		}
	}
	unaccounted := 0
	for _, r := range sortedKeys(missingFrom) {
		if len(accounted[r]) > 0 {
			continue
		}
		// Presence put them in another counted zone whose count is not in
		// yet: wait for it.
		if z, ok := c.locatedIn(r); ok && z.Zone != missingFrom[r] && z.Status == Pending {
			continue
		}
		unaccounted++
		where := "presence placed them nowhere"
		if z, ok := c.locatedIn(r); ok {
			where = "presence placed them in " + z.Zone
		} else if i := slices.IndexFunc(c.Outside, func(p Placement) bool { return p.Person == r }); i >= 0 {
			where = "presence placed them in " + c.Outside[i].Zone + ", outside the counted zones"
		}
		probs = append(probs, Problem{Key: key(ProblemUnaccounted, r), Kind: ProblemUnaccounted, Zone: missingFrom[r], People: []string{r}, Priority: 1,
			Message: fmt.Sprintf("count %d: %s missing from %s and counted in no other zone (%s)", c.ID, r, missingFrom[r], where)})
	}
	doubles := 0
	for _, r := range sortedKeys(accounted) {
		if zs := accounted[r]; len(zs) > 1 {
			doubles++
			probs = append(probs, Problem{Key: key(ProblemDouble, r), Kind: ProblemDouble, People: []string{r}, Priority: 2,
				Message: fmt.Sprintf("count %d: %s counted in %s", c.ID, r, strings.Join(zs, " and "))})
		}
	}
	if c.Late {
		probs = append(probs, Problem{Key: key(ProblemLate, "open"), Kind: ProblemLate, Priority: 2,
			Message: fmt.Sprintf("count %d (started %s by %s) is still open at its deadline: %s", c.ID,
				c.StartedAt.Format("15:04 UTC"), c.StartedBy, c.progress())})
	}
	slices.SortFunc(probs, func(a, b Problem) int { return strings.Compare(a.Key, b.Key) })
	c.Problems = probs
	if allIn && allOK && unaccounted == 0 && doubles == 0 {
		c.State, c.Problems = Cleared, nil
	}
}

// presenceProblem compares the officer's account of a zone with where
// presence put people at the start.
func presenceProblem(id uint64, z *Zone, account []string, key string) (Problem, bool) {
	untagged := minus(z.Located, account) // presence put them here; the officer did not find them
	unread := minus(account, z.Located)   // the officer found them; presence did not put them here
	if len(untagged)+len(unread) == 0 {
		return Problem{}, false
	}
	var parts []string
	prio := 3
	if len(untagged) > 0 {
		prio = 2
		parts = append(parts, fmt.Sprintf("presence placed %s here but the count did not find them (a tag without its wearer?)", strings.Join(untagged, ", ")))
	}
	if len(unread) > 0 {
		parts = append(parts, fmt.Sprintf("counted %s, whom presence did not place here (tag not read?)", strings.Join(unread, ", ")))
	}
	return Problem{Key: key, Kind: ProblemPresence, Zone: z.Zone, People: sorted(append(untagged, unread...)), Priority: prio,
		Message: fmt.Sprintf("count %d, %s: %s", id, z.Zone, strings.Join(parts, "; "))}, true
}

// locatedIn returns the counted zone presence put resident r in.
func (c *Count) locatedIn(r string) (*Zone, bool) {
	for i := range c.Zones {
		if slices.Contains(c.Zones[i].Located, r) {
			return &c.Zones[i], true
		}
	}
	return nil, false
}

// progress says how far the count is: "2 of 3 zones reconciled".
func (c *Count) progress() string {
	n := 0
	for _, z := range c.Zones {
		if z.Status == Reconciled {
			n++
		}
	}
	return fmt.Sprintf("%d of %d zones reconciled", n, len(c.Zones))
}
