package sessionfeed

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/tandem-remote/tandem/internal/server/relayfeed"
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
	return relayfeed.Handler(relayfeed.HandlerConfig{Name: "session feed", Path: Path,
		Secret: c.Secret, Now: c.Now, Logger: c.Logger,
		Unavailable: "the server cannot read its ended sessions now; retry",
		Answer: func(r *http.Request) (any, error) {
			l, err := c.Book.Since(r.Context(), r.URL.Query().Get("after"))
			if l.Ended == nil {
				l.Ended = []End{}
			}
			return l, err
		}})
}
