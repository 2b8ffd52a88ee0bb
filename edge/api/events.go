package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

const (
	keepaliveEvery = 15 * time.Second
	// streamWriteTimeout drops a console that stops reading, instead of
	// blocking its handler forever.
	streamWriteTimeout = 10 * time.Second
)

// events streams every alarm change as a server-sent event:
//
//	event: raised
//	data: {"type":"raised","alarm":{…}}
//
// with a ": keepalive" comment every 15 s. The stream ends when the client
// goes, the session ends (logout or expiry) or the server closes. The
// console reloads the list each time the stream (re)opens, so nothing
// missed while it was down stays missing.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	if !s.track() {
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return
	}
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()

	events := s.cfg.Alarms.Subscribe(ctx)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(format string, args ...any) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// retry: how soon the browser reconnects after the stream drops.
	if !send("retry: 2000\n: connected\n\n") {
		return
	}
	tick := time.NewTicker(keepaliveEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sess.done:
			return
		case <-tick.C:
			if !s.sessions.alive(sess, s.now()) || !send(": keepalive\n\n") {
				return
			}
		case ev, ok := <-events:
			if !ok {
				return
			}
			data, err := json.Marshal(ev)
			if err != nil {
				s.log.Error("encode event", "alarm", ev.Alarm.ID, "err", err)
				continue
			}
			if !send("event: %s\ndata: %s\n\n", ev.Type, data) {
				return
			}
		}
	}
}
