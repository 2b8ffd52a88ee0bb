package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/evidence"
	"github.com/palisade/palisade/edge/facility"
	"github.com/palisade/palisade/sync/replica"
	"github.com/palisade/palisade/vision/analytics"
	"github.com/palisade/palisade/vision/clips"
	"github.com/palisade/palisade/vision/ingest"
	"github.com/palisade/palisade/vision/watch"
)

// CameraOptions shapes the cameras a node runs. The zero value is the
// product's defaults.
type CameraOptions struct {
	// ClipQuota is the disk the evidence clips may take (default 2 GiB);
	// ClipMaxAge how long a clip is kept (default 7 days). Clips of open
	// alarms are kept whatever they take.
	ClipQuota  int64
	ClipMaxAge time.Duration
	// PruneEvery is how often the clip store is pruned besides after each
	// clip, as clips age out while no alarm comes (default 10 min).
	PruneEvery time.Duration
	// Rate is the frames analysed a second per camera (default 5).
	Rate float64
	// Scene, in simulation, overrides the scene a simulated camera plays
	// (by device id); by default each plays the scene its view was drawn
	// for (see simScene).
	Scene map[string]string
}

const (
	defaultClipQuota  = 2 << 30
	defaultClipMaxAge = 7 * 24 * time.Hour
	defaultPruneEvery = 10 * time.Minute
	// recordGrace is how long a written clip whose record is not
	// committed yet is kept whatever the quota: its commit is being
	// retried.
	recordGrace = 10 * time.Minute
)

// cameras is the node's camera side: a Watcher for each camera it owns,
// the clip store, the saved event snapshots.
type cameras struct {
	n       *Node
	log     *slog.Logger
	opts    CameraOptions
	store   *clips.Store
	snapDir string
	pruneMu sync.Mutex // one prune at a time: the loop's and the clips'

	mu     sync.Mutex
	slots  map[string]*cameraSlot // this node's cameras by device id
	snapAt map[string]time.Time   // alarm key → when its last snapshot was attached
	order  []string               // this node's camera ids, in facility order
}

// cameraSlot is one of this node's cameras.
type cameraSlot struct {
	dev facility.Device
	w   *watch.Watcher // nil while not running
	// down says why no Watcher runs (simulation off, a bad view, the
	// simulator starting).
	down string
}

// startCameras starts a Watcher for each camera this node owns (in
// simulation, simulated cameras stream from a firmware-sim RTSP server
// on loopback), and the pruning of the clip store. Everything it starts
// ends with ctx and is waited for by n.wg.
func (n *Node) startCameras(ctx context.Context) (*cameras, error) {
	o := n.opts.Cameras
	if o.ClipQuota == 0 {
		o.ClipQuota = defaultClipQuota
	}
	if o.ClipMaxAge == 0 {
		o.ClipMaxAge = defaultClipMaxAge
	}
	if o.PruneEvery == 0 {
		o.PruneEvery = defaultPruneEvery
	}
	c := &cameras{n: n, log: n.log.With("component", "cameras"), opts: o, slots: map[string]*cameraSlot{}, snapAt: map[string]time.Time{},
		snapDir: filepath.Join(n.opts.DataDir, "snapshots")}
	var err error
	c.store, err = clips.OpenStore(clips.StoreConfig{Dir: filepath.Join(n.opts.DataDir, "clips"), MaxBytes: o.ClipQuota, MaxAge: o.ClipMaxAge}, n.log)
	if err != nil {
		return nil, err
	}
	var sims []facility.Device
	for _, dev := range n.opts.Facility.DevicesOf(n.opts.NodeID) {
		if dev.Kind != facility.DeviceCamera {
			continue
		}
		slot := &cameraSlot{dev: dev}
		c.slots[dev.ID], c.order = slot, append(c.order, dev.ID)
		switch {
		case dev.Transport.Simulated && !n.opts.Simulate:
			slot.down = "Simulated camera: it runs in the demo only."
		case dev.Transport.Simulated:
			slot.down = "Starting the simulated camera."
			sims = append(sims, dev)
		case dev.Transport.URL == "":
			slot.down = "No stream address is configured for this camera."
		default:
			c.start(ctx, slot, dev.Transport.URL)
		}
	}
	if len(sims) > 0 {
		n.simulateCameras(ctx, c, sims)
	}
	n.reg.MustRegister(c)
	n.wg.Add(1)
	go func() { defer n.wg.Done(); c.pruneLoop(ctx) }()
	if len(c.order) > 0 {
		c.log.Info("cameras", "count", len(c.order), "clip_quota_bytes", o.ClipQuota, "clip_max_age", o.ClipMaxAge)
	}
	return c, nil
}

