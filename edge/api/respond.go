package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/palisade/palisade/edge/actuator"
	"github.com/palisade/palisade/edge/alarm"
	"github.com/palisade/palisade/sync/replica"
)

const maxBody = 64 << 10

// errorBody is the shape of every error response.
type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{msg})
}

// badRequest is a client mistake with the reason to show.
type badRequest struct {
	status int
	msg    string
}

func (e *badRequest) Error() string { return e.msg }

func invalid(format string, args ...any) error {
	return &badRequest{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// decodeJSON reads exactly one JSON object of at most 64 KiB into v and
// refuses unknown fields. Its errors are *badRequest naming the problem.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		// A missing type is tolerated (curl); a form post is not, which
		// also keeps cross-site HTML forms out.
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			return &badRequest{http.StatusUnsupportedMediaType, "body: Content-Type must be application/json, not " + ct}
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return bodyError(err)
		}
		return invalid("body: more than one JSON value")
	}
	return nil
}

func bodyError(err error) error {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
		message string
	)
	switch {
	case errors.As(err, &tooBig):
		message = fmt.Sprintf("body: larger than %d KiB", maxBody>>10)
	case errors.Is(err, io.EOF):
		message = "body: empty; expected a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		message = "body: JSON ends too early"
	case errors.As(err, &syntax):
		message = fmt.Sprintf("body: malformed JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &typ):
		if typ.Field == "" {
			message = fmt.Sprintf("body: expected a JSON object, not %s", typ.Value)
		} else {
			message = fmt.Sprintf("body: field %q must be %s, not %s", typ.Field, jsonKind(typ.Type), typ.Value)
		}
	default: // e.g. json: unknown field "x"
		message = "body: " + strings.TrimPrefix(err.Error(), "json: ")
	}
	return &badRequest{http.StatusBadRequest, message}
}

// jsonKind names what a JSON value of type t looks like.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	default:
		return "an object"
	}
}

// fail writes the response for err: a client mistake, a known domain
// error, or — logged — an internal one.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var bad *badRequest
	switch {
	case errors.As(err, &bad):
		writeError(w, bad.status, bad.msg)
	case errors.Is(err, alarm.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such alarm")
	case errors.Is(err, alarm.ErrAlreadyAcked):
		writeError(w, http.StatusConflict, "the alarm is already acknowledged")
	case errors.Is(err, alarm.ErrAlreadyClosed):
		writeError(w, http.StatusConflict, "the alarm is already resolved")
	case errors.Is(err, alarm.ErrNoteRequired):
		writeError(w, http.StatusBadRequest, "note: a note is required")
	case errors.Is(err, alarm.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, actuator.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, actuator.ErrNotFound), errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, replica.ErrRejected):
		// The facility's state machine refused the change (its reason is
		// in the message): the request was understood, the state says no.
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, replica.ErrNoLeader):
		writeError(w, http.StatusServiceUnavailable, "no quorum: the change cannot be recorded now")
	case errors.Is(err, context.DeadlineExceeded) && r.Context().Err() == nil:
		s.log.Warn("request timed out", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusGatewayTimeout, "timed out waiting for the change to be recorded; it may still be recorded — reload to see")
	case r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
		s.log.Debug("client gone", "method", r.Method, "path", r.URL.Path, "err", err)
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error; it has been logged")
	}
}
