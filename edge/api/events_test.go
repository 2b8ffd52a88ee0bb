package api_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/edge/alarm"
)

// stream opens /v1/events and returns its lines on a channel that is closed
// when the stream ends.
func (c *client) stream() (*http.Response, <-chan string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + "/v1/events")
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		c.t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return resp, lines
}

// waitLine returns the next line with the prefix, failing after timeout.
func waitLine(t *testing.T, lines <-chan string, prefix string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("stream ended before %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-deadline:
			t.Fatalf("no %q within %v", prefix, timeout)
		}
	}
}

// waitEnd fails unless the stream ends within timeout.
func waitEnd(t *testing.T, lines <-chan string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case _, ok := <-lines:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("stream still open after %v", timeout)
		}
	}
}

func TestEventsStream(t *testing.T) {
	h := newHarness(t)
	c := h.login(t, "olga")
	_, lines := c.stream()
	<-h.alarms.subbed
	waitLine(t, lines, ": connected", time.Second)

	a := openAlarm("a9")
	h.alarms.publish(alarm.Event{Type: alarm.EventRaised, Alarm: a})
	if got := waitLine(t, lines, "event: ", time.Second); got != "event: raised" {
		t.Errorf("got %q, want event: raised", got)
	}
	data := waitLine(t, lines, "data: ", time.Second)
	var ev alarm.Event
	if err := json.Unmarshal([]byte(strings.TrimPrefix(data, "data: ")), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != alarm.EventRaised || ev.Alarm.ID != "a9" || ev.Alarm.Zone != "B-2" {
		t.Errorf("got event %+v", ev)
	}

	// Close ends the stream promptly and cancels the subscription.
	done := make(chan struct{})
	go func() { h.srv.Close(); close(done) }()
	waitEnd(t, lines, time.Second)
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Close did not return")
	}
	if n := h.alarms.subscribers(); n != 0 {
		t.Errorf("%d subscriptions left after Close", n)
	}
	// After Close, no new stream starts.
	if status, _ := c.do("GET", "/v1/events", ""); status != http.StatusServiceUnavailable {
		t.Errorf("events after Close: %d, want 503", status)
	}
}

func TestEventsEndAtLogout(t *testing.T) {
	h := newHarness(t)
	c := h.login(t, "olga")
	_, lines := c.stream()
	<-h.alarms.subbed
	waitLine(t, lines, ": connected", time.Second)
	if status, _ := c.do("POST", "/v1/logout", ""); status != http.StatusNoContent {
		t.Fatalf("logout: %d", status)
	}
	waitEnd(t, lines, time.Second)
}

func TestShutdownWithOpenStream(t *testing.T) {
	h := newHarness(t)
	c := h.login(t, "olga")
	_, lines := c.stream()
	<-h.alarms.subbed
	waitLine(t, lines, ": connected", time.Second)
	start := time.Now()
	h.srv.Close()
	h.ts.Close() // waits for every handler
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	waitEnd(t, lines, time.Second)
}