// start runs a Watcher for slot's camera at url.
func (c *cameras) start(ctx context.Context, slot *cameraSlot, url string) {
	dev := slot.dev
	view, err := cameraView(c.n.opts.Facility, dev)
	if err == nil {
		var w *watch.Watcher
		w, err = watch.New(watch.Config{
			Camera:      dev.ID,
			Ingest:      ingest.Config{URL: url},
			Analytics:   view,
			Rate:        c.opts.Rate,
			SnapshotDir: c.snapDir,
		}, c.store, watch.Sink{
			Raise:  func(ctx context.Context, a watch.Alarm) (string, error) { return c.raise(ctx, dev, a) },
			Clip:   func(ctx context.Context, id string, cl clips.Clip) { c.record(ctx, dev, id, cl) },
			Counts: func(counts []analytics.ZoneCount) { c.counted(dev, counts) },
		}, c.n.log)
		if err == nil {
			c.mu.Lock()
			slot.w, slot.down = w, ""
			c.mu.Unlock()
			c.n.wg.Add(1)
			go func() { defer c.n.wg.Done(); _ = w.Run(ctx) }()
			return
		}
	}
	c.mu.Lock()
	slot.down = "Not watched: " + err.Error()
	c.mu.Unlock()
	c.n.deviceFault(dev, "camera not started", err)
}

// setDown records why a camera does not run.
func (c *cameras) setDown(id, why string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.slots[id]; s != nil && s.w == nil {
		s.down = why
	}
}

// raise raises a camera's alarm on this node, its snapshot named in the
// evidence, and returns the alarm's id (that of the open alarm it folded
// into, for a repeat).
func (c *cameras) raise(ctx context.Context, dev facility.Device, a watch.Alarm) (string, error) {
	r := cameraAlarm(c.n.opts.Facility, dev, a)
	if err := r.Normalize(); err != nil { // fills in the coalescing key
		return "", err
	}
	if a.Snapshot != "" {
		if c.freshSnapshot(ctx, r.Key) {
			r.Evidence = []string{snapshotEvidence(c.n.opts.NodeID, a.Snapshot)}
		} else {
			_ = os.Remove(filepath.Join(c.snapDir, a.Snapshot))
		}
	}
	al, err := c.n.Alarms.RaiseLocal(ctx, r)
	if err != nil {
		return "", err
	}
	return al.ID, nil
}

// snapshotEvery is how often a repeat of an open alarm adds a snapshot to
// its evidence: a person pacing at a tripwire repeats it every few
// seconds, and an open alarm's snapshots are kept.
const snapshotEvery = 5 * time.Minute

