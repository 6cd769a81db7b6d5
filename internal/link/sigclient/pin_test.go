package sigclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/wire/stamp"
)

// TestDialPinned: the pinned key alone is trusted — no CA knows the test
// server's certificate — and any other key is refused at the handshake
// with words that say what to do.
func TestDialPinned(t *testing.T) {
	hs := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c.Close(websocket.StatusNormalClosure, "")
	}))
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pin := stamp.PinOf(hs.Certificate())
	c, err := DialPinned(ctx, hs.URL, pin)
	if err != nil {
		t.Fatalf("the pinned key: %v", err)
	}
	if !c.Pinned().Equal(hs.Certificate()) {
		t.Error("Pinned is not the server's certificate")
	}
	c.Close()
	wrong := append([]byte(nil), pin...)
	wrong[0] ^= 1
	_, err = DialPinned(ctx, hs.URL, wrong)
	if !errors.Is(err, ErrPinMismatch) || !strings.Contains(err.Error(), "download the agent again") {
		t.Errorf("another key: %v, want ErrPinMismatch saying to download again", err)
	}
	if _, err := DialPinned(ctx, hs.URL, nil); err == nil {
		t.Error("no pin: connected")
	}
	// Without the pin the same server is untrusted: the pin is what let
	// the first dial through.
	if _, err := Dial(ctx, hs.URL, nil); !errors.Is(err, ErrUntrusted) {
		t.Errorf("plain dial: %v, want ErrUntrusted", err)
	}
}

// TestServerTime: the server's clock comes from its Date header over a
// connection trusted by the pin alone; another key is refused.
func TestServerTime(t *testing.T) {
	served := time.Date(2026, 12, 4, 10, 30, 15, 0, time.UTC)
	hs := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Date", served.Format(http.TimeFormat))
	}))
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pin := stamp.PinOf(hs.Certificate())
	if got, err := ServerTime(ctx, hs.URL+"/", pin); err != nil || !got.Equal(served) {
		t.Errorf("ServerTime = %v, %v; want %v", got, err, served)
	}
	wrong := append([]byte(nil), pin...)
	wrong[0] ^= 1
	if _, err := ServerTime(ctx, hs.URL, wrong); !errors.Is(err, ErrPinMismatch) {
		t.Errorf("another key: %v, want ErrPinMismatch", err)
	}
}
