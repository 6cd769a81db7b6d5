// Package turncred issues and checks TURN REST credentials: ephemeral
// usernames of the form "EXPIRY:TAG" whose password is
// base64(HMAC-SHA1(secret, username)).
//
// It is the scheme of draft-uberti-behave-turn-rest and of coturn's
// use-auth-secret / static-auth-secret options, so a credential issued by
// the signaling server is accepted both by Tandem's own relay and by coturn
// configured with the same secret. No long-lived secret ever reaches a
// client: the signaling server hands out a username bound to one session and
// an expiry no later than the session's end.
package turncred

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MinSecretLen is the shortest shared secret accepted: 32 random bytes.
const MinSecretLen = 32

// Errors returned by Check.
var (
	ErrMalformed = errors.New("turncred: malformed username")
	ErrExpired   = errors.New("turncred: credential expired")
)

// Credential is one ephemeral TURN username and password.
type Credential struct {
	Username string
	Password string
	Expires  time.Time
}

// Issue returns a credential for tag (typically a session ID) that expires at
// expires. The tag must not contain ':'.
func Issue(secret []byte, tag string, expires time.Time) (Credential, error) {
	if len(secret) < MinSecretLen {
		return Credential{}, fmt.Errorf("turncred: secret is %d bytes, need at least %d", len(secret), MinSecretLen)
	}
	if strings.Contains(tag, ":") {
		return Credential{}, fmt.Errorf("turncred: tag %q contains ':'", tag)
	}
	user := strconv.FormatInt(expires.Unix(), 10)
	if tag != "" {
		user += ":" + tag
	}
	return Credential{Username: user, Password: Password(secret, user), Expires: expires.Truncate(time.Second)}, nil
}

// Password derives the password for username under secret.
func Password(secret []byte, username string) string {
	m := hmac.New(sha1.New, secret)
	m.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Check parses username, refuses it if it has expired at now, and returns the
// password a TURN server must expect for it, and the tag.
func Check(secret []byte, username string, now time.Time) (password, tag string, err error) {
	exp, tag, _ := strings.Cut(username, ":")
	sec, perr := strconv.ParseInt(exp, 10, 64)
	if perr != nil || sec <= 0 {
		return "", "", ErrMalformed
	}
	if now.Unix() > sec {
		return "", "", ErrExpired
	}
	return Password(secret, username), tag, nil
}
