package evidence

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func clipOf(alarm, name, sum string) Clip {
	return Clip{Alarm: alarm, Camera: "yard-camera", Name: name, Size: 812345, DurationMS: 20133, Frames: 302,
		Width: 640, Height: 360, SHA256: sum, Event: t0, Start: t0.Add(-10 * time.Second)}
}

var (
	sumA = strings.Repeat("ab", 32)
	sumB = strings.Repeat("cd", 32)
)

// apply applies the commands in order to a state file, as a replica would,
// and returns each command's result or error.
func apply(t *testing.T, path string, cs ...*command.Command) ([][]byte, []error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var results [][]byte
	var errs []error
	for i, c := range cs {
		c.Time = t0.Add(time.Duration(i) * time.Second)
		var res []byte
		var aerr error
		err := db.Update(func(tx *bolt.Tx) error {
			res, aerr = Applier{}.Apply(tx, replica.Entry{Index: uint64(i + 1), Time: c.Time}, c)
			return aerr // a refused command changes nothing
		})
		if err != nil && aerr == nil {
			t.Fatal(err)
		}
		results, errs = append(results, res), append(errs, aerr)
	}
	return results, errs
}

func mustCommand(t *testing.T, c Clip, node string) *command.Command {
	t.Helper()
	cmd, err := Command(c, node, c.Camera)
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

// Two nodes applying the same log hold the same records, byte for byte;
// records are found by alarm and by name; a retry changes nothing; the
// same name with another hash is refused.
func TestApplyIsDeterministic(t *testing.T) {
	c1 := mustCommand(t, clipOf("a1", "yard-camera_a1_20261127T090000.000Z.mp4", sumA), "node-3")
	c2 := mustCommand(t, clipOf("a1", "yard-camera_a1_20261127T090500.000Z.mp4", sumB), "node-3")
	c3 := mustCommand(t, clipOf("a2", "sp-camera_a2_20261127T090000.000Z.mp4", sumB), "node-1")
	retry := mustCommand(t, clipOf("a1", "yard-camera_a1_20261127T090000.000Z.mp4", sumA), "node-3")
	forged := mustCommand(t, clipOf("a1", "yard-camera_a1_20261127T090000.000Z.mp4", sumB), "node-3")
	stolen := mustCommand(t, clipOf("a9", "yard-camera_a1_20261127T090000.000Z.mp4", sumA), "node-3")

	dir := t.TempDir()
	var dumps [2][]byte
	for i, name := range []string{"n1.db", "n2.db"} {
		path := filepath.Join(dir, name)
		_, errs := apply(t, path, c1, c2, c3, retry, forged, stolen)
		for j, err := range errs[:4] {
			if err != nil {
				t.Fatalf("command %d: %v", j, err)
			}
		}
		if !errors.Is(errs[4], ErrConflict) || !errors.Is(errs[5], ErrConflict) {
			t.Fatalf("another hash, another alarm under a recorded name: %v, %v; want ErrConflict", errs[4], errs[5])
		}
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		err = db.View(func(tx *bolt.Tx) error {
			got := ForAlarm(tx, "a1")
			if len(got) != 2 || got[0].SHA256 != sumA || got[1].SHA256 != sumB || got[0].Node != "node-3" ||
				got[0].Index != 1 || !got[0].RecordedAt.Equal(t0) || got[0].DurationMS != 20133 {
				t.Errorf("clips of a1: %+v", got)
			}
			if got := ForAlarm(tx, "a"); len(got) != 0 {
				t.Errorf("clips of a (a prefix of a1): %+v", got)
			}
			c, ok := ByName(tx, "sp-camera_a2_20261127T090000.000Z.mp4")
			if !ok || c.Alarm != "a2" || c.Node != "node-1" {
				t.Errorf("by name: %+v %v", c, ok)
			}
			if _, ok := ByName(tx, "nothing.mp4"); ok {
				t.Error("found an unknown clip")
			}
			var buf bytes.Buffer
			for _, b := range [][]byte{bucketClips, bucketNames} {
				_ = tx.Bucket(b).ForEach(func(k, v []byte) error { buf.Write(k); buf.Write(v); return nil })
			}
			dumps[i] = buf.Bytes()
			return nil
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(dumps[0], dumps[1]) {
		t.Error("two state files from the same log differ")
	}
}

// Records that cannot be evidence are refused with the field named, by
// Command and by the Applier (a proposer that skipped Command).
func TestInvalid(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Clip)
		want string
	}{
		{func(c *Clip) { c.Alarm = "" }, "alarm"},
		{func(c *Clip) { c.Name = "../../etc/passwd.mp4" }, "name"},
		{func(c *Clip) { c.Name = "clip.jpg" }, "name"},
		{func(c *Clip) { c.SHA256 = strings.ToUpper(sumA) }, "sha256"},
		{func(c *Clip) { c.SHA256 = sumA[:63] }, "sha256"},
		{func(c *Clip) { c.Size = 0 }, "size"},
		{func(c *Clip) { c.Frames = -1 }, "frames"},
	} {
		c := clipOf("a1", "yard-camera_a1_x.mp4", sumA)
		tc.edit(&c)
		if _, err := Command(c, "node-3", "cam"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Command with bad %s: %v", tc.want, err)
		}
		raw := &command.Command{ID: command.NewID(), Kind: KindClip, Node: "node-3", Body: []byte(`{"alarm":"` + c.Alarm + `","camera":"cam","name":"` + c.Name + `","size":` + "1" + `,"sha256":"` + c.SHA256 + `"}`)}
		if tc.want == "size" || tc.want == "frames" {
			continue // the raw body above does not carry those
		}
		_, errs := apply(t, filepath.Join(t.TempDir(), "s.db"), raw)
		if !errors.Is(errs[0], ErrInvalid) || !strings.Contains(errs[0].Error(), tc.want) {
			t.Errorf("Apply with bad %s: %v", tc.want, errs[0])
		}
	}
	noNode := mustCommand(t, clipOf("a1", "x.mp4", sumA), "")
	if _, errs := apply(t, filepath.Join(t.TempDir(), "s.db"), noNode); !errors.Is(errs[0], ErrInvalid) {
		t.Errorf("a record no node serves: %v", errs[0])
	}
}
