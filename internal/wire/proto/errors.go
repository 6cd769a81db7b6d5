package proto

import (
	"errors"
	"fmt"
)

// Code is a wire error code. Codes and sentinel errors map one to one here,
// in one place, so both ends branch on the same meaning.
type Code string

// Error codes.
const (
	CodeBadRequest   Code = "bad_request"
	CodeUnauthorized Code = "unauthorized"
	CodeInvalidCode  Code = "invalid_code" // wrong, expired or used: deliberately one answer
	CodeThrottled    Code = "throttled"
	CodeVersion      Code = "version"
	CodeBusy         Code = "busy"
	CodeRefused      Code = "refused" // the server refuses this client; it does not say why
	CodeInternal     Code = "internal"
)

// Sentinel errors, one per code.
var (
	ErrBadRequest   = errors.New("bad request")
	ErrUnauthorized = errors.New("not authorized: log in again (technician -user ID)")
	ErrInvalidCode  = errors.New("the session code is wrong, expired or already used: ask the technician for a new one")
	ErrThrottled    = errors.New("too many attempts from this address: wait a minute and try again")
	ErrServerBusy   = errors.New("the server is busy: try again shortly")
	ErrRefused      = errors.New("the support server refused this connection: contact the company that gave you the code")
	ErrInternal     = errors.New("internal server error")
)

var codeErrors = map[Code]error{
	CodeBadRequest:   ErrBadRequest,
	CodeUnauthorized: ErrUnauthorized,
	CodeInvalidCode:  ErrInvalidCode,
	CodeThrottled:    ErrThrottled,
	CodeVersion:      ErrVersion,
	CodeBusy:         ErrServerBusy,
	CodeRefused:      ErrRefused,
	CodeInternal:     ErrInternal,
}

// Error is the body of an error message.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message,omitempty"`
}

// Err returns the sentinel error for e's code, wrapped with its message when
// the message adds something.
func (e Error) Err() error {
	base, ok := codeErrors[e.Code]
	if !ok {
		base = fmt.Errorf("server error %q", e.Code)
	}
	if e.Message == "" || e.Message == base.Error() {
		return base
	}
	return fmt.Errorf("%w (%s)", base, e.Message)
}

// ErrorFor returns the wire error for err: the code of the first sentinel
// it wraps, or internal.
func ErrorFor(err error) Error {
	for code, sentinel := range codeErrors {
		if errors.Is(err, sentinel) {
			return Error{Code: code, Message: sentinel.Error()}
		}
	}
	return Error{Code: CodeInternal, Message: ErrInternal.Error()}
}
