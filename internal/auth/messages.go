package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The login messages. Field names are the wire format; keep them stable.
type (
	startRequest struct {
		ID          string `json:"id"`
		ClientFirst string `json:"client_first"`
	}
	startResponse struct {
		LoginID     string `json:"login_id"`
		ServerFirst string `json:"server_first"`
	}
	finishRequest struct {
		LoginID     string `json:"login_id"`
		ClientFinal string `json:"client_final"`
		TOTP        string `json:"totp,omitempty"` // the second factor's code, when the account uses one
	}
	finishResponse struct {
		ServerFinal string    `json:"server_final"`
		Token       string    `json:"token"`
		Expires     time.Time `json:"expires"`
	}
	errorResponse struct {
		Code  string `json:"code"`
		Error string `json:"error"`
	}
)

// maxMessage bounds every login message; real ones are a few hundred bytes.
const maxMessage = 4096

// decodeStrict reads exactly one JSON object with only known fields.
func decodeStrict(b []byte, v any) error {
	if len(b) > maxMessage {
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

func decodeStartRequest(b []byte) (startRequest, error) {
	var m startRequest
	if err := decodeStrict(b, &m); err != nil {
		return m, fmt.Errorf("login start: %w", err)
	}
	if m.ID == "" || len(m.ID) > 256 || m.ClientFirst == "" || len(m.ClientFirst) > 1024 {
		return m, errors.New("login start: id and client_first are required (id at most 256 bytes, client_first at most 1024)")
	}
	return m, nil
}

func decodeFinishRequest(b []byte) (finishRequest, error) {
	var m finishRequest
	if err := decodeStrict(b, &m); err != nil {
		return m, fmt.Errorf("login finish: %w", err)
	}
	if m.LoginID == "" || len(m.LoginID) > 64 || m.ClientFinal == "" || len(m.ClientFinal) > 1024 || len(m.TOTP) > 16 {
		return m, errors.New("login finish: login_id and client_final are required (totp at most 16 characters)")
	}
	return m, nil
}

func decodeStartResponse(b []byte) (startResponse, error) {
	var m startResponse
	if err := decodeStrict(b, &m); err != nil {
		return m, fmt.Errorf("login start response: %w", err)
	}
	if m.LoginID == "" || m.ServerFirst == "" {
		return m, errors.New("login start response: login_id and server_first are required")
	}
	return m, nil
}

func decodeFinishResponse(b []byte) (finishResponse, error) {
	var m finishResponse
	if err := decodeStrict(b, &m); err != nil {
		return m, fmt.Errorf("login finish response: %w", err)
	}
	if m.ServerFinal == "" || m.Token == "" || m.Expires.IsZero() {
		return m, errors.New("login finish response: server_final, token and expires are required")
	}
	return m, nil
}

func decodeErrorResponse(b []byte) (errorResponse, error) {
	var m errorResponse
	if err := json.Unmarshal(b, &m); err != nil || m.Code == "" {
		return m, errors.New("not a Tandem error response")
	}
	return m, nil
}
