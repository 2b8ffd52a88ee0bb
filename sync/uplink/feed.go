package uplink

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// ErrCommand refuses a malformed uplink.* command.
var ErrCommand = errors.New("uplink: invalid command")

// Defaults of a Feed.
const (
	DefaultNotable     = 2
	DefaultRetainFor   = 14 * 24 * time.Hour
	DefaultRetainBytes = 64 << 20
)

// Feed is a replica.Applier that derives the facility's summary records
// from the commands Next applies, in the same transaction: the feed and the
// state cannot disagree, and every node holds the same feed. It applies
// uplink.rollup itself.
//
// Wrap it in the audit Recorder (Recorder{Next: &Feed{Next: router}}), so
// that rollup commands are leaves of the audit tree like any other.
//
// Use it by pointer: it keeps the feed's buckets open for the rest of the
// transaction it last saw. Apply runs on raft's FSM goroutine only.
type Feed struct {
	Next replica.Applier
	// Notable is the least urgent alarm priority whose lifecycle crosses
	// as records (default 2: priorities 1 and 2).
	Notable int
	// Names lets free text that may name a resident (alarm messages and
	// notes, override reasons, missing residents of a headcount) cross.
	// Off by default: HQ receives aggregates and ids.
	Names bool
	// RetainFor and RetainBytes bound the records kept (defaults 14 days,
	// 64 MiB); age is measured against the newest log time seen. A puller
	// behind the oldest record held gets a gap record.
	RetainFor   time.Duration
	RetainBytes int64
	// Derivers derive more notable records (headcount discrepancies…)
	// after the built-in ones.
	Derivers []Deriver
	Logger   *slog.Logger

	tx   *bolt.Tx // the transaction st and base belong to (FSM goroutine only)
	st   store
	base *Summary // the stored base summary, once read in tx
}

// store returns the feed's buckets in tx, opened once per transaction.
func (f *Feed) store(tx *bolt.Tx) (store, error) {
	if tx == f.tx {
		return f.st, nil
	}
	s, _, err := openStore(tx)
	if err != nil {
		return s, err
	}
	f.tx, f.st, f.base = tx, s, nil
	return s, nil
}

// Apply implements replica.Applier.
func (f *Feed) Apply(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	if strings.HasPrefix(c.Kind, "uplink.") {
		return nil, f.rollup(tx, e, c)
	}
	res, err := f.Next.Apply(tx, e, c)
	if err != nil {
		return res, err
	}
	if err := f.derive(tx, e, c, res); err != nil {
		// The state has the change but the feed could not take it: a
		// bbolt write failing inside a transaction means the file is
		// unusable, and the replica stops on the commit that follows.
		panic(fmt.Sprintf("uplink: record index %d: %v", e.Index, err))
	}
	return res, nil
}

func (f *Feed) derive(tx *bolt.Tx, e replica.Entry, c *command.Command, res []byte) error {
	var notes []Note
	var err error
	switch {
	case strings.HasPrefix(c.Kind, "alarm."):
		st, serr := f.store(tx)
		if serr != nil {
			return serr
		}
		notes, err = f.alarm(st, c, res)
	case c.Kind == kindSallyPortInput:
		notes, err = f.override(tx, c, res)
	}
	if errors.Is(err, errWrite) {
		return err
	}
	if err != nil {
		f.logger().Warn("uplink: no record derived", "kind", c.Kind, "index", e.Index, "err", err)
	}
	builtin := len(notes) // the built-in records are valid by construction
	for _, d := range f.Derivers {
		more, err := safeDerive(d, Applied{Tx: tx, Entry: e, Command: c, Result: res, Names: f.Names})
		if err != nil {
			f.logger().Warn("uplink: deriver failed", "kind", c.Kind, "index", e.Index, "err", err)
			continue
		}
		for _, n := range more {
			if n.Kind == KindGap || n.Kind == KindRollup {
				f.logger().Error("uplink: a deriver returned a reserved kind", "kind", n.Kind, "index", e.Index)
				continue
			}
			notes = append(notes, n)
		}
	}
	if len(notes) == 0 {
		return nil
	}
	st, err := f.store(tx)
	if err != nil {
		return err
	}
	for i, n := range notes {
		if err := f.append(st, e, n, i >= builtin); err != nil {
			return err
		}
	}
	return f.prune(st, e.Time)
}

