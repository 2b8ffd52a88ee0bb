package apiclient

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/edge/api"
	"github.com/palisade/palisade/edge/sallyport"
	"github.com/palisade/palisade/sync/replica"
)

// Client is one logged-in console session.
type Client struct {
	base string
	hc   *http.Client
	csrf string
}

// Error is a non-2xx answer of the API.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("api: %d: %s", e.Status, e.Message) }

// Option adjusts a Client.
type Option func(*http.Client)

// WithRoots trusts the certificates of these roots (the facility CA) for
// an https:// base.
func WithRoots(roots *x509.CertPool) Option {
	return func(hc *http.Client) {
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	}
}

// Login opens a session on the node at base (e.g. "https://127.0.0.1:8081").
func Login(ctx context.Context, base, user, password string, opts ...Option) (*Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &Client{base: strings.TrimRight(base, "/"), hc: &http.Client{Jar: jar}}
	for _, o := range opts {
		o(c.hc)
	}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if err := c.do(ctx, http.MethodPost, "/v1/login", map[string]string{"user": user, "password": password}, &out); err != nil {
		return nil, err
	}
	c.csrf = out.CSRF
	return c, nil
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		_ = json.Unmarshal(b, &e)
		return &Error{Status: resp.StatusCode, Message: e.Error}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// Raise raises a manual alarm.
func (c *Client) Raise(ctx context.Context, kind string, priority int, zone, message string) (alarm.Alarm, error) {
	var a alarm.Alarm
	err := c.do(ctx, http.MethodPost, "/v1/alarms",
		map[string]any{"kind": kind, "priority": priority, "zone": zone, "message": message}, &a)
	return a, err
}

// Ack acknowledges an alarm; it returns the committed alarm.
func (c *Client) Ack(ctx context.Context, id, note string) (alarm.Alarm, error) {
	var a alarm.Alarm
	err := c.do(ctx, http.MethodPost, "/v1/alarms/"+id+"/ack", map[string]string{"note": note}, &a)
	return a, err
}

// Resolve resolves an alarm with a note.
func (c *Client) Resolve(ctx context.Context, id, note string) (alarm.Alarm, error) {
	var a alarm.Alarm
	err := c.do(ctx, http.MethodPost, "/v1/alarms/"+id+"/resolve", map[string]string{"note": note}, &a)
	return a, err
}

// Alarms lists alarms (open ones only if open).
func (c *Client) Alarms(ctx context.Context, open bool) ([]alarm.Alarm, error) {
	var out struct{ Alarms []alarm.Alarm }
	path := "/v1/alarms"
	if open {
		path += "?open=1"
	}
	err := c.do(ctx, http.MethodGet, path, nil, &out)
	return out.Alarms, err
}

// Cluster returns the node's view of the cluster.
func (c *Client) Cluster(ctx context.Context) (replica.Status, error) {
	var st replica.Status
	err := c.do(ctx, http.MethodGet, "/v1/cluster", nil, &st)
	return st, err
}

// Events follows the live stream until ctx ends. The channel closes when
// the stream ends. It returns once the stream is open, so that no event
// published after it returns is missed.
func (c *Client) Events(ctx context.Context) (<-chan alarm.Event, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/v1/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &Error{Status: resp.StatusCode, Message: "event stream refused"}
	}
	ch := make(chan alarm.Event, 1024)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			data, ok := strings.CutPrefix(line, "data: ")
			if !ok {
				continue
			}
			var ev alarm.Event
			if json.Unmarshal([]byte(data), &ev) != nil {
				continue
			}
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

// Actuate asks for an output to move; the answer is the committed request.
func (c *Client) Actuate(ctx context.Context, device, action, duration, reason string) (actuator.Actuation, error) {
	var a actuator.Actuation
	err := c.do(ctx, http.MethodPost, "/v1/devices/"+device+"/actuate",
		map[string]string{"action": action, "duration": duration, "reason": reason}, &a)
	return a, err
}

// Actuation returns a request with its outcome once recorded.
func (c *Client) Actuation(ctx context.Context, id string) (actuator.Actuation, error) {
	var a actuator.Actuation
	err := c.do(ctx, http.MethodGet, "/v1/actuations/"+id, nil, &a)
	return a, err
}

// ChangePassword changes the logged-in user's password. Every session of
// the user ends, this one included: log in again with the new password.
func (c *Client) ChangePassword(ctx context.Context, old, new string) error {
	return c.do(ctx, http.MethodPost, "/v1/password", map[string]string{"old": old, "new": new}, nil)
}

// Session returns who this session is logged in as; an *Error with status
// 401 once the session has ended.
func (c *Client) Session(ctx context.Context) (user string, err error) {
	var out struct {
		User string `json:"user"`
	}
	err = c.do(ctx, http.MethodGet, "/v1/session", nil, &out)
	return out.User, err
}

// Doors lists the facility's doors with their states.
func (c *Client) Doors(ctx context.Context) ([]api.DoorView, error) {
	var out struct {
		Doors []api.DoorView `json:"doors"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/doors", nil, &out)
	return out.Doors, err
}

// UnlockDoor releases a door's lock for d ("" : until locked again).
func (c *Client) UnlockDoor(ctx context.Context, door, d, reason string) (actuator.Actuation, error) {
	var a actuator.Actuation
	err := c.do(ctx, http.MethodPost, "/v1/doors/"+door+"/unlock", map[string]string{"duration": d, "reason": reason}, &a)
	return a, err
}

// LockDoor locks a door now.
func (c *Client) LockDoor(ctx context.Context, door, reason string) (actuator.Actuation, error) {
	var a actuator.Actuation
	err := c.do(ctx, http.MethodPost, "/v1/doors/"+door+"/lock", map[string]string{"reason": reason}, &a)
	return a, err
}

// Lockdown locks a zone down (on) or lifts it (supervisor).
func (c *Client) Lockdown(ctx context.Context, zone string, on bool, reason string) error {
	return c.do(ctx, http.MethodPost, "/v1/zones/"+zone+"/lockdown", map[string]any{"on": on, "reason": reason}, nil)
}

// SallyPorts lists the facility's sally ports with their state and the
// current cycle's steps.
func (c *Client) SallyPorts(ctx context.Context) ([]sallyport.View, error) {
	var out struct {
		Ports []sallyport.View `json:"sally_ports"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/sallyports", nil, &out)
	return out.Ports, err
}

// SallyAction is an action at a sally port: action open|close (with gate
// outer|inner), declare (people, animals), scan, pass, approve (override
// release|both-open|close-on-loop, reason), end.
type SallyAction struct {
	Action   string `json:"action"`
	Gate     string `json:"gate,omitempty"`
	People   int    `json:"people,omitempty"`
	Animals  int    `json:"animals,omitempty"`
	Override string `json:"override,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// ActSallyPort commits an action; a refusal of the interlock is an *Error
// with status 409 and its reason.
func (c *Client) ActSallyPort(ctx context.Context, port string, a SallyAction) ([]sallyport.Output, error) {
	var out struct {
		Outputs []sallyport.Output `json:"outputs"`
	}
	err := c.do(ctx, http.MethodPost, "/v1/sallyports/"+port+"/act", a, &out)
	return out.Outputs, err
}

// Presence lists every zone with the people RFID puts there.
func (c *Client) Presence(ctx context.Context) ([]api.ZonePresence, error) {
	var out struct {
		Zones []api.ZonePresence `json:"zones"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/presence", nil, &out)
	return out.Zones, err
}

// Person returns a person's whereabouts and their moves over the last
// hours.
func (c *Client) Person(ctx context.Context, id string, hours int) (api.PersonPresence, error) {
	var out api.PersonPresence
	err := c.do(ctx, http.MethodGet, fmt.Sprintf("/v1/people/%s?hours=%d", url.PathEscape(id), hours), nil, &out)
	return out, err
}
