package evidence

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/sync/command"
	"github.com/palisade/palisade/sync/replica"
)

// KindClip is the command kind that records an evidence clip.
const KindClip = "evidence.clip"

// Sentinel errors of the domain.
var (
	// ErrInvalid: the record misses a field or holds one out of bounds;
	// the message names it.
	ErrInvalid = errors.New("evidence: invalid clip record")
	// ErrConflict: a clip of that name is already recorded with another
	// hash or for another alarm. Evidence is never rewritten.
	ErrConflict = errors.New("evidence: clip already recorded differently")
)

var (
	bucketClips = []byte("evidence_clips") // alarm id, 0, clip name → JSON Clip
	bucketNames = []byte("evidence_names") // clip name → alarm id
)

// Clip is one recorded evidence clip.
type Clip struct {
	Alarm  string `json:"alarm"`  // the alarm the clip is evidence for
	Camera string `json:"camera"` // device id
	// Node holds the file and serves it: the node that proposed the
	// record (set from the command when applied).
	Node string `json:"node"`
	// Name is the file's name in the node's clip store (an .mp4).
	Name       string `json:"name"`
	Size       int64  `json:"size"`        // bytes
	DurationMS int64  `json:"duration_ms"` // time the clip covers
	Frames     int    `json:"frames"`
	Width      int    `json:"width,omitempty"`
	Height     int    `json:"height,omitempty"`
	// SHA256 is the hex SHA-256 of the file's bytes.
	SHA256 string `json:"sha256"`
	// Event is when the alarm's event happened, Start when the clip's
	// first picture was presented.
	Event time.Time `json:"event"`
	Start time.Time `json:"start"`
	// Note says what the clip lacks of its requested window, if anything.
	Note string `json:"note,omitempty"`
	// RecordedAt and Index say when the record was committed (the
	// command's time and log index); set when applied.
	RecordedAt time.Time `json:"recorded_at"`
	Index      uint64    `json:"index"`
}

// Command returns the command that records clip c, proposed by node (which
// must hold the file) on behalf of actor (the camera).
func Command(c Clip, node, actor string) (*command.Command, error) {
	c.Node, c.RecordedAt, c.Index = "", time.Time{}, 0
	if err := c.check(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return &command.Command{ID: command.NewID(), Kind: KindClip, Node: node, Actor: actor, Body: body}, nil
}

// check validates the fields a proposer sets.
func (c *Clip) check() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Alarm == "" || len(c.Alarm) > 64:
		return bad("alarm", "an alarm id of 1 to 64 bytes")
	case c.Camera == "" || len(c.Camera) > 64:
		return bad("camera", "a device id of 1 to 64 bytes")
	case !fileName(c.Name):
		return bad("name", "%q: want a file name of letters, digits, '-', '_' and '.' ending in .mp4, at most 200 bytes", c.Name)
	case c.Size <= 0:
		return bad("size", "%d bytes", c.Size)
	case c.DurationMS < 0 || c.Frames < 0 || c.Width < 0 || c.Height < 0:
		return bad("duration_ms, frames, width, height", "must not be negative")
	case !isSHA256(c.SHA256):
		return bad("sha256", "%q: want 64 lowercase hex digits", c.SHA256)
	case len(c.Note) > 1000:
		return bad("note", "longer than 1000 bytes")
	}
	return nil
}

func fileName(s string) bool {
	if len(s) < 5 || len(s) > 200 || s[0] == '.' || s[len(s)-4:] != ".mp4" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// Applier applies evidence commands. It reads nothing but the command and
// its own buckets, so every node derives the same records.
type Applier struct{}

// Apply implements replica.Applier. The result is the JSON Clip as stored.
func (Applier) Apply(tx *bolt.Tx, e replica.Entry, c *command.Command) ([]byte, error) {
	if c.Kind != KindClip {
		return nil, fmt.Errorf("%w: unknown command kind %q", ErrInvalid, c.Kind)
	}
	var clip Clip
	if err := json.Unmarshal(c.Body, &clip); err != nil {
		return nil, fmt.Errorf("%w: body: %v", ErrInvalid, err)
	}
	if err := clip.check(); err != nil {
		return nil, err
	}
	if c.Node == "" {
		return nil, fmt.Errorf("%w: the command names no node to serve the file", ErrInvalid)
	}
	clip.Node, clip.RecordedAt, clip.Index = c.Node, c.Time.UTC(), e.Index
	clips, err := tx.CreateBucketIfNotExists(bucketClips)
	if err != nil {
		return nil, err
	}
	names, err := tx.CreateBucketIfNotExists(bucketNames)
	if err != nil {
		return nil, err
	}
	key := clipKey(clip.Alarm, clip.Name)
	if alarm := names.Get([]byte(clip.Name)); alarm != nil {
		var prev Clip
		_ = json.Unmarshal(clips.Get(clipKey(string(alarm), clip.Name)), &prev)
		if string(alarm) == clip.Alarm && prev.SHA256 == clip.SHA256 && prev.Node == clip.Node && prev.Size == clip.Size {
			return json.Marshal(prev) // recorded already: a retry
		}
		return nil, fmt.Errorf("%w: %s is recorded for alarm %s with SHA-256 %s", ErrConflict, clip.Name, alarm, prev.SHA256)
	}
	v, err := json.Marshal(clip)
	if err != nil {
		return nil, err
	}
	if err := clips.Put(key, v); err != nil {
		return nil, err
	}
	if err := names.Put([]byte(clip.Name), []byte(clip.Alarm)); err != nil {
		return nil, err
	}
	return v, nil
}

func clipKey(alarm, name string) []byte {
	k := make([]byte, 0, len(alarm)+1+len(name))
	k = append(k, alarm...)
	k = append(k, 0)
	return append(k, name...)
}

// ForAlarm returns the clips recorded for an alarm, in name order (names
// begin with the camera and end with the event's time).
func ForAlarm(tx *bolt.Tx, alarm string) []Clip {
	b := tx.Bucket(bucketClips)
	if b == nil {
		return nil
	}
	prefix := append([]byte(alarm), 0)
	var out []Clip
	cur := b.Cursor()
	for k, v := cur.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = cur.Next() {
		var c Clip
		if json.Unmarshal(v, &c) == nil {
			out = append(out, c)
		}
	}
	return out
}

// ByName returns the record of a clip by its file name.
func ByName(tx *bolt.Tx, name string) (Clip, bool) {
	names, clips := tx.Bucket(bucketNames), tx.Bucket(bucketClips)
	if names == nil || clips == nil {
		return Clip{}, false
	}
	alarm := names.Get([]byte(name))
	if alarm == nil {
		return Clip{}, false
	}
	var c Clip
	if json.Unmarshal(clips.Get(clipKey(string(alarm), name)), &c) != nil {
		return Clip{}, false
	}
	return c, true
}
