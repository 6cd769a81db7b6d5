package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The API's request and response bodies. Field names are the wire format.
type (
	setupRequest struct {
		Token        string `json:"token"`
		ID           string `json:"id"`
		Name         string `json:"name"`
		Organisation string `json:"organisation"`
		Password     string `json:"password"`
	}
	createAccountRequest struct {
		ID           string `json:"id"`
		Kind         string `json:"kind"`
		Name         string `json:"name"`
		Organisation string `json:"organisation"`
		Password     string `json:"password"`
	}
	passwordRequest struct {
		Password string `json:"password"`
	}
	groupRequest struct {
		Name string `json:"name"`
	}
	ipRuleRequest struct {
		SubjectKind string `json:"subject_kind"`
		Subject     string `json:"subject"`
		Rule        string `json:"rule"`
	}
	permissionsRequest struct {
		SubjectKind string   `json:"subject_kind"`
		Subject     string   `json:"subject"`
		Functions   []string `json:"functions"`
	}

	accountResponse struct {
		ID           string    `json:"id"`
		Kind         string    `json:"kind"`
		Name         string    `json:"name"`
		Organisation string    `json:"organisation"`
		Disabled     bool      `json:"disabled"`
		Created      time.Time `json:"created"`
		Groups       []string  `json:"groups"`
		RelayPort    int       `json:"relay_port,omitempty"`
		Failures     *int      `json:"failures,omitempty"`
		BlockedUntil time.Time `json:"blocked_until,omitzero"`
		Permissions  []string  `json:"permissions,omitempty"`
	}
	verifyResponse struct {
		OK      bool   `json:"ok"`
		Entries int64  `json:"entries"`
		Head    string `json:"head"`
		Broken  int64  `json:"broken_entry,omitempty"`
		Reason  string `json:"reason,omitempty"`
		// PrunedThrough: entries up to this one, of PrunedUntil and
		// before, were removed by retention; the check starts after it.
		PrunedThrough int64     `json:"pruned_through,omitempty"`
		PrunedUntil   time.Time `json:"pruned_until,omitzero"`
	}
)

// maxRequest bounds every request body.
const maxRequest = 8192

// decodeStrict reads exactly one JSON object with only known fields.
func decodeStrict(b []byte, v any) error {
	if len(b) > maxRequest {
		return invalid("request too large")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return invalid("body: %v", err)
	}
	if d.More() {
		return invalid("trailing data after the JSON object")
	}
	return nil
}

func decode[T any](b []byte, check func(T) error) (T, error) {
	var m T
	if err := decodeStrict(b, &m); err != nil {
		return m, err
	}
	if err := check(m); err != nil {
		return m, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return m, nil
}

func required(fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i+1] == "" {
			return errors.New(fields[i] + " is required")
		}
		if len(fields[i+1]) > 1024 {
			return errors.New(fields[i] + " is too long")
		}
	}
	return nil
}

func decodeSetup(b []byte) (setupRequest, error) {
	return decode(b, func(m setupRequest) error { return required("token", m.Token, "id", m.ID, "password", m.Password) })
}

func decodeCreateAccount(b []byte) (createAccountRequest, error) {
	return decode(b, func(m createAccountRequest) error {
		return required("id", m.ID, "kind", m.Kind, "password", m.Password)
	})
}

func decodePassword(b []byte) (passwordRequest, error) {
	return decode(b, func(m passwordRequest) error { return required("password", m.Password) })
}

func decodeGroup(b []byte) (groupRequest, error) {
	return decode(b, func(m groupRequest) error { return required("name", m.Name) })
}

func decodeIPRule(b []byte) (ipRuleRequest, error) {
	return decode(b, func(m ipRuleRequest) error {
		return required("subject_kind", m.SubjectKind, "subject", m.Subject, "rule", m.Rule)
	})
}

func decodePermissions(b []byte) (permissionsRequest, error) {
	return decode(b, func(m permissionsRequest) error {
		if len(m.Functions) > 16 {
			return errors.New("too many functions")
		}
		return required("subject_kind", m.SubjectKind, "subject", m.Subject)
	})
}
