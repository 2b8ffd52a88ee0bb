package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/edge/headcount"
	"github.com/palisade/palisade/edge/rounds"
)

// Headcount returns the count screen: the open count (or the last one)
// and the recent counts.
func (c *Client) Headcount(ctx context.Context) (api.HeadcountView, error) {
	var out api.HeadcountView
	err := c.do(ctx, http.MethodGet, "/v1/headcount", nil, &out)
	return out, err
}

// StartHeadcount starts a count on demand (a supervisor).
func (c *Client) StartHeadcount(ctx context.Context, note string) (headcount.Count, error) {
	var out headcount.Count
	err := c.do(ctx, http.MethodPost, "/v1/headcount", map[string]string{"note": note}, &out)
	return out, err
}

// ZoneCount is an officer's count of one zone: Confirm with the heads
// counted, or a correction naming who is missing and who is extra.
type ZoneCount struct {
	Confirm bool     `json:"confirm"`
	Counted int      `json:"counted"`
	Missing []string `json:"missing,omitempty"`
	Extra   []string `json:"extra,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// CountZone enters an officer's count of zone in count id and returns the
// count as it then stands.
func (c *Client) CountZone(ctx context.Context, id uint64, zone string, z ZoneCount) (headcount.Count, error) {
	var out headcount.Count
	err := c.do(ctx, http.MethodPost, fmt.Sprintf("/v1/headcount/%d/zones/%s", id, url.PathEscape(zone)), z, &out)
	return out, err
}

// CancelHeadcount calls count id off (a supervisor, with a note).
func (c *Client) CancelHeadcount(ctx context.Context, id uint64, note string) (headcount.Count, error) {
	var out headcount.Count
	err := c.do(ctx, http.MethodPost, fmt.Sprintf("/v1/headcount/%d/cancel", id), map[string]string{"note": note}, &out)
	return out, err
}

// Rounds returns the rounds screen with block's history over the last
// hours ("" and 0: the first block, the node's default).
func (c *Client) Rounds(ctx context.Context, block string, hours int) (api.RoundsView, error) {
	q := url.Values{}
	if block != "" {
		q.Set("block", block)
	}
	if hours > 0 {
		q.Set("hours", fmt.Sprint(hours))
	}
	var out api.RoundsView
	err := c.do(ctx, http.MethodGet, "/v1/rounds?"+q.Encode(), nil, &out)
	return out, err
}

// CheckCell enters a round check of cell with what the officer saw.
func (c *Client) CheckCell(ctx context.Context, cell string, obs rounds.Observation, note string) (api.RoundsCell, error) {
	var out api.RoundsCell
	err := c.do(ctx, http.MethodPost, "/v1/rounds/check", map[string]string{"cell": cell, "observation": string(obs), "note": note}, &out)
	return out, err
}

// Watch puts a resident on or off watch (a supervisor, with a note).
func (c *Client) Watch(ctx context.Context, person string, on bool, note string) error {
	return c.do(ctx, http.MethodPost, "/v1/rounds/watch", map[string]any{"person": person, "on": on, "note": note}, nil)
}

// RoundsCSV returns a block's round history over the dates from to to
// (YYYY-MM-DD, inclusive; "" is today) as CSV.
func (c *Client) RoundsCSV(ctx context.Context, block, from, to string) ([]byte, error) {
	q := url.Values{"block": {block}}
	setDates(q, from, to)
	return c.raw(ctx, "/v1/rounds/export.csv?"+q.Encode())
}

// Custody returns the custody report over the dates from to to
// (YYYY-MM-DD, inclusive; "" is today).
func (c *Client) Custody(ctx context.Context, from, to string) (api.CustodyReport, error) {
	q := url.Values{}
	setDates(q, from, to)
	var out api.CustodyReport
	err := c.do(ctx, http.MethodGet, "/v1/reports/custody?"+q.Encode(), nil, &out)
	return out, err
}

// CustodyCSV returns the custody report as CSV.
func (c *Client) CustodyCSV(ctx context.Context, from, to string) ([]byte, error) {
	q := url.Values{"format": {"csv"}}
	setDates(q, from, to)
	return c.raw(ctx, "/v1/reports/custody?"+q.Encode())
}

func setDates(q url.Values, from, to string) {
	if from != "" {
		q.Set("from", from)
	}
	if to != "" {
		q.Set("to", to)
	}
}

// raw GETs path and returns the body of a 2xx answer as it is.
func (c *Client) raw(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		_ = json.Unmarshal(b, &e)
		return nil, &Error{Status: resp.StatusCode, Message: e.Error}
	}
	return b, nil
}
