package api

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/palisade/palisade/edge/evidence"
)

// Cameras is the camera side of the node as the API needs it. Staff only.
// Methods are called on each request's goroutine and must be safe for
// concurrent use.
type Cameras interface {
	// List returns every camera of the facility: this node's with their
	// status, the others with the node that runs them.
	List(ctx context.Context) ([]CameraView, error)
	// Snapshot returns the latest picture of one of this node's cameras
	// as a JPEG and the time it was taken; *Elsewhere for another node's
	// camera, ErrNotFound (wrapped) for none or no picture yet.
	Snapshot(ctx context.Context, camera string) ([]byte, time.Time, error)
	// Clip opens an evidence clip this node keeps; *Elsewhere when another
	// node keeps it, ErrNotFound (wrapped) when no node does.
	Clip(ctx context.Context, name string) (*File, error)
	// SavedSnapshot opens an event snapshot this node keeps (named in an
	// alarm's evidence); *Elsewhere or ErrNotFound as Clip.
	SavedSnapshot(ctx context.Context, name string) (*File, error)
	// Evidence returns the clip records committed for an alarm.
	Evidence(ctx context.Context, alarm string) ([]evidence.Clip, error)
}

// File is an evidence file opened for serving.
type File struct {
	io.ReadSeekCloser
	Name    string
	ModTime time.Time
	// SHA256 is the hex SHA-256 the log records for it ("" if none).
	SHA256 string
}

// Elsewhere says that what was asked for is kept on another node: the
// answer is a 404 that names it, so the console can say where to look.
type Elsewhere struct {
	What string // "clip yard-camera_….mp4", "camera yard-camera"
	Node string
}

func (e *Elsewhere) Error() string {
	return e.What + " is on " + e.Node + ": open it on the console of " + e.Node
}

// CameraView is a camera as the console shows it.
type CameraView struct {
	ID    string   `json:"id"`
	Node  string   `json:"node"` // the node that runs it
	Here  bool     `json:"here"` // this node runs it: status and pictures are here
	Zones []string `json:"zones"`
	// State is ingest's state (connecting, streaming, decode_errors,
	// stalled, unreachable, unauthorized, unsupported_codec, stopped), or
	// not_running, or "" for another node's camera; Reason says it in
	// words.
	State       string        `json:"state,omitempty"`
	Reason      string        `json:"reason,omitempty"`
	Since       time.Time     `json:"since,omitzero"`
	NextAttempt time.Time     `json:"next_attempt,omitzero"`
	ReceivedFPS float64       `json:"received_fps"`
	AnalysedFPS float64       `json:"analysed_fps"`
	Width       int           `json:"width,omitempty"`
	Height      int           `json:"height,omitempty"`
	Tamper      string        `json:"tamper,omitempty"`
	Learning    bool          `json:"learning,omitempty"`
	People      int           `json:"people"`
	Counts      []ZoneCount   `json:"counts"`
	LastEvent   *CameraEvent  `json:"last_event,omitempty"`
	Alarms      uint64        `json:"alarms"`
	Clips       uint64        `json:"clips"`
	Snapshot    *SnapshotInfo `json:"snapshot,omitempty"`
}

// ZoneCount is the people a camera counts in a zone.
type ZoneCount struct {
	Zone   string `json:"zone"`
	People int    `json:"people"`
}

// CameraEvent is a camera's last event.
type CameraEvent struct {
	Kind   string    `json:"kind"` // intrusion, tripwire, loiter, crowd, tamper, tamper_cleared
	At     time.Time `json:"at"`
	Zone   string    `json:"zone,omitempty"`
	Line   string    `json:"line,omitempty"`
	From   string    `json:"from,omitempty"`
	To     string    `json:"to,omitempty"`
	Tamper string    `json:"tamper,omitempty"`
	Count  int       `json:"count,omitempty"`
	Alarm  string    `json:"alarm,omitempty"`
}

// SnapshotInfo says how recent a camera's latest picture is.
type SnapshotInfo struct {
	At time.Time `json:"at"`
}

func (s *Server) camerasOrNotFound(w http.ResponseWriter) bool {
	if s.cfg.Cameras == nil {
		writeError(w, http.StatusNotFound, "cameras are not running on this node")
		return false
	}
	return true
}

// elsewhere answers 404 naming the node that keeps what was asked for.
func elsewhere(w http.ResponseWriter, err error) bool {
	var e *Elsewhere
	if errors.As(err, &e) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": e.Error(), "node": e.Node})
		return true
	}
	return false
}

func (s *Server) listCameras(w http.ResponseWriter, r *http.Request) {
	if !s.camerasOrNotFound(w) {
		return
	}
	cs, err := s.cfg.Cameras.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if cs == nil {
		cs = []CameraView{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"node": s.cfg.Node, "cameras": cs})
}

// cameraSnapshot serves a camera's latest picture, never cached.
func (s *Server) cameraSnapshot(w http.ResponseWriter, r *http.Request) {
	if !s.camerasOrNotFound(w) {
		return
	}
	jpeg, at, err := s.cfg.Cameras.Snapshot(r.Context(), r.PathValue("id"))
	if err != nil {
		if !elsewhere(w, err) {
			s.fail(w, r, err)
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Picture-Time", at.UTC().Format(time.RFC3339Nano))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(jpeg)
}

// getClip serves an evidence clip as MP4, with range requests (a browser's
// video element seeks with them).
func (s *Server) getClip(w http.ResponseWriter, r *http.Request) {
	if !s.camerasOrNotFound(w) {
		return
	}
	s.serveFile(w, r, "video/mp4", s.cfg.Cameras.Clip)
}

// getSnapshot serves an event snapshot named in an alarm's evidence.
func (s *Server) getSnapshot(w http.ResponseWriter, r *http.Request) {
	if !s.camerasOrNotFound(w) {
		return
	}
	s.serveFile(w, r, "image/jpeg", s.cfg.Cameras.SavedSnapshot)
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, ctype string, open func(context.Context, string) (*File, error)) {
	f, err := open(r.Context(), r.PathValue("name"))
	if err != nil {
		if !elsewhere(w, err) {
			s.fail(w, r, err)
		}
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", ctype)
	// Evidence is not left in a shared console's browser cache.
	h.Set("Cache-Control", "no-store")
	if sum, err := hex.DecodeString(f.SHA256); err == nil && len(sum) == 32 {
		// RFC 9530: the hash of the whole file, whatever range is sent.
		h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":")
	}
	http.ServeContent(w, r, f.Name, f.ModTime, f)
}

func (s *Server) alarmEvidence(w http.ResponseWriter, r *http.Request) {
	if !s.camerasOrNotFound(w) {
		return
	}
	cs, err := s.cfg.Cameras.Evidence(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if cs == nil {
		cs = []evidence.Clip{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alarm": r.PathValue("id"), "clips": cs})
}
