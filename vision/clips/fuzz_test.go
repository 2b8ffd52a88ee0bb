package clips

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
)

var update = flag.Bool("update", false, "rewrite the seed corpus under testdata/fuzz")

// splitStream cuts bytes into access units as an Annex-B reader would: NAL
// units at 00 00 01; a new access unit at a slice whose first_mb_in_slice
// is 0, or at a non-slice unit, after a slice (ITU-T H.264 7.4.1.2.3).
// Whatever the bytes, it never fails: all of them reach Push, empty NAL
// units included.
func splitStream(b []byte) [][][]byte {
	var aus [][][]byte
	var cur [][]byte
	slice := false
	for _, n := range bytes.Split(b, []byte{0, 0, 1})[1:] {
		vcl := len(n) > 0 && n[0]&0x1f >= 1 && n[0]&0x1f <= 5
		if slice && (!vcl || len(n) > 1 && n[1]&0x80 != 0) {
			aus = append(aus, cur)
			cur, slice = nil, false
		}
		cur = append(cur, n)
		slice = slice || vcl
	}
	return append(aus, cur)
}

// joinStream is the inverse of splitStream for well-formed access units.
func joinStream(aus [][][]byte) []byte {
	var b []byte
	for _, au := range aus {
		for _, n := range au {
			b = append(b, 0, 0, 1)
			b = append(b, n...)
		}
	}
	return b
}

// fuzzTime is the time of access unit i: 15 fps, moved by up to ±jitter
// milliseconds, so that times also go backwards.
func fuzzTime(i int, jitter uint16) time.Time {
	d := time.Duration(i) * time.Second / 15
	if jitter > 0 {
		d += time.Duration(int(uint16(i*7919)%(2*jitter+1))-int(jitter)) * time.Millisecond
	}
	return t0.Add(d)
}

// FuzzPush feeds arbitrary bytes as a camera's access units, then writes
// what the buffer kept as a clip and reads it back with mediacommon: no
// panic, and every kept picture is in the file as it was given.
func FuzzPush(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s.stream, s.jitter)
	}
	store, err := OpenStore(StoreConfig{Dir: f.TempDir()}, nil) // not written to
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, stream []byte, jitter uint16) {
		r, err := New(Config{Camera: "fuzz", MaxBytes: 1 << 20}, store, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for i, au := range splitStream(stream) {
			r.Push(AccessUnit{NALUs: au, Time: fuzzTime(i, jitter)})
		}
		r.mu.Lock()
		entries := append([]entry(nil), r.ring.entries...)
		r.mu.Unlock()
		if len(entries) == 0 {
			return
		}
		if !entries[0].key || entries[0].params == nil {
			t.Fatal("the buffer does not start at a key frame with parameter sets")
		}
		var buf bytes.Buffer
		if err := writeMP4(&buf, entries, layout(entries)); err != nil {
			t.Fatalf("writing what Push accepted: %v", err)
		}
		var init fmp4.Init
		if err := init.Unmarshal(bytes.NewReader(buf.Bytes())); err != nil {
			t.Fatalf("init segment: %v", err)
		}
		var parts fmp4.Parts
		if err := parts.Unmarshal(buf.Bytes()); err != nil {
			t.Fatalf("fragments: %v", err)
		}
		k := 0
		for _, p := range parts {
			for _, s := range p.Tracks[0].Samples {
				if k >= len(entries) || !bytes.Equal(s.Payload, entries[k].data) || s.IsNonSyncSample == entries[k].key {
					t.Fatalf("sample %d differs from the access unit pushed", k)
				}
				k++
			}
		}
		if k != len(entries) {
			t.Fatalf("%d samples written, %d access units kept", k, len(entries))
		}
	})
}

type seed struct {
	name   string
	stream []byte
	jitter uint16
}

// seeds are the committed corpus: the start of a simulator scene (two
// GOPs), the same with times jittered, and the access units of the
// bad-input table after its key frame.
func seeds(tb testing.TB) []seed {
	dir := filepath.Join("testdata", "fuzz", "FuzzPush")
	if !*update {
		return nil // go test reads the committed files itself
	}
	scene := loadScene(tb, "quiet-yard", 320, 180)
	out := []seed{{"scene", joinStream(scene.AUs[:17]), 0}, {"scene-jitter", joinStream(scene.AUs[:5]), 40}}
	for i, c := range badCases() {
		if len(c.nalus) > 8 || len(joinStream([][][]byte{c.nalus})) > 4096 {
			continue // the size limits: tested by the table, too big a seed
		}
		out = append(out, seed{fmt.Sprintf("bad-%02d", i), joinStream(append(scene.AUs[:1:1], c.nalus)), 0})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	for _, s := range out {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nuint16(%d)\n", s.stream, s.jitter)
		if err := os.WriteFile(filepath.Join(dir, s.name), []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// TestSplitStream pins the fuzz harness's splitting, so that the seeds
// mean what they say.
func TestSplitStream(t *testing.T) {
	scene := loadScene(t, "quiet-yard", 320, 180)
	aus := splitStream(joinStream(scene.AUs[:17]))
	if len(aus) != 17 {
		t.Fatalf("%d access units, want 17", len(aus))
	}
	for i := range aus {
		if len(aus[i]) != len(scene.AUs[i]) {
			t.Fatalf("access unit %d: %d NAL units, want %d", i, len(aus[i]), len(scene.AUs[i]))
		}
	}
}
