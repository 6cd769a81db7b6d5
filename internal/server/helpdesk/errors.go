package helpdesk

import (
	"errors"
	"net/http"

	"github.com/tandem-remote/tandem/internal/server/httpjson"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// wireError is an error the page or the desk receives (its Failure) and
// the HTTP status it is answered with.
type wireError struct {
	chatwire.Failure
	status int
}

func refusal(status int, code, message string) *wireError {
	return &wireError{chatwire.Failure{Code: code, Message: message}, status}
}

func (e *wireError) Error() string { return e.Message }

var (
	errInvalidCode = refusal(http.StatusNotFound, chatwire.CodeInvalidCode, "the session code is wrong, expired or already used: ask the technician for a new one")
	errThrottled   = refusal(http.StatusTooManyRequests, chatwire.CodeThrottled, "too many attempts or messages from this address: wait a minute and try again")
	errBadRequest  = refusal(http.StatusBadRequest, chatwire.CodeBadRequest, "the request is malformed")
	errTooLong     = refusal(http.StatusBadRequest, chatwire.CodeBadRequest, "the message is too long: split it")
	errClosed      = refusal(http.StatusGone, chatwire.CodeClosed, "this conversation has ended: start a new one")
	errNotFound    = refusal(http.StatusNotFound, chatwire.CodeNotFound, "no such conversation (it ended, or the server restarted): start a new one")
	errTooMany     = refusal(http.StatusTooManyRequests, chatwire.CodeThrottled, "too many open conversations from this address: finish one first")
	errUnavailable = refusal(http.StatusServiceUnavailable, chatwire.CodeUnavailable, "chat with a session code is not available on this server")
	errTaken       = refusal(http.StatusConflict, chatwire.CodeTaken, "another operator has this conversation")
	errNotYours    = refusal(http.StatusForbidden, chatwire.CodeNotYourSession, "that code is not of a session you opened: open a session first and invite with its code")
	errBusy        = refusal(http.StatusServiceUnavailable, chatwire.CodeBusy, "the help desk is full: try again in a few minutes")
	errContended   = refusal(http.StatusServiceUnavailable, chatwire.CodeBusy, "the conversation kept changing on other servers meanwhile: try again")
	errNoName      = refusal(http.StatusBadRequest, chatwire.CodeBadRequest, "give a name (at most 100 characters) or a session code")
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
	httpjson.Write(w, we.status, we)
}
