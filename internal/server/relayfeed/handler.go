package relayfeed

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

// HandlerConfig configures Handler.
type HandlerConfig struct {
	Name   string           // the feed's name in the log ("block feed")
	Path   string           // the path a proof must be for
	Secret []byte           // the TURN REST shared secret
	Now    func() time.Time // nil: time.Now
	Logger *slog.Logger     // nil discards
	// Answer reads the response to r, sent as JSON. Its error is logged
	// and answered 503 with Unavailable, which says what a relay does.
	Answer      func(r *http.Request) (any, error)
	Unavailable string
}

// Handler serves a feed to relays that prove they hold the secret: 401
// without proof, 503 when the answer cannot be read.
func Handler(c HandlerConfig) http.Handler {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := checkAuthorization(c.Secret, c.Path, r.Header.Get("Authorization"), c.Now()); err != nil {
			c.Logger.Info(c.Name+": request refused", "from", r.RemoteAddr, "err", err)
			w.Header().Set("WWW-Authenticate", "Tandem-Relay")
			http.Error(w, unauthorizedText(err), http.StatusUnauthorized)
			return
		}
		v, err := c.Answer(r)
		if err != nil {
			c.Logger.Error(c.Name+": read the answer", "err", err)
			http.Error(w, c.Unavailable, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	})
}
