package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tandem-remote/tandem/internal/audit"
	"github.com/tandem-remote/tandem/internal/auth"
	"github.com/tandem-remote/tandem/internal/store"
)

// Handler serves, at their full paths, the login API (auth's), the setup
// route and the admin API:
//
//	POST   /v1/login/start, /v1/login/finish, /v1/logout    (package auth)
//	POST   /v1/setup                      {token, id, name, organisation, password}
//	GET    /v1/admin/accounts             -> [account]
//	POST   /v1/admin/accounts             {id, kind, name, organisation, password}
//	GET    /v1/admin/accounts/{id}        -> account with lockout and permissions
//	POST   /v1/admin/accounts/{id}/disable | enable | unlock
//	POST   /v1/admin/accounts/{id}/password  {password}
//	PUT    /v1/admin/accounts/{id}/relay-port {port} (0: none)
//	GET    /v1/admin/groups               -> [name]
//	POST   /v1/admin/groups               {name}
//	DELETE /v1/admin/groups/{name}
//	PUT    /v1/admin/groups/{name}/members/{id}
//	DELETE /v1/admin/groups/{name}/members/{id}
//	GET    /v1/admin/ip-rules?subject_kind=account|group&subject=NAME -> [rule]
//	POST   /v1/admin/ip-rules             {subject_kind, subject, rule}
//	DELETE /v1/admin/ip-rules?subject_kind=...&subject=...&rule=...
//	GET    /v1/admin/permissions?subject_kind=...&subject=... -> [function]
//	PUT    /v1/admin/permissions          {subject_kind, subject, functions}
//	GET    /v1/admin/audit?after=N&limit=N -> [entry]
//	GET    /v1/admin/audit/verify         -> {ok, entries, head, broken_entry, reason}
//	GET    /v1/admin/chats?session=ID&since=RFC3339&limit=N -> [chat] (no messages; latest first)
//	GET    /v1/admin/chats/{id}           -> chat with events and check (the read is audited)
//	GET    /v1/blocks                     -> [block] (an operator's own; all for administrators)
//	POST   /v1/blocks                     {address, duration, permanent, reason} -> block
//	DELETE /v1/blocks/{id}
//	POST   /v1/totp/enroll                -> {otpauth_uri} (own account, shown once)
//	POST   /v1/totp/confirm               {code} (own account)
//	PUT    /v1/admin/totp-required        {subject_kind, subject, required}
//	DELETE /v1/admin/accounts/{id}/totp   (reset a lost factor)
//	GET    /v1/keys[?all=true]            -> [key] (own; all for administrators)
//	POST   /v1/keys                       {name, scopes, expires_in} -> key with its secret, once
//	DELETE /v1/keys/{id}
//
// Besides a login's token, /v1/admin/ and /v1/blocks take an API key
// ("Bearer tdmk_...") whose scopes cover the request (see apikeys.go).
//
// /v1/admin/ needs "Authorization: Bearer TOKEN" from an administrator's
// login: 401 without a live token, 403 for an operator's. /v1/blocks and
// /v1/totp/ take an operator's or an administrator's token (see blocks.go for who may do
// what).
func (a *Admin) Handler() http.Handler {
	mux := http.NewServeMux()
	login := a.auth.Handler()
	mux.Handle("POST /v1/login/", login)
	mux.Handle("POST /v1/logout", login)
	mux.HandleFunc("POST /v1/setup", a.serveSetup)
	a.routes(mux)
	a.blockRoutes(mux)
	a.totpRoutes(mux)
	a.keyRoutes(mux)
	return a.setupGuard(mux)
}

