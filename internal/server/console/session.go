package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"

	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/httpjson"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// CookieName is the session cookie; the __Secure- prefix makes browsers
// refuse it unless it is Secure and set over HTTPS.
const CookieName = "__Secure-tandem-console"

// csrfHeader carries the CSRF token on state-changing calls.
const csrfHeader = "X-Tandem-CSRF"

// finishResponse is what the page learns at login: never the token.
type finishResponse struct {
	ServerFinal  string `json:"server_final"`
	ID           string `json:"id"`
	Name         string `json:"name"`
	Organisation string `json:"organisation,omitempty"`
	CSRF         string `json:"csrf"`
	Expires      string `json:"expires"`
}

type meResponse struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Organisation string `json:"organisation,omitempty"`
	CSRF         string `json:"csrf"`
}

func (h *handler) serveStart(w http.ResponseWriter, r *http.Request) {
	m, err := login.DecodeStartRequest(readBody(w, r))
	if err != nil {
		httpjson.Error(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	res, err := h.cfg.Auth.StartBrowserLogin(r, h.cfg.Hosts, m)
	if err != nil {
		h.cfg.Auth.WriteLoginError(w, err)
		return
	}
	httpjson.Write(w, http.StatusOK, res)
}

func (h *handler) serveFinish(w http.ResponseWriter, r *http.Request) {
	m, err := login.DecodeFinishRequest(readBody(w, r))
	if err != nil {
		httpjson.Error(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	final, tok, err := h.cfg.Auth.FinishBrowserLogin(r, h.cfg.Hosts, m)
	if err != nil {
		h.cfg.Auth.WriteLoginError(w, err)
		return
	}
	acct, err := h.cfg.Auth.Authenticate(r.Context(), tok.Value)
	if err != nil {
		h.cfg.Auth.WriteLoginError(w, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: tok.Value, Path: Path, Expires: tok.Expires,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	h.cfg.Logger.Info("console login", "operator", acct.ID)
	httpjson.Write(w, http.StatusOK, finishResponse{ServerFinal: final, ID: acct.ID, Name: acct.DisplayName,
		Organisation: acct.Organisation, CSRF: csrfFor(tok.Value), Expires: tok.Expires.UTC().Format("2006-01-02T15:04:05Z07:00")})
}

// serveMe tells a page that holds a live cookie who it is logged in as.
func (h *handler) serveMe(w http.ResponseWriter, r *http.Request) {
	token, ok := h.operatorToken(w, r)
	if !ok {
		return
	}
	acct, _ := h.cfg.Auth.Authenticate(r.Context(), token)
	httpjson.Write(w, http.StatusOK, meResponse{ID: acct.ID, Name: acct.DisplayName, Organisation: acct.Organisation, CSRF: csrfFor(token)})
}

func (h *handler) serveLogout(w http.ResponseWriter, r *http.Request) {
	token, ok := h.operatorToken(w, r)
	if !ok {
		return
	}
	if !hmac.Equal([]byte(r.Header.Get(csrfHeader)), []byte(csrfFor(token))) {
		httpjson.Error(w, http.StatusForbidden, "csrf", "missing or wrong CSRF token: reload the console")
		return
	}
	if err := h.cfg.Auth.Logout(r.Context(), token); err != nil {
		h.cfg.Auth.WriteLoginError(w, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: Path, MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

// serveWS hands the signaling WebSocket the cookie's token. The Origin
// must be the server's (the cookie is SameSite=Strict too).
func (h *handler) serveWS(w http.ResponseWriter, r *http.Request) {
	token, ok := h.operatorToken(w, r)
	if !ok {
		return
	}
	h.cfg.OpenWS(w, r, token)
}

// deskPath is the desk's WebSocket in package helpdesk.
const deskPath = "/v1/desk/operator"

// serveDesk hands the desk's WebSocket (the waiting queue of web chat
// customers) the cookie's token as the bearer token the desk expects.
// The Origin must be the server's.
func (h *handler) serveDesk(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Desk == nil {
		http.NotFound(w, r)
		return
	}
	token, ok := h.operatorToken(w, r)
	if !ok {
		return
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+token)
	r2.URL.Path, r2.URL.RawPath = deskPath, ""
	h.cfg.Desk.ServeHTTP(w, r2)
}

// operatorToken returns the cookie's token if it authenticates from this
// address and, for anything but a plain GET of /api/me, the request's
// Origin is the server's; otherwise it has answered.
func (h *handler) operatorToken(w http.ResponseWriter, r *http.Request) (string, bool) {
	needOrigin := r.Method != http.MethodGet || r.Header.Get("Upgrade") != ""
	if needOrigin && !auth.SameOrigin(r, h.cfg.Hosts) {
		httpjson.Error(w, http.StatusForbidden, "cross_origin", errCrossOrigin.Error())
		return "", false
	}
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		httpjson.Error(w, http.StatusUnauthorized, login.CodeUnauthenticated, login.ErrUnauthenticated.Error())
		return "", false
	}
	acct, err := h.cfg.Auth.Authenticate(r.Context(), c.Value)
	if err == nil {
		err = h.cfg.Auth.CheckSource(r.Context(), acct.ID, h.cfg.Auth.ClientAddr(r))
	}
	if err != nil {
		httpjson.Error(w, http.StatusUnauthorized, login.CodeUnauthenticated, login.ErrUnauthenticated.Error())
		return "", false
	}
	return c.Value, true
}

var errCrossOrigin = errors.New("this call is only for the console page served by this server")

// csrfFor derives the CSRF token from the session token: one-way, so a
// page that knows it cannot recover the cookie.
func csrfFor(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("tandem console csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func readBody(w http.ResponseWriter, r *http.Request) []byte {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, login.MaxMessage+1))
	if err != nil {
		return nil
	}
	return b
}
