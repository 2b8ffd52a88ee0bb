package central

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/palisade/palisade/sync/audit"
)

// Clock is the time pullers go by (uplink.SystemClock in production; a
// fake one in tests).
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// puller pulls one facility: from the node that answered last, moving on
// to the next node when one fails; after every node failed, it waits with
// exponential backoff. Only its run goroutine touches the fields above mu.
type puller struct {
	fac     Facility
	cfg     *Config
	fetch   *fetcher
	witness witness
	store   *Store
	clock   Clock
	log     *slog.Logger
	m       *metrics

	node    int    // index of the node to try first
	cursor  uint64 // as committed
	checked *audit.Signed
	backoff time.Duration

	mu     sync.Mutex
	status pullStatus
}

// pullStatus is what the API shows of a puller.
type pullStatus struct {
	LastOK      time.Time `json:"last_ok,omitzero"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Node        string    `json:"node,omitempty"`
	Dark        bool      `json:"dark"`
}

func (p *puller) snapshot() pullStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// load resumes from the store: cursor, witnessed checkpoint, last contact,
// an open dark alarm. A facility never contacted is given dark_after from
// now before it is called dark.
func (p *puller) load(now time.Time) error {
	st, err := p.store.Facility(p.fac.ID)
	if err != nil {
		return err
	}
	p.cursor, p.checked = st.Cursor, st.Checkpoint
	p.status.LastOK, p.status.Node = st.Contact.At, st.Contact.Node
	if p.status.LastOK.IsZero() {
		p.status.LastOK = now
	}
	open, err := p.store.Alarms(p.fac.ID, true)
	for _, a := range open {
		p.status.Dark = p.status.Dark || a.Kind == AlarmDark
	}
	if p.checked != nil {
		p.m.witness.WithLabelValues(p.fac.ID).Set(float64(p.checked.Size))
	}
	if !st.Contact.At.IsZero() {
		p.m.contact.WithLabelValues(p.fac.ID).Set(float64(st.Contact.At.Unix()))
	}
	return err
}

// run pulls until ctx ends.
func (p *puller) run(ctx context.Context) {
	defer p.fetch.close()
	for {
		more, err := p.pull(ctx)
		if ctx.Err() != nil {
			return
		}
		p.checkDark()
		wait := p.cfg.PullEvery
		switch {
		case err != nil:
			if p.backoff == 0 {
				p.backoff = p.cfg.BackoffMin
			} else {
				p.backoff = min(2*p.backoff, p.cfg.BackoffMax)
			}
			// ±20 %: many facilities cut by one WAN outage do not all
			// come back in step.
			wait = p.backoff + time.Duration((rand.Float64()-0.5)*0.4*float64(p.backoff))
		case more:
			p.backoff, wait = 0, 0
		default:
			p.backoff = 0
		}
		// Wake up in time to call the facility dark on time.
		if st := p.snapshot(); !st.Dark {
			if until := st.LastOK.Add(p.cfg.DarkAfter).Sub(p.clock.Now()); until > 0 && until < wait {
				wait = until
			}
		}
		if wait <= 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-p.clock.After(wait):
		}
	}
}

// pull tries the nodes in turn, from the one that answered last, until one
// gives a page. more: the node holds records beyond it.
func (p *puller) pull(ctx context.Context) (more bool, err error) {
	var errs []error
	for i := range p.fac.Nodes {
		k := (p.node + i) % len(p.fac.Nodes)
		more, err := p.pullFrom(ctx, p.fac.Nodes[k])
		if err == nil {
			p.node = k
			return more, nil
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		errs = append(errs, err)
	}
	err = errors.Join(errs...)
	p.mu.Lock()
	p.status.LastError = err.Error()
	p.mu.Unlock()
	return false, err
}

func (p *puller) pullFrom(ctx context.Context, node string) (more bool, err error) {
	start, now := time.Now(), p.clock.Now()
	p.mu.Lock()
	p.status.LastAttempt = now
	p.mu.Unlock()
	defer func() { p.count(node, err) }()
	var from uint64
	if p.checked != nil {
		from = p.checked.Size
	}
	page, size, err := p.fetch.fetch(ctx, node, p.cursor, from)
	p.m.bytes.WithLabelValues(p.fac.ID).Add(float64(size))
	if err != nil {
		return false, err
	}
	cp, werr := p.witness.check(p.checked, page)
	res, err := p.store.Commit(Batch{Facility: p.fac.ID, Contact: Contact{At: now, Node: node}, Records: page.Records, Last: page.Last, Checkpoint: cp})
	if err != nil {
		return false, fmt.Errorf("%s: %w", node, err)
	}
	// Committed: only now does the cursor move.
	p.cursor = res.Cursor
	if cp != nil {
		p.checked = cp
		p.m.witness.WithLabelValues(p.fac.ID).Set(float64(cp.Size))
	}
	p.m.records.WithLabelValues(p.fac.ID).Add(float64(res.New))
	p.m.dups.WithLabelValues(p.fac.ID).Add(float64(res.Duplicates))
	p.m.contact.WithLabelValues(p.fac.ID).Set(float64(now.Unix()))
	p.m.backlog.WithLabelValues(p.fac.ID).Set(float64(page.Last - min(page.Last, p.cursor)))
	p.m.duration.Observe(time.Since(start).Seconds())
	if werr != nil {
		p.alarm(AlarmWitness, node, werr.Error())
	}
	if g := res.Gap; g != nil {
		p.alarm(AlarmRecordsLost, node, fmt.Sprintf("records %d–%d were pruned by the facility before HQ pulled them (an outage longer than its retention); HQ received the facility's summary as of record %d instead", g.From, g.To, g.To))
	}
	p.mu.Lock()
	wasDark := p.status.Dark
	p.status.LastOK, p.status.Node, p.status.LastError, p.status.Dark = now, node, "", false
	p.mu.Unlock()
	if wasDark {
		if _, err := p.store.Resolve(p.fac.ID+"/"+AlarmDark, "hq", now); err != nil {
			p.log.Error("dark alarm not cleared", "err", err)
		}
		p.log.Info("facility back in contact", "node", node)
	}
	return p.cursor < page.Last && len(page.Records) > 0, nil
}

// count records a pull's outcome; bad input from a node raises an alarm.
func (p *puller) count(node string, err error) {
	result := resultOK
	switch {
	case err == nil:
	case errors.Is(err, ErrBehind):
		result = resultBehind
		p.log.Debug("node behind HQ", "node", node, "err", err)
	case rejected(err):
		result = resultRejected
		p.alarm(AlarmRejected, node, err.Error())
	default:
		result = resultTransport
		p.log.Debug("pull failed", "node", node, "err", err)
	}
	p.m.pulls.WithLabelValues(p.fac.ID, result).Inc()
}

func (p *puller) alarm(kind, node, msg string) {
	a, opened, err := p.store.Raise(p.fac.ID, kind, node, msg, p.clock.Now())
	if err != nil {
		p.log.Error("HQ alarm not stored", "kind", kind, "err", err)
		return
	}
	if opened {
		p.log.Warn("HQ alarm", "kind", kind, "node", node, "message", msg)
	} else {
		p.log.Debug("HQ alarm repeated", "kind", kind, "count", a.Count, "message", msg)
	}
}

// checkDark raises "facility dark" once no pull has succeeded for
// dark_after.
func (p *puller) checkDark() {
	now := p.clock.Now()
	p.mu.Lock()
	st := p.status
	dark := !st.Dark && now.Sub(st.LastOK) >= p.cfg.DarkAfter
	if dark {
		p.status.Dark = true
	}
	p.mu.Unlock()
	if dark {
		msg := fmt.Sprintf("no pull has succeeded since %s (%v)", st.LastOK.UTC().Format(time.RFC3339), now.Sub(st.LastOK).Round(time.Second))
		if st.LastError != "" {
			msg += "; last error: " + st.LastError
		}
		p.alarm(AlarmDark, "", msg)
	}
}