// setupGuard answers 404 to any spelling of the setup path once setup is
// done, before the mux can match, redirect or decode anything.
func (a *Admin) setupGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mentionsSetup(r) {
			if open, err := a.SetupOpen(r.Context()); err != nil || !open {
				http.NotFound(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (a *Admin) serveSetup(w http.ResponseWriter, r *http.Request) {
	m, err := decodeSetup(readBody(w, r))
	if err != nil {
		a.writeError(w, err)
		return
	}
	ctx := audit.WithActor(r.Context(), "setup", a.auth.ClientAddr(r))
	err = a.Setup(ctx, m.Token, store.Account{ID: m.ID, DisplayName: m.Name, Organisation: m.Organisation}, m.Password)
	if errors.Is(err, ErrSetupDone) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		a.writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handlerFunc is one admin route: its answer (nil for 204) or an error.
type handlerFunc func(r *http.Request) (any, error)

// admin authenticates the request as an administrator, puts them in the
// context as the actor, and runs h.
func (a *Admin) admin(h handlerFunc) http.HandlerFunc {
	return a.member(func(r *http.Request, by Caller) (any, error) {
		if by.Kind != store.KindAdministrator {
			a.log.Note(r.Context(), audit.Entry{Kind: "admin.forbidden", Subject: r.Method + " " + r.URL.Path})
			return nil, fmt.Errorf("%w: administrators only: ask an administrator to do this", ErrForbidden)
		}
		return h(r)
	})
}

// member authenticates the request as any live account, operator or
// administrator, puts them in the context as the actor, and runs h.
func (a *Admin) member(h func(r *http.Request, by Caller) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		acct, actor, err := a.authenticate(r)
		if err != nil {
			a.writeError(w, err)
			return
		}
		ctx := audit.WithActor(r.Context(), actor, a.auth.ClientAddr(r))
		v, err := h(r.WithContext(ctx), Caller{ID: acct.ID, Kind: acct.Kind})
		switch {
		case err != nil:
			a.writeError(w, err)
		case v == nil:
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusNoContent)
		default:
			writeJSON(w, http.StatusOK, v)
		}
	}
}

// authenticate accepts a login's session token or an API key whose
// scopes cover the request; the audit actor names the key when one is
// used ("root/key_0123abcd").
func (a *Admin) authenticate(r *http.Request) (store.Account, string, error) {
	bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !auth.IsAPIKey(bearer) {
		acct, err := a.auth.AuthenticateRequest(r)
		return acct, acct.ID, err
	}
	acct, k, err := a.auth.AuthenticateAPIKey(r.Context(), bearer, a.auth.ClientAddr(r))
	if err != nil {
		return store.Account{}, "", err
	}
	if !keyAllows(k.Scopes, r) {
		return store.Account{}, "", fmt.Errorf("%w: API key %s has no scope for %s %s: use a key with the right scope, or log in", ErrForbidden, k.ID, r.Method, r.URL.Path)
	}
	return acct, acct.ID + "/" + k.ID, nil
}

// writeError maps err to its status and wire code, in one place.
func (a *Admin) writeError(w http.ResponseWriter, err error) {
	var pe *auth.PolicyError
	switch {
	case errors.Is(err, ErrInvalid), errors.As(err, &pe):
		writeJSON(w, http.StatusBadRequest, errorResponse{"bad_request", err.Error()})
	case errors.Is(err, ErrForbidden):
		writeJSON(w, http.StatusForbidden, errorResponse{"forbidden", err.Error()})
	case errors.Is(err, ErrSetupToken):
		writeJSON(w, http.StatusForbidden, errorResponse{"setup_token", err.Error()})
	case errors.Is(err, auth.ErrUnauthenticated):
		writeJSON(w, http.StatusUnauthorized, errorResponse{"unauthenticated", err.Error()})
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusNotFound, errorResponse{"not_found", err.Error() + ": check the name"})
	case errors.Is(err, store.ErrExists):
		writeJSON(w, http.StatusConflict, errorResponse{"exists", err.Error() + ": choose another name"})
	default:
		a.logger.Error("admin request failed", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorResponse{"internal", "internal error: the server's log has details"})
	}
}

func readBody(w http.ResponseWriter, r *http.Request) []byte {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequest+1))
	if err != nil {
		return append(b, make([]byte, maxRequest+1)...) // too large: let the decoder say so
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
