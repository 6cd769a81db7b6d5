package blockfeed

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/tandem-remote/tandem/internal/server/relayfeed"
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
	return relayfeed.Handler(relayfeed.HandlerConfig{Name: "block feed", Path: Path,
		Secret: c.Secret, Now: c.Now, Logger: c.Logger,
		Unavailable: "the server cannot read its blocks now; keep the last list and retry",
		Answer: func(r *http.Request) (any, error) {
			bs, err := c.List(r.Context())
			if bs == nil {
				bs = []Block{}
			}
			return List{Blocks: bs}, err
		}})
}
