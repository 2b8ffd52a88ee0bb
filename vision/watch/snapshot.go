package watch

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gocv.io/x/gocv"

	"github.com/palisade/palisade/vision/analytics"
	"github.com/palisade/palisade/vision/cvframe"
	"github.com/palisade/palisade/vision/h264dec"
)

// idleSnapshotEvery is how often the live picture is encoded while nobody
// asks for it, so that the first request gets a recent one.
const idleSnapshotEvery = 10 * time.Second

// watched is how long after a request for the live picture it is kept
// fresh (encoded every SnapshotEvery).
const watched = 10 * time.Second

// live is the latest picture as a JPEG, for a console.
type live struct {
	jpeg    []byte
	at      time.Time // the frame's time
	asked   time.Time // the last request
	encoded time.Time // the last encoding
	mat     gocv.Mat  // the analysis goroutine's canvas
	ok      bool      // mat was allocated
}

var (
	zoneColour   = color.RGBA{R: 255, G: 210, B: 0}
	lineColour   = color.RGBA{R: 0, G: 220, B: 255}
	personColour = color.RGBA{R: 60, G: 255, B: 60}
)

// Snapshot returns the latest picture analysed, as a JPEG with the zones,
// the tripwires and the people tracked drawn on it, and the frame's time.
// ok is false before the first. While it is asked for, the picture is
// renewed every SnapshotEvery; otherwise every 10 s.
func (w *Watcher) Snapshot() (jpeg []byte, at time.Time, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.live.asked = time.Now()
	return w.live.jpeg, w.live.at, w.live.jpeg != nil
}

// SnapshotTime returns the time of the latest picture's frame without
// asking for a fresher one (for a status listing).
func (w *Watcher) SnapshotTime() (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.live.at, w.live.jpeg != nil
}

// encodeLive renews the live picture from frame f if it is due. It runs on
// the analysis goroutine, which alone touches the canvas.
func (w *Watcher) encodeLive(f *h264dec.Frame, res analytics.Result, at time.Time) {
	now := time.Now()
	w.mu.Lock()
	every := idleSnapshotEvery
	if now.Sub(w.live.asked) < watched {
		every = w.cfg.SnapshotEvery
	}
	due := now.Sub(w.live.encoded) >= every
	w.mu.Unlock()
	if !due {
		return
	}
	if !w.live.ok {
		w.live.mat, w.live.ok = gocv.NewMat(), true
	}
	if err := cvframe.Into(&w.live.mat, f); err != nil {
		return
	}
	w.draw(&w.live.mat, res)
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, w.live.mat, []int{gocv.IMWriteJpegQuality, 75})
	if err != nil {
		w.log.Warn("live picture not encoded", "err", err)
		return
	}
	jpeg := append([]byte(nil), buf.GetBytes()...)
	buf.Close()
	w.mu.Lock()
	w.live.jpeg, w.live.at, w.live.encoded = jpeg, at, now
	w.mu.Unlock()
}

// draw puts the view's zones and tripwires and the people tracked on the
// picture.
func (w *Watcher) draw(m *gocv.Mat, res analytics.Result) {
	a := w.cfg.Analytics
	sx, sy := float64(m.Cols())/float64(a.Width), float64(m.Rows())/float64(a.Height)
	scale := func(p image.Point) image.Point {
		return image.Pt(int(float64(p.X)*sx+0.5), int(float64(p.Y)*sy+0.5))
	}
	thick := max(1, m.Cols()/480)
	for _, z := range a.Zones {
		var pts []image.Point
		for _, p := range z.Polygon {
			pts = append(pts, scale(p))
		}
		pv := gocv.NewPointsVectorFromPoints([][]image.Point{pts})
		gocv.Polylines(m, pv, true, zoneColour, thick)
		pv.Close()
	}
	for _, l := range a.Tripwires {
		gocv.ArrowedLine(m, scale(l.A), scale(l.B), lineColour, thick)
	}
	for _, p := range res.People {
		gocv.Rectangle(m, p.Box, personColour, thick)
	}
}

// closeLive frees the canvas; the analysis has stopped.
func (w *Watcher) closeLive() {
	if w.live.ok {
		w.live.mat.Close()
		w.live.ok = false
	}
}

// saveSnapshot writes an event's snapshot under SnapshotDir and returns its
// file name, or "" if there is none or it could not be written (logged:
// the alarm is raised all the same).
func (w *Watcher) saveSnapshot(ev analytics.Event) string {
	if len(ev.Snapshot) == 0 {
		return ""
	}
	what := string(ev.Kind)
	switch {
	case ev.Tamper != "":
		what += "-" + string(ev.Tamper)
	case ev.Line != "":
		what += "-" + ev.Line
	case ev.Zone != "":
		what += "-" + ev.Zone
	}
	name := safeName(w.cfg.Camera) + "_" + ev.At.UTC().Format("20060102T150405.000Z") + "_" + safeName(what) + ".jpg"
	if err := writeFile(w.cfg.SnapshotDir, name, ev.Snapshot); err != nil {
		w.n.snapshotsRefused.Add(1)
		w.log.Error("event snapshot not saved", "err", err)
		return ""
	}
	w.n.snapshotsSaved.Add(1)
	return name
}

// writeFile writes data to dir/name through a temporary file, synced and
// renamed, so a snapshot is whole or absent.
func writeFile(dir, name string, data []byte) (err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".partial-*.jpg")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("snapshot %s: %w", name, err)
	}
	return nil
}

// safeName keeps letters, digits, '-' and '.' of an id and replaces the
// rest, so that no id reaches outside the directory.
func safeName(s string) string {
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
