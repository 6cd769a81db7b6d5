package console

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/tandem-remote/tandem/internal/server/auth"
)

//go:embed web
var webFS embed.FS

// Path is where the console is served.
const Path = "/console"

// CSP is the console's Content-Security-Policy: its own files only, no
// inline script or style, no eval, no plug-ins, never framed.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

// Config configures the console's handler.
type Config struct {
	// Auth logs operators in and checks their tokens.
	Auth *auth.Service
	// Hosts are the server's own host[:port] names (path.Match patterns):
	// the only Origins its state-changing calls accept.
	Hosts []string
	// OpenWS serves the signaling WebSocket for a request whose operator
	// is token (the cookie's), used instead of the token in open.
	OpenWS func(w http.ResponseWriter, r *http.Request, token string)
	// Desk serves the operators' desk (package helpdesk's
	// /v1/desk/operator); nil: the console has no queue.
	Desk   http.Handler
	Logger *slog.Logger // nil discards
}

type handler struct {
	cfg    Config
	assets http.Handler
}

// Handler serves everything under Path. Mount it at Path and Path+"/".
func Handler(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	sub, _ := fs.Sub(webFS, "web")
	h := &handler{cfg: cfg, assets: http.StripPrefix(Path+"/assets/", http.FileServerFS(sub))}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path, h.serveIndex)
	mux.HandleFunc("GET "+Path+"/{$}", h.serveIndex)
	mux.HandleFunc("GET "+Path+"/assets/{file}", h.serveAsset)
	mux.HandleFunc("POST "+Path+"/api/login/start", h.serveStart)
	mux.HandleFunc("POST "+Path+"/api/login/finish", h.serveFinish)
	mux.HandleFunc("GET "+Path+"/api/me", h.serveMe)
	mux.HandleFunc("POST "+Path+"/api/logout", h.serveLogout)
	mux.HandleFunc("GET "+Path+"/api/ws", h.serveWS)
	mux.HandleFunc("GET "+Path+"/api/desk", h.serveDesk)
	return headers(mux)
}

// headers sets what every console response carries, over the server's
// defaults.
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		// display-capture: Show my screen (demonstration) uses getDisplayMedia.
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=(self)")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func (h *handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	b, err := webFS.ReadFile("web/index.html")
	if err != nil {
		http.Error(w, "console missing from this build", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b)
}

// serveAsset serves the embedded files by name; there are no folders.
func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if strings.HasPrefix(name, ".") || name == "index.html" {
		http.NotFound(w, r)
		return
	}
	h.assets.ServeHTTP(w, r)
}