// safeDerive is a deriver's recover boundary: the domain already changed
// the state, so a panicking deriver must not turn the command into a
// refusal (the replica's boundary would).
func safeDerive(d Deriver, a Applied) (notes []Note, err error) {
	defer func() {
		if r := recover(); r != nil {
			notes, err = nil, fmt.Errorf("deriver panicked: %v", r)
		}
	}()
	return d.Derive(a)
}

// append stores n as the next record; check validates it first (a
// Deriver's).
func (f *Feed) append(st store, e replica.Entry, n Note, check bool) error {
	body, err := json.Marshal(n.Body)
	if err != nil {
		f.logger().Error("uplink: a deriver returned a body that is not JSON", "kind", n.Kind, "err", err)
		return nil
	}
	seq := st.get(keySeq) + 1
	r := Record{Seq: seq, Index: e.Index, Time: e.Time.UTC(), Kind: n.Kind, Body: body}
	if check {
		if err := r.Validate(); err != nil {
			f.logger().Error("uplink: a derived record is invalid", "kind", n.Kind, "err", err)
			return nil
		}
	}
	v := r.Marshal()
	if err := st.rec.Put(u64(seq), v); err != nil {
		return err
	}
	if n.Kind == KindHeadcount {
		if err := st.meta.Put(keyHeadcount, body); err != nil {
			return err
		}
	}
	if err := st.set(keyBytes, st.get(keyBytes)+uint64(len(v))); err != nil {
		return err
	}
	return st.set(keySeq, seq)
}

// prune drops the oldest records beyond the retention, folding each into
// the base summary a gap record carries. The newest record always stays.
// Age is measured against the newest log time seen (t or earlier), so every
// node prunes the same records.
func (f *Feed) prune(st store, t time.Time) error {
	maxT := int64(st.get(keyMaxTime))
	if now := t.UnixNano(); now > maxT {
		maxT = now
		if err := st.set(keyMaxTime, uint64(now)); err != nil {
			return err
		}
	}
	retainFor, retainBytes := f.RetainFor, f.RetainBytes
	if retainFor <= 0 {
		retainFor = DefaultRetainFor
	}
	if retainBytes <= 0 {
		retainBytes = DefaultRetainBytes
	}
	cutoff := maxT - int64(retainFor)
	size, last := st.get(keyBytes), st.get(keySeq)
	pruned := false
	c := st.rec.Cursor()
	for k, v := c.First(); len(k) == 8 && binary.BigEndian.Uint64(k) < last; k, v = c.First() {
		if size <= uint64(retainBytes) {
			var head struct {
				Time time.Time `json:"time"`
			}
			if err := json.Unmarshal(v, &head); err != nil {
				return fmt.Errorf("%w: record %d: %v", ErrCorrupt, binary.BigEndian.Uint64(k), err)
			}
			if head.Time.UnixNano() >= cutoff {
				break
			}
		}
		if f.base == nil {
			b, err := st.base()
			if err != nil {
				return err
			}
			f.base = &b
		}
		r, err := ParseRecord(v)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		pruned = true
		if err := f.base.Apply(r); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		size -= uint64(len(v))
		if err := c.Delete(); err != nil {
			return err
		}
	}
	if !pruned {
		return nil
	}
	b, err := json.Marshal(f.base)
	if err != nil {
		return err
	}
	if err := st.meta.Put(keyBase, b); err != nil {
		return err
	}
	return st.set(keyBytes, size)
}

func (f *Feed) notable() int {
	if f.Notable <= 0 {
		return DefaultNotable
	}
	return f.Notable
}

func (f *Feed) logger() *slog.Logger {
	if f.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Logger
}

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
