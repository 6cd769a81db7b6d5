package blockfeed

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/tandem-remote/tandem/internal/netprefix"
)

// Path is where the signaling server serves the feed.
const Path = "/v1/relay/blocks"

// MaxSkew is how far a request's timestamp may be from the server's clock.
const MaxSkew = 5 * time.Minute

// maxBlocks bounds the list a relay accepts (and so its memory).
const maxBlocks = 100_000

// Block is one blocked prefix; a zero Until never ends.
type Block struct {
	Prefix netip.Prefix `json:"prefix"`
	Until  time.Time    `json:"until,omitzero"`
}

// List is the feed's response body.
type List struct {
	Blocks []Block `json:"blocks"`
}

const scheme = "Tandem-Relay "

// key derives the feed's MAC key from the shared TURN secret.
func key(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("tandem relay block feed v1"))
	return m.Sum(nil)
}

// mac signs a GET of path at unix: a proof for one path is no proof for
// another (the session feed, package sessionfeed, signs its own).
func mac(secret []byte, path string, unix int64) []byte {
	m := hmac.New(sha256.New, key(secret))
	fmt.Fprintf(m, "GET %s\n%d", path, unix)
	return m.Sum(nil)
}

// Authorization returns the header value that proves a relay holds secret
// at time now.
func Authorization(secret []byte, now time.Time) string {
	return AuthorizationFor(secret, Path, now)
}

// AuthorizationFor is Authorization for a GET of another relay feed's path.
func AuthorizationFor(secret []byte, path string, now time.Time) string {
	t := now.Unix()
	return scheme + strconv.FormatInt(t, 10) + ":" + hex.EncodeToString(mac(secret, path, t))
}

// errUnauthorized: a missing, malformed, stale or wrong Authorization.
var errUnauthorized = errors.New("relay feed: not authorized")

// checkAuthorization verifies an Authorization header value at now.
func checkAuthorization(secret []byte, header string, now time.Time) error {
	return CheckAuthorization(secret, Path, header, now)
}

// CheckAuthorization verifies an Authorization header value for a GET of
// path at now. Its error is fit for a 401 body (see UnauthorizedText).
func CheckAuthorization(secret []byte, path, header string, now time.Time) error {
	rest, ok := strings.CutPrefix(header, scheme)
	if !ok {
		return errUnauthorized
	}
	ts, sum, ok := strings.Cut(rest, ":")
	t, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil {
		return errUnauthorized
	}
	got, err := hex.DecodeString(sum)
	if err != nil || !hmac.Equal(got, mac(secret, path, t)) {
		return errUnauthorized
	}
	if d := now.Sub(time.Unix(t, 0)); d > MaxSkew || d < -MaxSkew {
		return fmt.Errorf("%w: the request's time is %v from the server's (check both clocks)", errUnauthorized, d.Round(time.Second))
	}
	return nil
}

// parseList reads a feed response: every prefix valid and normalized
// (IPv4-mapped unmapped, masked), at most maxBlocks of them.
func parseList(b []byte) (List, error) {
	var l List
	if err := json.Unmarshal(b, &l); err != nil {
		return List{}, fmt.Errorf("block feed: %w", err)
	}
	if len(l.Blocks) > maxBlocks {
		return List{}, fmt.Errorf("block feed: %d blocks, more than %d", len(l.Blocks), maxBlocks)
	}
	for i, bl := range l.Blocks {
		if !bl.Prefix.IsValid() {
			return List{}, fmt.Errorf("block feed: block %d has no prefix", i)
		}
		l.Blocks[i].Prefix = netprefix.Normalize(bl.Prefix)
	}
	return l, nil
}
