package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/edge/evidence"
	"github.com/palisade/palisade/edge/facility"
)

// camerasAPI is the node's camera side as the API needs it.
type camerasAPI struct {
	f    *facility.Facility
	node string
	c    *cameras
}

// List returns every camera of the facility, this node's with their status.
func (a camerasAPI) List(context.Context) ([]api.CameraView, error) {
	var out []api.CameraView
	for _, d := range a.f.Devices {
		if d.Kind != facility.DeviceCamera {
			continue
		}
		v := api.CameraView{ID: d.ID, Node: d.Node, Here: d.Node == a.node, Zones: d.Zones, Counts: []api.ZoneCount{}}
		if v.Here {
			a.fill(&v)
		}
		out = append(out, v)
	}
	return out, nil
}

// fill puts one of this node's cameras' status into v.
func (a camerasAPI) fill(v *api.CameraView) {
	_, w, down, ok := a.c.slot(v.ID)
	if !ok {
		return
	}
	if w == nil {
		v.State, v.Reason = "not_running", down
		return
	}
	st := w.Status()
	v.State, v.Reason, v.Since, v.NextAttempt = st.State.String(), st.Reason, st.Since, st.NextAttempt
	v.ReceivedFPS, v.AnalysedFPS, v.Width, v.Height = st.ReceivedFPS, st.AnalysedFPS, st.Width, st.Height
	v.Tamper, v.Learning, v.People, v.Alarms, v.Clips = string(st.Tamper), st.Learning, st.People, st.Alarms, st.Clips
	for _, z := range st.Counts {
		v.Counts = append(v.Counts, api.ZoneCount{Zone: z.Zone, People: z.People})
	}
	if e := st.LastEvent; e != nil {
		v.LastEvent = &api.CameraEvent{Kind: string(e.Kind), At: e.At, Zone: e.Zone, Line: e.Line, From: e.From, To: e.To,
			Tamper: string(e.Tamper), Count: e.Count, Alarm: e.Alarm}
	}
	if at, ok := w.SnapshotTime(); ok {
		v.Snapshot = &api.SnapshotInfo{At: at}
	}
}

// Snapshot returns the latest picture of one of this node's cameras.
func (a camerasAPI) Snapshot(_ context.Context, id string) ([]byte, time.Time, error) {
	d, ok := a.f.Device(id)
	if !ok || d.Kind != facility.DeviceCamera {
		return nil, time.Time{}, fmt.Errorf("no camera %q: %w", id, api.ErrNotFound)
	}
	if d.Node != a.node {
		return nil, time.Time{}, &api.Elsewhere{What: "camera " + id, Node: d.Node}
	}
	_, w, down, _ := a.c.slot(id)
	if w == nil {
		return nil, time.Time{}, fmt.Errorf("camera %s has no picture: %s: %w", id, down, api.ErrNotFound)
	}
	jpeg, at, ok := w.Snapshot()
	if !ok {
		return nil, time.Time{}, fmt.Errorf("camera %s has no picture yet: %w", id, api.ErrNotFound)
	}
	return jpeg, at, nil
}

// Clip opens a clip of this node's store, or says which node keeps it.
func (a camerasAPI) Clip(_ context.Context, name string) (*api.File, error) {
	var rec evidence.Clip
	var recorded bool
	_ = a.c.n.Replica.View(func(tx *bolt.Tx) error {
		rec, recorded = evidence.ByName(tx, name)
		return nil
	})
	f, err := openIn(a.c.store.Dir(), name, ".mp4")
	if err == nil {
		f.SHA256 = rec.SHA256
		return f, nil
	}
	if recorded && rec.Node != a.node {
		return nil, &api.Elsewhere{What: "clip " + name, Node: rec.Node}
	}
	if recorded {
		return nil, fmt.Errorf("clip %s is recorded, but its file is gone from this node (pruned or lost): %w", name, api.ErrNotFound)
	}
	return nil, fmt.Errorf("no clip %q: %w", name, api.ErrNotFound)
}

// SavedSnapshot opens an event snapshot of this node, or says which node
// keeps it: snapshots are named after their camera.
func (a camerasAPI) SavedSnapshot(_ context.Context, name string) (*api.File, error) {
	f, err := openIn(a.c.snapDir, name, ".jpg")
	if err == nil {
		return f, nil
	}
	for _, d := range a.f.Devices {
		if d.Kind == facility.DeviceCamera && d.Node != a.node && strings.HasPrefix(name, d.ID+"_") {
			return nil, &api.Elsewhere{What: "snapshot " + name, Node: d.Node}
		}
	}
	return nil, fmt.Errorf("no snapshot %q: %w", name, api.ErrNotFound)
}

// Evidence returns the clip records committed for an alarm.
func (a camerasAPI) Evidence(_ context.Context, alarm string) ([]evidence.Clip, error) {
	var out []evidence.Clip
	err := a.c.n.Replica.View(func(tx *bolt.Tx) error {
		out = evidence.ForAlarm(tx, alarm)
		return nil
	})
	return out, err
}

// openIn opens a file by name in dir; a name that is not a plain file
// name with the extension is not found.
func openIn(dir, name, ext string) (*api.File, error) {
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ext) {
		return nil, fs.ErrNotExist
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, errors.Join(fs.ErrNotExist, err)
	}
	return &api.File{ReadSeekCloser: f, Name: name, ModTime: info.ModTime()}, nil
}