// freshSnapshot reports whether an alarm of this key should carry the
// event's snapshot: a new alarm does, a repeat of an open one only
// snapshotEvery after the last it carried.
func (c *cameras) freshSnapshot(ctx context.Context, key string) bool {
	now := time.Now()
	c.mu.Lock()
	last, seen := c.snapAt[key]
	c.mu.Unlock()
	if seen && now.Sub(last) < snapshotEvery {
		open, err := c.n.Alarms.List(ctx, alarm.Filter{OpenOnly: true, Limit: 100000})
		if err == nil && slices.ContainsFunc(open, func(a alarm.Alarm) bool { return a.Key == key }) {
			return false
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, t := range c.snapAt {
		if now.Sub(t) >= snapshotEvery {
			delete(c.snapAt, k)
		}
	}
	c.snapAt[key] = now
	return true
}

// snapshotEvidence names a saved snapshot in an alarm's evidence: the node
// that keeps it and the file, as GET /v1/snapshots/{name} serves it.
func snapshotEvidence(node, name string) string { return "snapshot:" + node + ":" + name }

// record commits a written clip's record — who holds it, its SHA-256 —
// through the log, retrying while there is no quorum, then prunes the
// store. It runs on the clip's goroutine.
func (c *cameras) record(_ context.Context, dev facility.Device, alarmID string, cl clips.Clip) {
	rec := evidence.Clip{Alarm: alarmID, Camera: dev.ID, Name: cl.Name, Size: cl.Size, DurationMS: cl.Duration.Milliseconds(),
		Frames: cl.Frames, Width: cl.Width, Height: cl.Height, SHA256: cl.SHA256, Event: cl.Event.UTC(), Start: cl.Start.UTC(), Note: cl.Note}
	cmd, err := evidence.Command(rec, c.n.opts.NodeID, dev.ID)
	if err != nil {
		c.log.Error("clip not recorded", "clip", cl.Name, "err", err)
		return
	}
	// Retry while there is no quorum, until the node stops: a record
	// proposed while it stops could land after the audit log's last
	// checkpoint. The file stays on disk, named after camera, alarm and
	// time.
	backoff := 500 * time.Millisecond
	for {
		if c.n.ctx.Err() != nil {
			err = errors.New("the node is stopping")
			break
		}
		pctx, cancel := context.WithTimeout(c.n.ctx, 5*time.Second)
		_, err = c.n.Replica.Propose(pctx, cmd)
		cancel()
		if err == nil || errors.Is(err, replica.ErrRejected) {
			break
		}
		c.log.Warn("clip record not committed yet; retrying", "clip", cl.Name, "err", err, "retry_in", backoff)
		select {
		case <-c.n.ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
	if err != nil {
		c.log.Error("clip kept on disk but its record is not committed", "clip", cl.Name, "alarm", alarmID, "sha256", cl.SHA256, "err", err)
	} else {
		c.log.Info("clip recorded", "clip", cl.Name, "alarm", alarmID, "sha256", cl.SHA256, "bytes", cl.Size,
			"duration_s", cl.Duration.Seconds(), "complete", cl.Complete())
	}
	c.prune()
}

// counted publishes a camera's people counts per zone, for the RFID
// headcount's cross-check: in the camera's status (GET /v1/cameras), as
// the palisade_camera_zone_people gauge, and in the log.
func (c *cameras) counted(dev facility.Device, counts []analytics.ZoneCount) {
	if !c.log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	parts := make([]string, 0, len(counts))
	for _, z := range counts {
		parts = append(parts, fmt.Sprintf("%s=%d", z.Zone, z.People))
	}
	c.log.Debug("people counted", "camera", dev.ID, "zones", strings.Join(parts, " "))
}

// CameraCounts returns the people this node's cameras count per facility
// zone now — for the cross-check of the RFID headcount. Zones several
// cameras see are summed; a camera without pictures counts nobody.
func (n *Node) CameraCounts() map[string]int {
	if n.cams == nil {
		return map[string]int{}
	}
	return n.cams.zoneCounts()
}

func (c *cameras) zoneCounts() map[string]int {
	out := map[string]int{}
	for _, w := range c.watchers() {
		for _, z := range w.Status().Counts {
			out[z.Zone] += z.People
		}
	}
	return out
}

// watchers returns the running Watchers in facility order.
func (c *cameras) watchers() []*watch.Watcher {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ws []*watch.Watcher
	for _, id := range c.order {
		if w := c.slots[id].w; w != nil {
			ws = append(ws, w)
		}
	}
	return ws
}

// Describe and Collect make the cameras a Prometheus collector (unchecked:
// the set of cameras grows as simulated ones start).
func (c *cameras) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector.
func (c *cameras) Collect(ch chan<- prometheus.Metric) { watch.Collector(c.watchers()...).Collect(ch) }

// pruneLoop prunes the clip store now and every PruneEvery until ctx ends.
func (c *cameras) pruneLoop(ctx context.Context) {
	t := time.NewTicker(c.opts.PruneEvery)
	defer t.Stop()
	for {
		c.prune()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// prune applies the retention policy to the clips and the snapshots,
// keeping those of open alarms and the clips whose record is still being
// committed.
func (c *cameras) prune() {
	c.pruneMu.Lock()
	defer c.pruneMu.Unlock()
	pinnedClips, pinnedSnaps, err := c.pinned()
	if err != nil {
		c.log.Warn("clips not pruned: open alarms unknown", "err", err)
		return
	}
	res, err := c.store.Prune(func(name string) bool { return pinnedClips[name] })
	if err != nil {
		c.log.Warn("clip store prune", "err", err)
	}
	if len(res.Deleted) > 0 {
		c.log.Info("clips pruned", "deleted", len(res.Deleted), "kept", res.Kept, "bytes", res.Bytes)
	}
	c.pruneSnapshots(pinnedSnaps)
}

// pinned returns the clips and snapshots open alarms refer to.
func (c *cameras) pinned() (clipNames, snapNames map[string]bool, err error) {
	open, err := c.n.Alarms.List(context.Background(), alarm.Filter{OpenOnly: true, Limit: 100000})
	if err != nil {
		return nil, nil, err
	}
	clipNames, snapNames = map[string]bool{}, map[string]bool{}
	prefix := "snapshot:" + c.n.opts.NodeID + ":"
	for _, a := range open {
		for _, e := range a.Evidence {
			if name, ok := strings.CutPrefix(e, prefix); ok {
				snapNames[name] = true
			}
		}
	}
	stored, err := c.store.List()
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	err = c.n.Replica.View(func(tx *bolt.Tx) error {
		for _, a := range open {
			for _, cl := range evidence.ForAlarm(tx, a.ID) {
				clipNames[cl.Name] = true
			}
		}
		for _, s := range stored {
			if _, recorded := evidence.ByName(tx, s.Name); !recorded && now.Sub(s.Time) < recordGrace {
				clipNames[s.Name] = true
			}
		}
		return nil
	})
	return clipNames, snapNames, err
}

// pruneSnapshots deletes saved snapshots older than the clips' maximum age
// that no open alarm refers to.
func (c *cameras) pruneSnapshots(pinned map[string]bool) {
	des, err := os.ReadDir(c.snapDir)
	if err != nil {
		return // none saved yet
	}
	now := time.Now()
	for _, de := range des {
		info, err := de.Info()
		if err != nil || !info.Mode().IsRegular() || pinned[de.Name()] {
			continue
		}
		stale := strings.HasPrefix(de.Name(), ".partial-") && now.Sub(info.ModTime()) > time.Hour
		if now.Sub(info.ModTime()) > c.opts.ClipMaxAge || stale {
			_ = os.Remove(filepath.Join(c.snapDir, de.Name()))
		}
	}
}

// status returns the slot of a camera this node owns.
func (c *cameras) slot(id string) (facility.Device, *watch.Watcher, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.slots[id]
	if s == nil {
		return facility.Device{}, nil, "", false
	}
	return s.dev, s.w, s.down, true
}

// ids returns this node's camera ids in facility order.
func (c *cameras) ids() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.order)
}
