package helpdesk

import (
	"encoding/json"
	"errors"
	"net/http"
)

// wireError is an error the page or the desk receives: a stable code it
// can show its own localized words for, and an English message.
type wireError struct {
	Code    string `json:"error"`
	Message string `json:"message"`
	status  int
}

func (e *wireError) Error() string { return e.Message }

var (
	errInvalidCode = &wireError{"invalid-code", "the session code is wrong, expired or already used: ask the technician for a new one", http.StatusNotFound}
	errThrottled   = &wireError{"throttled", "too many attempts or messages from this address: wait a minute and try again", http.StatusTooManyRequests}
	errBadRequest  = &wireError{"bad-request", "the request is malformed", http.StatusBadRequest}
	errTooLong     = &wireError{"bad-request", "the message is too long: split it", http.StatusBadRequest}
	errClosed      = &wireError{"closed", "this conversation has ended: start a new one", http.StatusGone}
	errNotFound    = &wireError{"not-found", "no such conversation (it ended, or the server restarted): start a new one", http.StatusNotFound}
	errTooMany     = &wireError{"throttled", "too many open conversations from this address: finish one first", http.StatusTooManyRequests}
	errUnavailable = &wireError{"unavailable", "chat with a session code is not available on this server", http.StatusServiceUnavailable}
	errTaken       = &wireError{"taken", "another operator has this conversation", http.StatusConflict}
	errNotYours    = &wireError{"not-your-session", "that code is not of a session you opened: open a session first and invite with its code", http.StatusForbidden}
	errBusy        = &wireError{"busy", "the help desk is full: try again in a few minutes", http.StatusServiceUnavailable}
	errNoName      = &wireError{"bad-request", "give a name (at most 100 characters) or a session code", http.StatusBadRequest}
)

// asWire returns err's wire form; anything unexpected is a bad request.
func asWire(err error) *wireError {
	var we *wireError
	if errors.As(err, &we) {
		return we
	}
	return errBadRequest
}

func writeError(w http.ResponseWriter, err error) {
	we := asWire(err)
	writeJSON(w, we.status, we)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
