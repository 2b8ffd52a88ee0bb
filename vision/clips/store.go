package clips

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// StoreConfig shapes a Store.
type StoreConfig struct {
	// Dir is the directory of the clips; it is created if missing.
	Dir string
	// MaxBytes is the disk quota of the clips (0: none). Prune deletes
	// the oldest unpinned clips until they fit.
	MaxBytes int64
	// MaxAge is how long a clip is kept (0: for ever). Prune deletes
	// older unpinned clips.
	MaxAge time.Duration
	// Clock dates the clips and tells their age (nil: the wall clock).
	Clock Clock
}

// Store is a directory of evidence clips. A clip appears under its final
// name only once it is whole: it is written to a temporary file, synced,
// then renamed. Its age is its file's modification time, set from the
// Store's clock when it is saved.
//
// Its methods may be called from any goroutine.
type Store struct {
	cfg StoreConfig
	log *slog.Logger

	mu sync.Mutex // serialises naming, renaming and pruning
}

// tmpPrefix marks files being written; they are not clips.
const tmpPrefix = ".partial-"

// clipExt is the extension of a clip.
const clipExt = ".mp4"

// OpenStore opens (creating it if needed) a directory of clips and removes
// the temporary files a crash left in it.
func OpenStore(cfg StoreConfig, log *slog.Logger) (*Store, error) {
	if cfg.Dir == "" {
		return nil, errors.New("clips store: dir: required")
	}
	if cfg.MaxBytes < 0 || cfg.MaxAge < 0 {
		return nil, fmt.Errorf("clips store %s: max_bytes %d, max_age %v: want ≥ 0", cfg.Dir, cfg.MaxBytes, cfg.MaxAge)
	}
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("clips store: %w", err)
	}
	s := &Store{cfg: cfg, log: log.With("component", "clips_store", "dir", cfg.Dir)}
	stale, err := filepath.Glob(filepath.Join(cfg.Dir, tmpPrefix+"*"))
	if err != nil {
		return nil, fmt.Errorf("clips store: %w", err)
	}
	for _, p := range stale {
		if err := os.Remove(p); err != nil {
			return nil, fmt.Errorf("clips store: stale temporary file: %w", err)
		}
		s.log.Warn("removed a clip left half-written", "file", filepath.Base(p))
	}
	return s, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.cfg.Dir }

// saved is a clip file as written.
type saved struct {
	name, path string
	size       int64
	sha256     string
}

// save writes a clip through write into a temporary file, hashing it on the
// way, syncs it and renames it to base (or base_2, base_3… if taken) plus
// the extension.
func (s *Store) save(base string, write func(io.Writer) error) (res saved, err error) {
	f, err := os.CreateTemp(s.cfg.Dir, tmpPrefix+"*"+clipExt)
	if err != nil {
		return res, fmt.Errorf("store: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	bw := bufio.NewWriterSize(cw, 256<<10)
	if err = write(bw); err != nil {
		return res, fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err = bw.Flush(); err != nil {
		return res, fmt.Errorf("store: %w", err)
	}
	if err = f.Sync(); err != nil {
		return res, fmt.Errorf("store: %w", err)
	}
	if err = f.Close(); err != nil {
		return res, fmt.Errorf("store: %w", err)
	}
	now := s.cfg.Clock.Now()
	if err = os.Chtimes(tmp, now, now); err != nil {
		return res, fmt.Errorf("store: %w", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	name := base + clipExt
	for i := 2; ; i++ {
		if _, err := os.Lstat(filepath.Join(s.cfg.Dir, name)); errors.Is(err, fs.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s_%d%s", base, i, clipExt)
	}
	path := filepath.Join(s.cfg.Dir, name)
	if err = os.Rename(tmp, path); err != nil {
		return res, fmt.Errorf("store: %w", err)
	}
	syncDir(s.cfg.Dir)
	return saved{name: name, path: path, size: cw.n, sha256: hex.EncodeToString(h.Sum(nil))}, nil
}

// syncDir makes a rename durable. A failure only risks the rename after a
// power cut, which the next start's listing shows: it is not an error of
// the save.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Info describes a clip in the store.
type Info struct {
	Name string
	Size int64
	Time time.Time // when it was saved
}

// List returns the clips in the store, oldest first.
func (s *Store) List() ([]Info, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.list()
}

func (s *Store) list() ([]Info, error) {
	des, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("clips store: %w", err)
	}
	var out []Info
	for _, de := range des {
		n := de.Name()
		if !de.Type().IsRegular() || strings.HasPrefix(n, tmpPrefix) || !strings.HasSuffix(n, clipExt) {
			continue
		}
		fi, err := de.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted meanwhile by someone else
		}
		if err != nil {
			return nil, fmt.Errorf("clips store: %w", err)
		}
		out = append(out, Info{Name: n, Size: fi.Size(), Time: fi.ModTime()})
	}
	slices.SortFunc(out, func(a, b Info) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// Pruned is what Prune did.
type Pruned struct {
	Deleted []string // clip names, oldest first
	// Kept and Bytes are the clips left and their size; PinnedBytes the
	// size of the pinned ones among them.
	Kept        int
	Bytes       int64
	PinnedBytes int64
	// OverQuota is set when the clips left exceed MaxBytes: pinned clips
	// alone are over the quota.
	OverQuota bool
}

// Prune applies the retention policy: it deletes, oldest first, the clips
// older than MaxAge and then as many as needed to bring the store within
// MaxBytes — never a clip for which pinned returns true (such as one an
// open alarm refers to). pinned may be nil.
func (s *Store) Prune(pinned func(name string) bool) (Pruned, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res Pruned
	clips, err := s.list()
	if err != nil {
		return res, err
	}
	for _, c := range clips {
		res.Bytes += c.Size
	}
	now := s.cfg.Clock.Now()
	var errs []error
	for _, c := range clips {
		pin := pinned != nil && pinned(c.Name)
		expired := s.cfg.MaxAge > 0 && now.Sub(c.Time) > s.cfg.MaxAge
		over := s.cfg.MaxBytes > 0 && res.Bytes > s.cfg.MaxBytes
		if pin || !(expired || over) {
			res.Kept++
			if pin {
				res.PinnedBytes += c.Size
			}
			continue
		}
		if err := os.Remove(filepath.Join(s.cfg.Dir, c.Name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			res.Kept++
			continue
		}
		res.Bytes -= c.Size
		res.Deleted = append(res.Deleted, c.Name)
		why := "quota"
		if expired {
			why = "age"
		}
		s.log.Info("clip deleted", "clip", c.Name, "bytes", c.Size, "saved", c.Time, "by", why)
	}
	res.OverQuota = s.cfg.MaxBytes > 0 && res.Bytes > s.cfg.MaxBytes
	if res.OverQuota {
		s.log.Warn("clips over their disk quota: pinned clips alone exceed it",
			"bytes", res.Bytes, "max_bytes", s.cfg.MaxBytes, "pinned_bytes", res.PinnedBytes)
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("clips store: prune: %w", errors.Join(errs...))
	}
	return res, nil
}

// clipName is a clip's file name without extension: camera, alarm and the
// event's UTC time, with anything but letters, digits, '-' and '_'
// replaced, so that no id can reach outside the directory.
func clipName(camera, alarm string, event time.Time) string {
	return safe(camera) + "_" + safe(alarm) + "_" + event.UTC().Format("20060102T150405.000Z")
}

func safe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 64 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}
