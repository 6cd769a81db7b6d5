package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/xdg-go/scram"

	"github.com/tandem-remote/tandem/internal/server/store"
)

const saltLen = 16

// deriveKeys computes SCRAM-SHA-256 server keys for password under salt
// with the scram package itself, so what is stored is exactly what its
// client will prove at login. SaltedPassword and ClientKey exist only
// inside this call.
func deriveKeys(password string, salt []byte, iters int) (scram.StoredCredentials, error) {
	// The username does not enter the keys (RFC 5802 §3); SASLprep of the
	// password does, on both sides.
	c, err := scram.SHA256.NewClient("x", password, "")
	if err != nil {
		return scram.StoredCredentials{}, errors.New("password cannot be prepared (SASLprep)")
	}
	creds, err := c.GetStoredCredentialsWithError(scram.KeyFactors{Salt: string(salt), Iters: iters})
	if err != nil {
		return scram.StoredCredentials{}, fmt.Errorf("derive keys: %w", err)
	}
	return creds, nil
}

// newCredential makes fresh login keys and, under a separate salt, the
// history fingerprint of password. The two derivations run in parallel.
func newCredential(password string, iters int, now time.Time) (store.Credential, store.Fingerprint, error) {
	loginSalt, histSalt := randomBytes(saltLen), randomBytes(saltLen)
	var login, hist scram.StoredCredentials
	var errL, errH error
	var wg sync.WaitGroup
	wg.Go(func() { login, errL = deriveKeys(password, loginSalt, iters) })
	wg.Go(func() { hist, errH = deriveKeys(password, histSalt, iters) })
	wg.Wait()
	if err := errors.Join(errL, errH); err != nil {
		return store.Credential{}, store.Fingerprint{}, err
	}
	c := store.Credential{Salt: loginSalt, Iterations: iters, StoredKey: login.StoredKey, ServerKey: login.ServerKey, SetAt: now}
	f := store.Fingerprint{Salt: histSalt, Iterations: iters, Verifier: hist.StoredKey, SetAt: now}
	return c, f, nil
}

// reused reports whether password matches any fingerprint, deriving keys
// for each in parallel (each costs a full PBKDF2).
func reused(password string, history []store.Fingerprint) (bool, error) {
	found := make([]bool, len(history))
	errs := make([]error, len(history))
	var wg sync.WaitGroup
	for i, f := range history {
		wg.Go(func() {
			k, err := deriveKeys(password, f.Salt, f.Iterations)
			found[i], errs[i] = err == nil && hmac.Equal(k.StoredKey, f.Verifier), err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return false, err
	}
	for _, f := range found {
		if f {
			return true, nil
		}
	}
	return false, nil
}

// fakeCredential is what an unknown ID gets: salt and keys derived by HMAC
// from a server secret, so the same ID always shows the same salt (a real
// account's salt does not change between tries either), and nothing can
// match its StoredKey.
func fakeCredential(secret []byte, id string, iters int) scram.StoredCredentials {
	mac := func(label string) []byte {
		h := hmac.New(sha256.New, secret)
		h.Write([]byte(label))
		h.Write([]byte{0})
		h.Write([]byte(id))
		return h.Sum(nil)
	}
	return scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(mac("salt")[:saltLen]), Iters: iters},
		StoredKey:  mac("stored-key"),
		ServerKey:  mac("server-key"),
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return b
}
