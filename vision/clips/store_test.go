package clips

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/vision/ingest/ingesttest"
)

// saveN saves a clip of n bytes named base, then moves the clock on by a
// minute.
func saveN(t *testing.T, s *Store, clk *ingesttest.Clock, base string, n int) string {
	t.Helper()
	res, err := s.save(base, func(w io.Writer) error {
		_, err := w.Write(make([]byte, n))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	return res.name
}

func names(t *testing.T, s *Store) []string {
	t.Helper()
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range list {
		out = append(out, c.Name)
	}
	return out
}

func TestRetentionQuotaOldestFirst(t *testing.T) {
	clk := ingesttest.NewClock(t0)
	s, err := OpenStore(StoreConfig{Dir: t.TempDir(), MaxBytes: 3500, Clock: clk}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	// Names sort the other way round from their age: age decides.
	for _, n := range []string{"e", "d", "c", "b", "a"} {
		saveN(t, s, clk, n, 1000)
	}
	pinned := func(name string) bool { return name == "d.mp4" } // an open alarm's clip
	res, err := s.Prune(pinned)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"e.mp4", "c.mp4"}; !slices.Equal(res.Deleted, want) {
		t.Errorf("deleted %v, want %v (oldest first, the pinned d kept)", res.Deleted, want)
	}
	if got := names(t, s); !slices.Equal(got, []string{"d.mp4", "b.mp4", "a.mp4"}) {
		t.Errorf("left %v", got)
	}
	if res.Kept != 3 || res.Bytes != 3000 || res.PinnedBytes != 1000 || res.OverQuota {
		t.Errorf("prune result %+v", res)
	}
}

func TestRetentionMaxAge(t *testing.T) {
	clk := ingesttest.NewClock(t0)
	s, err := OpenStore(StoreConfig{Dir: t.TempDir(), MaxAge: 24 * time.Hour, Clock: clk}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	saveN(t, s, clk, "old", 10)
	saveN(t, s, clk, "pinned-old", 10)
	clk.Advance(24 * time.Hour)
	saveN(t, s, clk, "new", 10)
	res, err := s.Prune(func(n string) bool { return n == "pinned-old.mp4" })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Deleted, []string{"old.mp4"}) {
		t.Errorf("deleted %v, want only old.mp4", res.Deleted)
	}
	// A day later still, without pins: everything but "new" has gone.
	clk.Advance(23 * time.Hour)
	res, _ = s.Prune(nil)
	if !slices.Equal(res.Deleted, []string{"pinned-old.mp4"}) || res.Kept != 1 {
		t.Errorf("second prune %+v", res)
	}
}

func TestRetentionPinnedOverQuota(t *testing.T) {
	clk := ingesttest.NewClock(t0)
	s, err := OpenStore(StoreConfig{Dir: t.TempDir(), MaxBytes: 1500, Clock: clk}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	saveN(t, s, clk, "a", 1000)
	saveN(t, s, clk, "b", 1000)
	res, err := s.Prune(func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Deleted) != 0 || !res.OverQuota || res.Bytes != 2000 {
		t.Errorf("pinned clips over the quota: %+v", res)
	}
}

func TestSaveIsAtomic(t *testing.T) {
	clk := ingesttest.NewClock(t0)
	dir := t.TempDir()
	s, err := OpenStore(StoreConfig{Dir: dir, Clock: clk}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	_, err = s.save("cam_alarm", func(w io.Writer) error {
		w.Write(make([]byte, 1<<20))
		// A writer failing halfway leaves nothing behind.
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), tmpPrefix) {
			t.Errorf("while writing, the directory holds %v, want one temporary file", entries)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("save: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("after a failed save the directory holds %v", entries)
	}
	// Names are not reused; files carry the store clock's time.
	a := saveN(t, s, clk, "cam_alarm", 1)
	b := saveN(t, s, clk, "cam_alarm", 1)
	if a != "cam_alarm.mp4" || b != "cam_alarm_2.mp4" {
		t.Errorf("names %q, %q", a, b)
	}
	if list, _ := s.List(); !list[0].Time.Equal(t0) {
		t.Errorf("clip dated %v, want the store clock's %v", list[0].Time, t0)
	}
}

func TestOpenStoreRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	left := filepath.Join(dir, tmpPrefix+"123.mp4")
	if err := os.WriteFile(left, []byte("half a clip"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "kept.mp4"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600)
	s, err := OpenStore(StoreConfig{Dir: dir}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover temporary file still there: %v", err)
	}
	if got := names(t, s); !slices.Equal(got, []string{"kept.mp4"}) {
		t.Errorf("clips %v, want only kept.mp4", got)
	}
}

func TestClipNameIsSafe(t *testing.T) {
	n := clipName("../../etc", "a/b\x00c d", t0)
	if strings.ContainsAny(n, "/\\\x00 ") || strings.Contains(n, "..") {
		t.Errorf("clip name %q", n)
	}
	if n != "------etc_a-b-c-d_20250314T092653.000Z" {
		t.Errorf("clip name %q", n)
	}
}
