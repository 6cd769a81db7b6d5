package blockfeed

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// HandlerConfig configures Handler.
type HandlerConfig struct {
	Secret []byte                                     // the TURN REST shared secret
	List   func(ctx context.Context) ([]Block, error) // the blocks active now
	Now    func() time.Time                           // nil: time.Now
	Logger *slog.Logger                               // nil discards
}

// Handler serves the feed to relays that prove they hold the secret: 401
// without proof, 503 when the list cannot be read (a relay then keeps its
// last list).
func Handler(c HandlerConfig) http.Handler {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := checkAuthorization(c.Secret, r.Header.Get("Authorization"), c.Now()); err != nil {
			c.Logger.Info("block feed: request refused", "from", r.RemoteAddr, "err", err)
			w.Header().Set("WWW-Authenticate", "Tandem-Relay")
			http.Error(w, UnauthorizedText(err), http.StatusUnauthorized)
			return
		}
		bs, err := c.List(r.Context())
		if err != nil {
			c.Logger.Error("block feed: list blocks", "err", err)
			http.Error(w, "the server cannot read its blocks now; keep the last list and retry", http.StatusServiceUnavailable)
			return
		}
		if bs == nil {
			bs = []Block{}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(List{Blocks: bs})
	})
}

// UnauthorizedText is the 401 body for a CheckAuthorization error: it
// says what to fix, without saying which part was wrong beyond the clock
// (which a relay's operator can check and no attacker learns anything
// from).
func UnauthorizedText(err error) string {
	if errors.Is(err, errUnauthorized) && err != errUnauthorized {
		return err.Error()
	}
	return "relay feed: not authorized (the relay's TURN secret must be the signaling server's)"
}
