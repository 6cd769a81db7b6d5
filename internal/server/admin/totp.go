package admin

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/store"
)

// RequireTOTP requires (or stops requiring) a TOTP code at login of an
// account or every member of a group. An account that must use TOTP and
// has no enrollment cannot log in: enroll it first (EnrollTOTP here, or
// the operator through the API before the requirement).
func (a *Admin) RequireTOTP(ctx context.Context, sub store.Subject, required bool) error {
	if err := a.st.SetTOTPRequired(ctx, sub, required); err != nil {
		return err
	}
	return a.record(ctx, "admin.totp-required", string(sub.Kind)+":"+sub.Name, map[string]string{"required": strconv.FormatBool(required)})
}

// EnrollTOTP starts TOTP enrollment for id and returns the otpauth:// URI,
// shown this once.
func (a *Admin) EnrollTOTP(ctx context.Context, id string) (string, error) {
	if _, err := a.st.Account(ctx, id); err != nil {
		return "", err
	}
	uri, err := a.auth.EnrollTOTP(ctx, id)
	if errors.Is(err, auth.ErrTOTPEnrolled) {
		return "", invalid("%v", err)
	}
	return uri, err
}

// ResetTOTP removes id's TOTP enrollment (a lost phone).
func (a *Admin) ResetTOTP(ctx context.Context, id string) error { return a.auth.ResetTOTP(ctx, id) }

type (
	totpCodeRequest struct {
		Code string `json:"code"`
	}
	totpRequiredRequest struct {
		SubjectKind string `json:"subject_kind"`
		Subject     string `json:"subject"`
		Required    *bool  `json:"required"`
	}
	totpEnrollResponse struct {
		URI string `json:"otpauth_uri"`
	}
)

func decodeTOTPCode(b []byte) (totpCodeRequest, error) {
	return decode(b, func(m totpCodeRequest) error { return required("code", m.Code) })
}

func decodeTOTPRequired(b []byte) (totpRequiredRequest, error) {
	return decode(b, func(m totpRequiredRequest) error {
		if m.Required == nil {
			return errors.New("required (true or false) is required")
		}
		return required("subject_kind", m.SubjectKind, "subject", m.Subject)
	})
}

func (a *Admin) totpRoutes(rt *router) {
	// Any logged-in account, for itself.
	rt.handle("POST /v1/totp/enroll", func(r *http.Request, by Caller) (any, error) {
		uri, err := a.EnrollTOTP(r.Context(), by.ID)
		if err != nil {
			return nil, err
		}
		return totpEnrollResponse{URI: uri}, nil
	})
	rt.handle("POST /v1/totp/confirm", func(r *http.Request, by Caller) (any, error) {
		m, err := decodeTOTPCode(readBody(nil, r))
		if err != nil {
			return nil, err
		}
		err = a.auth.ConfirmTOTP(r.Context(), by.ID, m.Code)
		if errors.Is(err, auth.ErrTOTPCode) || errors.Is(err, auth.ErrTOTPNone) || errors.Is(err, auth.ErrTOTPEnrolled) {
			return nil, invalid("%v", err)
		}
		return nil, err
	})
	rt.admin("PUT /v1/admin/totp-required", func(r *http.Request) (any, error) {
		m, err := decodeTOTPRequired(readBody(nil, r))
		if err != nil {
			return nil, err
		}
		sub, err := ParseSubject(m.SubjectKind, m.Subject)
		if err != nil {
			return nil, err
		}
		return nil, a.RequireTOTP(r.Context(), sub, *m.Required)
	})
	rt.admin("DELETE /v1/admin/accounts/{id}/totp", func(r *http.Request) (any, error) {
		return nil, a.ResetTOTP(r.Context(), r.PathValue("id"))
	})
}
