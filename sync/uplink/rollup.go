package uplink

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// CommandRollup is the command that makes a rollup record. The leader
// proposes it every few minutes (Ticker); the rollup's content is read from
// the state when it is applied, so every node writes the same record.
const CommandRollup = "uplink.rollup"

// Bounds of a rollup command's body.
const (
	maxMembers = 64
	maxDevices = 1000
)

// RollupBody is the payload of uplink.rollup: what only the proposing
// leader knows (the cluster as raft sees it, device health), fixed in the
// log so that every node records the same.
type RollupBody struct {
	Cluster Cluster  `json:"cluster"`
	Devices *Devices `json:"devices,omitempty"` // nil: not known
}

// rollup applies uplink.rollup: validate, then write.
func (f *Feed) rollup(tx *bolt.Tx, e replica.Entry, c *command.Command) error {
	if c.Kind != CommandRollup {
		return fmt.Errorf("%w: unknown kind %q", ErrCommand, c.Kind)
	}
	var b RollupBody
	if err := strict(c.Body, &b); err != nil {
		return fmt.Errorf("%w: rollup body: %v", ErrCommand, err)
	}
	if b.Cluster.Members < 0 || b.Cluster.Members > maxMembers || len(b.Cluster.Leader) > maxName {
		return fmt.Errorf("%w: rollup: cluster of %d members, leader %.80q", ErrCommand, b.Cluster.Members, b.Cluster.Leader)
	}
	if b.Devices != nil {
		if len(b.Devices.Offline) > maxDevices {
			return fmt.Errorf("%w: rollup: %d devices offline (at most %d)", ErrCommand, len(b.Devices.Offline), maxDevices)
		}
		for _, d := range b.Devices.Offline {
			if d == "" || len(d) > maxName {
				return fmt.Errorf("%w: rollup: device id %.80q", ErrCommand, d)
			}
		}
		b.Devices.Offline = slices.Compact(slices.Sorted(slices.Values(b.Devices.Offline)))
	}
	st, err := f.store(tx)
	if err != nil {
		return err
	}
	since := st.get(keyLastRollup)
	r := Rollup{Since: since, Entries: e.Index - since, RaisedN: st.raised(), Cluster: b.Cluster, Devices: b.Devices, Headcount: st.headcount()}
	if err := st.open.ForEach(func(_, v []byte) error {
		if len(v) == 2 && v[0] >= 1 && v[0] <= 4 {
			if v[1] == 2 {
				r.Open[v[0]-1].Acknowledged++
			} else {
				r.Open[v[0]-1].Raised++
			}
		}
		return nil
	}); err != nil {
		return err
	}
	err = f.append(st, e, Note{Kind: KindRollup, Body: r}, false)
	if err == nil {
		err = st.set(keyLastRollup, e.Index)
	}
	if err == nil {
		err = st.setRaised([4]int{})
	}
	if err == nil {
		err = f.prune(st, e.Time)
	}
	if err != nil {
		panic(fmt.Sprintf("uplink: rollup at index %d: %v", e.Index, err))
	}
	return nil
}

// RollupCommand is the uplink.rollup command of the period starting at
// period. Its id is derived from the period, so two leaders (one deposed,
// one new) proposing the same period's rollup make one record.
func RollupCommand(node string, period time.Time, body RollupBody) *command.Command {
	raw, _ := json.Marshal(body) // plain fields: cannot fail
	var id command.ID
	ms := uint64(period.UnixMilli())
	for i := 5; i >= 0; i-- {
		id[i] = byte(ms)
		ms >>= 8
	}
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte(CommandRollup), uint64(period.UnixNano())))
	copy(id[6:], h[:])
	return &command.Command{ID: id, Kind: CommandRollup, Node: node, Actor: node, Time: period.UTC(), Body: raw}
}

// Clock is the time a Ticker (and HQ's pullers) go by.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the machine's clock.
type SystemClock struct{}

// Now implements Clock.
func (SystemClock) Now() time.Time { return time.Now() }

// After implements Clock.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Proposer is what a Ticker needs of the replica.
type Proposer interface {
	IsLeader() bool
	Status() replica.Status
	Propose(ctx context.Context, c *command.Command) (replica.Result, error)
}

// Ticker proposes uplink.rollup at every multiple of Every, on the leader.
// Run it on every node; only the leader proposes.
type Ticker struct {
	Replica Proposer
	Node    string
	Every   time.Duration // default 5 minutes
	Clock   Clock         // default SystemClock
	// Devices reports the devices known to be offline; known=false leaves
	// the rollup's device health unknown. Optional.
	Devices func() (offline []string, known bool)
	Logger  *slog.Logger
}

// Run proposes rollups until ctx ends.
func (t *Ticker) Run(ctx context.Context) {
	clock, every := t.clock(), t.every()
	for {
		now := clock.Now()
		next := now.Truncate(every).Add(every)
		select {
		case <-ctx.Done():
			return
		case <-clock.After(next.Sub(now)):
		}
		if !t.Replica.IsLeader() {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, every/2)
		err := t.ProposeAt(pctx, next)
		cancel()
		if err != nil && ctx.Err() == nil {
			t.logger().Warn("uplink rollup not committed", "period", next, "err", err)
		}
	}
}

// ProposeAt proposes the rollup of the period starting at period.
func (t *Ticker) ProposeAt(ctx context.Context, period time.Time) error {
	st := t.Replica.Status()
	body := RollupBody{Cluster: Cluster{Leader: st.Leader}}
	for _, m := range st.Members {
		if m.Voter {
			body.Cluster.Members++
		}
	}
	if t.Devices != nil {
		if off, known := t.Devices(); known {
			body.Devices = &Devices{Offline: append([]string{}, off...)}
		}
	}
	_, err := t.Replica.Propose(ctx, RollupCommand(t.Node, period.Truncate(t.every()), body))
	if err != nil {
		return fmt.Errorf("propose rollup: %w", err)
	}
	return nil
}

func (t *Ticker) every() time.Duration {
	if t.Every <= 0 {
		return 5 * time.Minute
	}
	return t.Every
}

func (t *Ticker) clock() Clock {
	if t.Clock == nil {
		return SystemClock{}
	}
	return t.Clock
}

func (t *Ticker) logger() *slog.Logger {
	if t.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return t.Logger
}
