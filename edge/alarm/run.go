package alarm

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// Run replays the outbox and escalates overdue alarms every RetryInterval
// until ctx ends. It blocks; the node owns it.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.RetryInterval)
	defer t.Stop()
	for {
		if _, err := s.FlushOutbox(ctx); err != nil && ctx.Err() == nil {
			s.log.Debug("outbox flush", "err", err)
		}
		if _, err := s.EscalateDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Debug("escalation", "err", err)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// FlushOutbox proposes every waiting local alarm again and returns how many
// were committed. Each keeps its command id, so one that did commit before
// (the answer was lost with the quorum) applies once.
func (s *Service) FlushOutbox(ctx context.Context) (int, error) {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	cs, err := s.outbox.pending()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cs {
		pctx, cancel := context.WithTimeout(ctx, s.cfg.ProposeTimeout)
		_, err := s.rep.Propose(pctx, c)
		cancel()
		if err != nil && !errors.Is(err, replica.ErrRejected) {
			return n, err // still no quorum: try again next time, in order
		}
		if err := s.outbox.remove(c.ID); err != nil {
			return n, err
		}
		n++
	}
	if n > 0 {
		s.log.Info("local alarms replicated after the quorum returned", "count", n)
	}
	return n, nil
}

// EscalateDue escalates, on the leader only, every alarm left unacknowledged
// for EscalateAfter since it was raised or last escalated. It returns the
// number of alarms escalated.
func (s *Service) EscalateDue(ctx context.Context) (int, error) {
	if !s.rep.IsLeader() {
		return 0, nil
	}
	now := s.cfg.Now()
	var due []Alarm
	err := s.rep.View(func(tx *bolt.Tx) error {
		open, alarms := tx.Bucket(bucketOpen), tx.Bucket(bucketAlarms)
		if open == nil || alarms == nil {
			return nil
		}
		return open.ForEach(func(k, _ []byte) error {
			al, ok := get(alarms, string(k))
			if !ok || al.State != Raised || al.Escalations >= s.cfg.MaxEscalations {
				return nil
			}
			since := al.RaisedAt
			if al.EscalatedAt.After(since) {
				since = al.EscalatedAt
			}
			if now.Sub(since) >= s.cfg.EscalateAfter {
				due = append(due, al)
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, al := range due {
		body, _ := json.Marshal(escalateBody{ID: al.ID, Level: al.Escalations + 1})
		c := &command.Command{
			ID: escalationID(al.ID, al.Escalations+1), Kind: KindEscalate, Node: s.cfg.Node,
			Actor: "escalation-timer", Time: now.UTC(), Body: body,
		}
		pctx, cancel := context.WithTimeout(ctx, s.cfg.CommitTimeout) // a deposed leader must not stall the loop
		_, err := s.rep.Propose(pctx, c)
		cancel()
		if err != nil {
			if errors.Is(err, replica.ErrRejected) {
				continue // acknowledged meanwhile
			}
			return n, err
		}
		n++
	}
	return n, nil
}
