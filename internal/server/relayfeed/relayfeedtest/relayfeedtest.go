// Package relayfeedtest holds what the relay feeds' tests share: a secret,
// a settable clock for both ends, and the check that a feed's handler
// takes its own proof and no other.
package relayfeedtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/relayfeed"
)

// Secret is a TURN secret for tests.
var Secret = []byte("0123456789abcdef0123456789abcdef-test")

// Clock is a settable time.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now is the Clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Add moves the Clock by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// Get GETs path on srv with the Authorization header (none if empty) and
// returns the status and body.
func Get(t *testing.T, srv *httptest.Server, path, header string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if header != "" {
		req.Header.Set("Authorization", header)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// CheckProof checks that srv serves path at now to a relay with Secret's
// proof for path, and refuses one without proof and one with the proof
// for other (another feed's path). It returns the good answer's body.
func CheckProof(t *testing.T, srv *httptest.Server, path, other string, now time.Time) string {
	t.Helper()
	for name, h := range map[string]string{"no proof": "", "the proof for " + other: relayfeed.Authorization(Secret, other, now)} {
		if code, body := Get(t, srv, path, h); code != http.StatusUnauthorized {
			t.Errorf("%s: %d %q, want 401", name, code, body)
		}
	}
	code, body := Get(t, srv, path, relayfeed.Authorization(Secret, path, now))
	if code != http.StatusOK {
		t.Fatalf("with the proof: %d %q, want 200", code, body)
	}
	return body
}
