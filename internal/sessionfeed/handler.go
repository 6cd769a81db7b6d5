package sessionfeed

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/tandem-remote/tandem/internal/blockfeed"
)

// HandlerConfig configures Handler.
type HandlerConfig struct {
	Secret []byte           // the TURN REST shared secret
	Book   Book             // where the ends are kept
	Now    func() time.Time // nil: time.Now
	Logger *slog.Logger     // nil discards
}

// Handler serves the feed to relays that prove they hold the secret: 401
// without proof, 503 when the Book cannot be read (the relay asks again
// with the same cursor).
func Handler(c HandlerConfig) http.Handler {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := blockfeed.CheckAuthorization(c.Secret, Path, r.Header.Get("Authorization"), c.Now()); err != nil {
			c.Logger.Info("session feed: request refused", "from", r.RemoteAddr, "err", err)
			w.Header().Set("WWW-Authenticate", "Tandem-Relay")
			http.Error(w, blockfeed.UnauthorizedText(err), http.StatusUnauthorized)
			return
		}
		l, err := c.Book.Since(r.Context(), r.URL.Query().Get("after"))
		if err != nil {
			c.Logger.Error("session feed: list ended sessions", "err", err)
			http.Error(w, "the server cannot read its ended sessions now; retry", http.StatusServiceUnavailable)
			return
		}
		if l.Ended == nil {
			l.Ended = []End{}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(l)
	})
}
