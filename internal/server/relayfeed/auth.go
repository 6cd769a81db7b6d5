package relayfeed

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxSkew is how far a request's timestamp may be from the server's clock.
const MaxSkew = 5 * time.Minute

const scheme = "Tandem-Relay "

// key derives the feeds' MAC key from the shared TURN secret. The label
// names the block feed, the first of them; changing it would break relays
// of older versions.
func key(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("tandem relay block feed v1"))
	return m.Sum(nil)
}

// mac signs a GET of path at unix: a proof for one feed's path is no
// proof for another's.
func mac(secret []byte, path string, unix int64) []byte {
	m := hmac.New(sha256.New, key(secret))
	fmt.Fprintf(m, "GET %s\n%d", path, unix)
	return m.Sum(nil)
}

// Authorization returns the header value that proves a relay holds secret
// for a GET of path at time now.
func Authorization(secret []byte, path string, now time.Time) string {
	t := now.Unix()
	return scheme + strconv.FormatInt(t, 10) + ":" + hex.EncodeToString(mac(secret, path, t))
}

// errUnauthorized: a missing, malformed, stale or wrong Authorization.
var errUnauthorized = errors.New("relay feed: not authorized")

// checkAuthorization verifies an Authorization header value for a GET of
// path at now. Its error is fit for a 401 body (see unauthorizedText).
func checkAuthorization(secret []byte, path, header string, now time.Time) error {
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

// unauthorizedText is the 401 body for a checkAuthorization error: it
// says what to fix, without saying which part was wrong beyond the clock
// (which a relay's operator can check and no attacker learns anything
// from).
func unauthorizedText(err error) string {
	if errors.Is(err, errUnauthorized) && err != errUnauthorized {
		return err.Error()
	}
	return "relay feed: not authorized (the relay's TURN secret must be the signaling server's)"
}
