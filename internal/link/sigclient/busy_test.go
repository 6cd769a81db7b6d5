package sigclient

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestDialBusy: a server refusing for load (429 for this address, 503 when
// full) reads as ErrBusy with when to try again, not as the WebSocket
// library's "expected handshake response status code 101".
func TestDialBusy(t *testing.T) {
	for _, c := range []struct {
		status int
		want   string
	}{
		{http.StatusTooManyRequests, "too many connections from this address"},
		{http.StatusServiceUnavailable, "the server is full"},
	} {
		hs := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			http.Error(w, "busy", c.status)
		}))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := Dial(ctx, hs.URL, certPool(hs))
		cancel()
		hs.Close()
		if !errors.Is(err, ErrBusy) {
			t.Errorf("%d: error %v, want ErrBusy", c.status, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, c.want) || !strings.Contains(msg, "try again in 7 s") {
			t.Errorf("%d: message %q does not say %q and when to retry", c.status, msg, c.want)
		}
	}
}

func certPool(hs *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(hs.Certificate())
	return p
}
