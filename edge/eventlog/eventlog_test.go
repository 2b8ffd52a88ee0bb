package eventlog

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/replica"
)

func TestJournalKeepsOrderAndPrunesByRetention(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := Applier{Retention: time.Hour}
	t0 := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	for i, kind := range []string{"door.opened", "door.closed", "door.opened"} {
		c, _ := Command(Event{Kind: kind, Device: "a-101-door"}, "a-101-door")
		c.Time = t0.Add(time.Duration(i) * 40 * time.Minute)
		if err := db.Update(func(tx *bolt.Tx) error {
			_, err := a.Apply(tx, replica.Entry{Index: uint64(i + 1), Time: c.Time}, c)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	var got []Event
	db.View(func(tx *bolt.Tx) error { got = Recent(tx, 10); return nil })
	// The first (t0) is older than an hour before the last (t0+80m): pruned.
	if len(got) != 2 || got[0].Kind != "door.opened" || !got[0].At.Equal(t0.Add(80*time.Minute)) || got[1].Kind != "door.closed" {
		t.Errorf("journal %+v", got)
	}
	bad, _ := Command(Event{}, "x")
	bad.Time = t0
	err = db.Update(func(tx *bolt.Tx) error { _, err := a.Apply(tx, replica.Entry{Index: 9, Time: t0}, bad); return err })
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("event without kind: %v", err)
	}
}
