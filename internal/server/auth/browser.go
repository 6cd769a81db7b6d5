package auth

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/tandem-remote/tandem/internal/server/httpjson"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// The browser console's login (package console) is the same SCRAM-SHA-256
// exchange against the same accounts, lockout, throttles, IP rules, TOTP
// and password policy, with one difference: a page cannot read its TLS
// connection's exporter, so its proof is not bound to the connection. What
// binding gives the desktop client - a relayed login fails at a man in the
// middle holding another certificate - a browser gets from its own
// certificate check of the server. To keep that exception from reaching
// anything else:
//
//   - only these two calls accept an unbound proof, and the login they
//     start can only be finished by them (the desktop finish compares the
//     connection's exporter value with the start's, none here);
//   - the request must come over TLS to this server (unless AllowUnbound
//     says a proxy terminates it) and carry an Origin header naming one of
//     the server's own hosts: the desktop client sends none, and a page on
//     another site cannot forge it;
//   - the desktop endpoint still refuses an unbound client-first-message.

// ErrCrossOrigin refuses a browser login whose Origin is missing or not
// one of the server's hosts.
var ErrCrossOrigin = errors.New("this login is only for the console page served by this server: open https://SERVER/console")

// StartBrowserLogin runs SCRAM's first step for the browser console; hosts
// are the server's own host[:port] names (path.Match patterns, as the
// WebSocket's OriginPatterns) besides the request's own Host.
func (s *Service) StartBrowserLogin(r *http.Request, hosts []string, m login.StartRequest) (login.StartResponse, error) {
	if err := s.browserRequest(r, hosts); err != nil {
		return login.StartResponse{}, err
	}
	loginID, first, err := s.startLogin(r.Context(), s.ClientAddr(r), nil, true, m.ID, m.ClientFirst)
	if err != nil {
		return login.StartResponse{}, err
	}
	return login.StartResponse{LoginID: loginID, ServerFirst: first}, nil
}

// FinishBrowserLogin checks the proof of a login StartBrowserLogin began.
// The token it returns must go to the page only in an HttpOnly cookie.
func (s *Service) FinishBrowserLogin(r *http.Request, hosts []string, m login.FinishRequest) (serverFinal string, tok login.Token, err error) {
	if err := s.browserRequest(r, hosts); err != nil {
		return "", login.Token{}, err
	}
	return s.finishLogin(r.Context(), s.ClientAddr(r), nil, m.LoginID, m.ClientFinal, m.TOTP)
}

func (s *Service) browserRequest(r *http.Request, hosts []string) error {
	if r.TLS == nil && !s.cfg.AllowUnbound {
		return errBadRequest{"the console's login needs HTTPS straight to the signaling server"}
	}
	if !SameOrigin(r, hosts) {
		return ErrCrossOrigin
	}
	return nil
}

// SameOrigin reports whether r's Origin header is https://HOST with HOST
// the request's own Host (as the WebSocket's same-origin rule) or one of
// hosts (path.Match patterns). A request without Origin is not: the
// browser always sends one on a POST and on a WebSocket upgrade.
func SameOrigin(r *http.Request, hosts []string) bool {
	o := r.Header.Get("Origin")
	if o == "" || len(r.Header.Values("Origin")) != 1 {
		return false
	}
	u, err := url.Parse(o)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.Path != "" || u.User != nil {
		return false
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, h := range hosts {
		if ok, err := path.Match(strings.ToLower(h), strings.ToLower(u.Host)); err == nil && ok {
			return true
		}
	}
	return false
}

// WriteLoginError sends err as the login API does (a constant body for
// every failure an account can cause), and 403 for ErrCrossOrigin.
func (s *Service) WriteLoginError(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrCrossOrigin) {
		httpjson.Error(w, http.StatusForbidden, "cross_origin", ErrCrossOrigin.Error())
		return
	}
	s.writeError(w, err)
}
