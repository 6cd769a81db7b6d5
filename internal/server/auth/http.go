package auth

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/xdg-go/scram"

	"github.com/tandem-remote/tandem/internal/server/httpjson"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// Wire error codes (the others are package login's, which the client maps
// back to errors).
const (
	codeBadRequest = "bad_request"
	codeInternal   = "internal"
)

// Handler serves the login API at its full paths, so it can be mounted on
// the signaling server's HTTPS mux as is:
//
//	POST /v1/login/start   {id, client_first}   -> {login_id, server_first}
//	POST /v1/login/finish  {login_id, client_final} -> {server_final, token, expires}
//	POST /v1/logout        Authorization: Bearer <token> -> 204
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/login/start", s.serveStart)
	mux.HandleFunc("POST /v1/login/finish", s.serveFinish)
	mux.HandleFunc("POST /v1/logout", s.serveLogout)
	return mux
}

// exporter is the request's tls-exporter channel binding (RFC 9266), nil
// without TLS or where the TLS version cannot export safely.
func exporter(r *http.Request) []byte {
	if r.TLS == nil {
		return nil
	}
	cb, err := scram.NewTLSExporterBinding(r.TLS)
	if err != nil {
		return nil
	}
	return cb.Data
}

func (s *Service) serveStart(w http.ResponseWriter, r *http.Request) {
	m, err := login.DecodeStartRequest(readBody(w, r))
	if err != nil {
		s.writeError(w, errBadRequest{err.Error()})
		return
	}
	loginID, first, err := s.startLogin(r.Context(), s.ClientAddr(r), exporter(r), s.cfg.AllowUnbound, m.ID, m.ClientFirst)
	if err != nil {
		s.writeError(w, err)
		return
	}
	httpjson.Write(w, http.StatusOK, login.StartResponse{LoginID: loginID, ServerFirst: first})
}

func (s *Service) serveFinish(w http.ResponseWriter, r *http.Request) {
	m, err := login.DecodeFinishRequest(readBody(w, r))
	if err != nil {
		s.writeError(w, errBadRequest{err.Error()})
		return
	}
	final, tok, err := s.finishLogin(r.Context(), s.ClientAddr(r), exporter(r), m.LoginID, m.ClientFinal, m.TOTP)
	if err != nil {
		s.writeError(w, err)
		return
	}
	httpjson.Write(w, http.StatusOK, login.FinishResponse{ServerFinal: final, Token: tok.Value, Expires: tok.Expires})
}

func (s *Service) serveLogout(w http.ResponseWriter, r *http.Request) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if err := s.Logout(r.Context(), token); err != nil {
		s.writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func readBody(w http.ResponseWriter, r *http.Request) []byte {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, login.MaxMessage+1))
	if err != nil {
		return nil
	}
	return b
}

// writeError sends err's wire form. The login-failed body is a constant,
// so unknown ID, wrong password and blocked ID are byte-identical.
func (s *Service) writeError(w http.ResponseWriter, err error) {
	var bad errBadRequest
	var thr throttledError
	var starts tooManyStartsError
	switch {
	case errors.As(err, &bad):
		httpjson.Error(w, http.StatusBadRequest, codeBadRequest, bad.msg)
	case errors.As(err, &thr):
		w.Header().Set("Retry-After", strconv.Itoa(int(thr.retry.Seconds())+1))
		httpjson.Error(w, http.StatusTooManyRequests, login.CodeThrottled, login.ErrThrottled.Error())
	case errors.As(err, &starts):
		w.Header().Set("Retry-After", strconv.Itoa(int(starts.retry.Seconds())+1))
		httpjson.Error(w, http.StatusTooManyRequests, login.CodeTooManyStarts, login.ErrTooManyStarts.Error())
	case errors.Is(err, login.ErrLoginFailed):
		httpjson.Error(w, http.StatusUnauthorized, login.CodeLoginFailed, login.ErrLoginFailed.Error())
	case errors.Is(err, login.ErrPasswordExpired):
		httpjson.Error(w, http.StatusForbidden, login.CodePasswordExpired, login.ErrPasswordExpired.Error())
	case errors.Is(err, login.ErrUnauthenticated):
		httpjson.Error(w, http.StatusUnauthorized, login.CodeUnauthenticated, login.ErrUnauthenticated.Error())
	default:
		s.cfg.Logger.Error("auth request failed", "err", err)
		httpjson.Error(w, http.StatusInternalServerError, codeInternal, "internal error: the server's log has details")
	}
}
