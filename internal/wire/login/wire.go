package login

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// The login messages. Field names are the wire format; keep them stable.
// The server decodes the requests with DecodeStartRequest and
// DecodeFinishRequest; the client decodes the responses.
type (
	StartRequest struct {
		ID          string `json:"id"`
		ClientFirst string `json:"client_first"`
	}
	StartResponse struct {
		LoginID     string `json:"login_id"`
		ServerFirst string `json:"server_first"`
	}
	FinishRequest struct {
		LoginID     string `json:"login_id"`
		ClientFinal string `json:"client_final"`
		TOTP        string `json:"totp,omitempty"` // the second factor's code, when the account uses one
	}
	FinishResponse struct {
		ServerFinal string    `json:"server_final"`
		Token       string    `json:"token"`
		Expires     time.Time `json:"expires"`
	}
	ErrorResponse struct {
		Code  string `json:"code"`
		Error string `json:"error"`
	}
)

// MaxMessage bounds every login message; real ones are a few hundred bytes.
const MaxMessage = 4096

// decodeStrict reads exactly one JSON object with only known fields.
func decodeStrict(b []byte, v any) error {
	if len(b) > MaxMessage {
		return errors.New("message too large")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

func DecodeStartRequest(b []byte) (StartRequest, error) {
	var m StartRequest
	if err := decodeStrict(b, &m); err != nil {
		return m, fmt.Errorf("login start: %w", err)
	}
	if m.ID == "" || len(m.ID) > 256 || m.ClientFirst == "" || len(m.ClientFirst) > 1024 {
		return m, errors.New("login start: id and client_first are required (id at most 256 bytes, client_first at most 1024)")
	}
	return m, nil
}

func DecodeFinishRequest(b []byte) (FinishRequest, error) {
	var m FinishRequest
	if err := decodeStrict(b, &m); err != nil {
		return m, fmt.Errorf("login finish: %w", err)
	}
	if m.LoginID == "" || len(m.LoginID) > 64 || m.ClientFinal == "" || len(m.ClientFinal) > 1024 || len(m.TOTP) > 16 {
		return m, errors.New("login finish: login_id and client_final are required (totp at most 16 characters)")
	}
	return m, nil
}

func decodeStartResponse(b []byte) (StartResponse, error) {
	var m StartResponse
	if err := decodeStrict(b, &m); err != nil {
		return m, fmt.Errorf("login start response: %w", err)
	}
	if m.LoginID == "" || m.ServerFirst == "" {
		return m, errors.New("login start response: login_id and server_first are required")
	}
	return m, nil
}

func decodeFinishResponse(b []byte) (FinishResponse, error) {
	var m FinishResponse
	if err := decodeStrict(b, &m); err != nil {
		return m, fmt.Errorf("login finish response: %w", err)
	}
	if m.ServerFinal == "" || m.Token == "" || m.Expires.IsZero() {
		return m, errors.New("login finish response: server_final, token and expires are required")
	}
	return m, nil
}

func decodeErrorResponse(b []byte) (ErrorResponse, error) {
	var m ErrorResponse
	if err := json.Unmarshal(b, &m); err != nil || m.Code == "" {
		return m, errors.New("not a Tandem error response")
	}
	return m, nil
}

// Wire error codes, mapped to and from errors in one place (the server's
// writeError in package auth, errorFromWire here).
const (
	CodeLoginFailed     = "login_failed"
	CodeThrottled       = "throttled"
	CodeTooManyStarts   = "too_many_starts" // also 429: logins started too fast, failed or not
	CodePasswordExpired = "password_expired"
	CodeUnauthenticated = "unauthenticated"
)

// Errors callers branch on. Every login failure a client can cause looks
// like ErrLoginFailed from outside; the server's log says which it was.
var (
	ErrLoginFailed     = errors.New("login failed: check the ID and password; after 3 failures in a row the ID is blocked for a while, and an administrator can unlock it")
	ErrThrottled       = errors.New("too many failed logins from this address: wait a few minutes and try again")
	ErrTooManyStarts   = errors.New("too many login attempts from this address (or its network); wait a minute")
	ErrPasswordExpired = errors.New("password expired: ask an administrator to set a new one")
	ErrUnauthenticated = errors.New("not logged in or session expired: log in again")
)

// errorFromWire maps an error response's code back to the errors callers
// check.
func errorFromWire(status int, body []byte) error {
	m, err := decodeErrorResponse(body)
	if err != nil {
		return errors.New("unexpected response: HTTP " + strconv.Itoa(status))
	}
	switch m.Code {
	case CodeLoginFailed:
		return ErrLoginFailed
	case CodeThrottled:
		return ErrThrottled
	case CodeTooManyStarts:
		return ErrTooManyStarts
	case CodePasswordExpired:
		return ErrPasswordExpired
	case CodeUnauthenticated:
		return ErrUnauthenticated
	}
	return errors.New("server: " + m.Error)
}

// Token is a session token as the client holds it. Its String and
// LogValue hide the secret so it cannot end up in a log by accident.
type Token struct {
	Value   string
	Expires time.Time
}

func (t Token) String() string { return "[session token]" }

// LogValue implements slog.LogValuer.
func (t Token) LogValue() slog.Value { return slog.StringValue("[session token]") }
