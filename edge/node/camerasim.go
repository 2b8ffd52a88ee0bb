package node

import (
	"context"
	"fmt"

	"github.com/palisade/palisade/edge/facility"
	simcamera "github.com/palisade/palisade/firmware-sim/camera"
)

// simulateCameras plays this node's simulated cameras (demo and tests): a
// firmware-sim RTSP server on a free loopback port streams, for each, the
// scene its view was drawn for, and a Watcher reads it like any camera.
// Scenes are encoded with ffmpeg on first use (then cached), so the
// cameras start in the background.
func (n *Node) simulateCameras(ctx context.Context, c *cameras, devs []facility.Device) {
	srv, err := simcamera.Listen(simcamera.Config{Log: n.log.With("component", "camera_sim")})
	if err != nil {
		for _, dev := range devs {
			c.setDown(dev.ID, "The camera simulator did not start: "+err.Error())
			n.deviceFault(dev, "simulated camera not started", err)
		}
		return
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for _, dev := range devs {
			scene := simScene(n.opts.Facility, dev, n.opts.Cameras.Scene)
			if _, err := srv.AddCamera(ctx, dev.ID, simcamera.CameraConfig{Scene: scene}); err != nil {
				if ctx.Err() != nil {
					break
				}
				c.setDown(dev.ID, "The simulated camera did not start: "+err.Error())
				n.deviceFault(dev, "simulated camera not started", fmt.Errorf("scene %s: %w", scene, err))
				continue
			}
			slot := c.slotOf(dev.ID)
			c.start(ctx, slot, srv.URL(dev.ID))
			n.log.Info("simulated camera streaming", "camera", dev.ID, "scene", scene, "url", srv.URL(dev.ID))
		}
		// The server outlives the Watchers' sessions: they end with ctx
		// before it closes, so its closing is no "signal lost".
		<-ctx.Done()
		srv.Close()
	}()
}

// slotOf returns the slot of one of this node's cameras.
func (c *cameras) slotOf(id string) *cameraSlot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slots[id]
}

// simScene is the scene a simulated camera plays: the one its view was
// drawn for — a sterile zone watches the perimeter (a person climbs into
// it), a crowd threshold a crowd forming, a loitering time someone
// lingering, a tripwire someone crossing it — unless overridden by id.
func simScene(f *facility.Facility, dev facility.Device, override map[string]string) string {
	if s, ok := override[dev.ID]; ok {
		return s
	}
	if dev.View == nil {
		return "quiet-yard"
	}
	for _, z := range dev.View.Zones {
		if fz, ok := f.Zone(z.Zone); ok && fz.Kind == facility.ZoneSterilePerimeter {
			return "perimeter"
		}
	}
	for _, z := range dev.View.Zones {
		switch {
		case z.CrowdMin > 0:
			return "crowd"
		case z.LoiterAfter > 0:
			return "loiter"
		}
	}
	if len(dev.View.Tripwires) > 0 {
		return "tripwire"
	}
	return "quiet-yard"
}
