package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
)

// SetupTTL is how long a printed setup token works.
const SetupTTL = time.Hour

// setupPrefix marks setup tokens so a leaked one is recognisable.
const setupPrefix = "tdmsetup_"

// Setup errors.
var (
	ErrSetupDone  = errors.New("setup is done: an administrator exists; log in as one, or use `signaling admin` on the server")
	ErrSetupToken = errors.New("setup token wrong or expired: restart the server to print a new one")
)

// SetupOpen reports whether the server still needs its first
// administrator. Once one exists the answer stays false for the life of
// the process, whatever happens to the account.
func (a *Admin) SetupOpen(ctx context.Context) (bool, error) {
	a.setupMu.Lock()
	defer a.setupMu.Unlock()
	return a.setupOpenLocked(ctx)
}

func (a *Admin) setupOpenLocked(ctx context.Context) (bool, error) {
	if a.setupDone {
		return false, nil
	}
	accts, err := a.st.ListAccounts(ctx)
	if err != nil {
		return false, fmt.Errorf("setup: %w", err)
	}
	for _, acct := range accts {
		if acct.Kind == store.KindAdministrator {
			a.setupDone = true
			return false, nil
		}
	}
	return true, nil
}

// IssueSetupToken makes a new setup token, replacing any earlier one, when
// no administrator exists; otherwise it returns "" and no error. The
// token is returned once and stored only as its hash.
func (a *Admin) IssueSetupToken(ctx context.Context) (token string, expires time.Time, err error) {
	if open, err := a.SetupOpen(ctx); err != nil || !open {
		return "", time.Time{}, err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	token = setupPrefix + base64.RawURLEncoding.EncodeToString(raw)
	expires = a.now().Add(SetupTTL)
	if err := a.st.PutSetupToken(ctx, sha256.Sum256([]byte(token)), expires); err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// Setup creates the first administrator with a live setup token, then
// deletes the token. It fails with ErrSetupDone once an administrator
// exists and ErrSetupToken for a wrong or expired token.
func (a *Admin) Setup(ctx context.Context, token string, acct store.Account, password string) error {
	a.setupMu.Lock()
	defer a.setupMu.Unlock()
	if open, err := a.setupOpenLocked(ctx); err != nil {
		return err
	} else if !open {
		return ErrSetupDone
	}
	ok, err := a.st.SetupTokenValid(ctx, sha256.Sum256([]byte(token)), a.now())
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if !ok {
		a.logger.Warn("setup refused: wrong or expired token")
		return ErrSetupToken
	}
	acct.Kind = store.KindAdministrator
	ctx = audit.WithActor(ctx, "setup", audit.SourceOf(ctx))
	if err := a.CreateAccount(ctx, acct, password); err != nil {
		return err
	}
	a.setupDone = true
	if err := a.st.DeleteSetupTokens(ctx); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	return a.record(ctx, "admin.setup", acct.ID, nil)
}

// mentionsSetup reports whether any reading of r's path - raw, decoded
// once or more, in any case - contains "setup". After setup such requests
// get a 404 before any route is looked at.
func mentionsSetup(r *http.Request) bool {
	raw, _, _ := strings.Cut(r.RequestURI, "?")
	for _, p := range []string{raw, r.URL.Path, r.URL.RawPath} {
		for range 4 {
			if strings.Contains(strings.ToLower(p), "setup") {
				return true
			}
			d, err := url.PathUnescape(p)
			if err != nil || d == p {
				break
			}
			p = d
		}
	}
	return false
}
