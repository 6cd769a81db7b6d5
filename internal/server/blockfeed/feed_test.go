package blockfeed

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/netprefix"
	"github.com/tandem-remote/tandem/internal/server/relayfeed/relayfeedtest"
)

var t0 = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

// server serves the feed with list's blocks (or its error).
func server(t *testing.T, clk *relayfeedtest.Clock, list func() ([]Block, error)) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(Handler(HandlerConfig{Secret: relayfeedtest.Secret, Now: clk.Now,
		List: func(context.Context) ([]Block, error) { return list() }}))
	t.Cleanup(srv.Close)
	return srv
}

// TestHandler: the feed answers its own proof, not the session feed's,
// with an empty list rather than null when there are no blocks.
func TestHandler(t *testing.T) {
	clk := relayfeedtest.NewClock(t0)
	srv := server(t, clk, func() ([]Block, error) { return nil, nil })
	if body := relayfeedtest.CheckProof(t, srv, Path, "/v1/relay/ended", t0); body != "{\"blocks\":[]}\n" {
		t.Errorf("body %q", body)
	}
}

// TestFeed: the relay's copy refuses what the server's blocks cover,
// lets a block end by its own clock, keeps its list through an outage and
// takes the next list when the server answers again.
func TestFeed(t *testing.T) {
	clk := relayfeedtest.NewClock(t0)
	var mu sync.Mutex
	blocks := []Block{
		{Prefix: netip.MustParsePrefix("198.51.100.0/24")},
		{Prefix: netip.MustParsePrefix("203.0.113.7/32"), Until: t0.Add(time.Hour)},
		{Prefix: netip.MustParsePrefix("2001:db8::/64")},
	}
	var listErr error
	srv := server(t, clk, func() ([]Block, error) { mu.Lock(); defer mu.Unlock(); return blocks, listErr })
	f, err := New(Config{URL: srv.URL + "/", Secret: relayfeedtest.Secret, Client: srv.Client(), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	probe := func(when string, want map[string]bool) {
		t.Helper()
		for a, w := range want {
			if got := f.Blocked(netip.MustParseAddr(a)); got != w {
				t.Errorf("%s: Blocked(%s) = %v, want %v", when, a, got, w)
			}
		}
	}
	probe("before any list", map[string]bool{"198.51.100.9": false})
	if err := f.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	probe("with the list", map[string]bool{"198.51.100.9": true, "::ffff:198.51.100.9": true, "203.0.113.7": true,
		"203.0.113.8": false, "2001:db8::1": true, "2001:db8:1::1": false, "192.0.2.1": false})
	clk.Add(2 * time.Hour)
	probe("after the temporary block's end", map[string]bool{"203.0.113.7": false, "198.51.100.9": true})

	mu.Lock()
	listErr = errors.New("database is locked")
	mu.Unlock()
	if err := f.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("refresh while the server fails: %v", err)
	}
	probe("while the server fails", map[string]bool{"198.51.100.9": true})
	if fetched, err := f.Status(); !fetched.Equal(t0) || err == nil {
		t.Errorf("status %v %v, want the list of t0 and the error", fetched, err)
	}
	srv.Close()
	f.Refresh(context.Background())
	probe("while the server is down", map[string]bool{"198.51.100.9": true})
}

func FuzzParseList(f *testing.F) {
	f.Add([]byte(`{"blocks":[{"prefix":"198.51.100.0/24"},{"prefix":"::ffff:192.0.2.1/128","until":"2026-12-04T09:00:00Z"}]}`))
	f.Add([]byte(`{"blocks":[{"prefix":""}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := parseList(b)
		if err != nil {
			return
		}
		for _, bl := range l.Blocks {
			if !bl.Prefix.IsValid() || bl.Prefix != netprefix.Normalize(bl.Prefix) || bl.Prefix.Addr().Is4In6() && bl.Prefix.Bits() >= 96 {
				t.Fatalf("kept %v", bl.Prefix)
			}
		}
	})
}
