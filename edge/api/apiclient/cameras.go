package apiclient

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"

	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/edge/evidence"
)

// Cameras lists the facility's cameras: this node's with their status,
// the others with the node that runs them.
func (c *Client) Cameras(ctx context.Context) ([]api.CameraView, error) {
	var out struct {
		Cameras []api.CameraView `json:"cameras"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/cameras", nil, &out)
	return out.Cameras, err
}

// CameraSnapshot returns the latest picture of one of this node's cameras,
// a JPEG.
func (c *Client) CameraSnapshot(ctx context.Context, camera string) ([]byte, error) {
	b, _, err := c.file(ctx, "/v1/cameras/"+url.PathEscape(camera)+"/snapshot.jpg", "")
	return b, err
}

// Clip downloads an evidence clip (MP4) from the node that keeps it;
// another node answers an *Error (404) naming the one that does. rng is an
// HTTP Range ("bytes=0-1023") or "" for the whole file. The header is the
// answer's (Content-Type, Content-Range, Repr-Digest).
func (c *Client) Clip(ctx context.Context, name, rng string) ([]byte, http.Header, error) {
	return c.file(ctx, "/v1/clips/"+url.PathEscape(name), rng)
}

// Snapshot downloads an event snapshot named in an alarm's evidence.
func (c *Client) Snapshot(ctx context.Context, name string) ([]byte, error) {
	b, _, err := c.file(ctx, "/v1/snapshots/"+url.PathEscape(name), "")
	return b, err
}

// Evidence returns the clip records committed for an alarm.
func (c *Client) Evidence(ctx context.Context, alarm string) ([]evidence.Clip, error) {
	var out struct {
		Clips []evidence.Clip `json:"clips"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/alarms/"+url.PathEscape(alarm)+"/evidence", nil, &out)
	return out.Clips, err
}

// file GETs a file, with an optional Range.
func (c *Client) file(ctx context.Context, path, rng string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, nil, err
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		_ = json.Unmarshal(b, &e)
		return nil, resp.Header, &Error{Status: resp.StatusCode, Message: e.Error}
	}
	return b, resp.Header, nil
}
