package relayfeed_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/relayfeed"
	"github.com/tandem-remote/tandem/internal/server/relayfeed/relayfeedtest"
)

const path = "/v1/relay/test"

var t0 = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

// server serves a feed at path whose answer is answer's.
func server(t *testing.T, clk *relayfeedtest.Clock, answer func(*http.Request) (any, error)) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET "+path, relayfeed.Handler(relayfeed.HandlerConfig{Name: "test feed", Path: path,
		Secret: relayfeedtest.Secret, Now: clk.Now, Answer: answer, Unavailable: "keep the last answer and retry"}))
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestHandlerAuthorization(t *testing.T) {
	clk := relayfeedtest.NewClock(t0)
	srv := server(t, clk, func(*http.Request) (any, error) { return map[string]int{"n": 1}, nil })
	secret := relayfeedtest.Secret
	for _, c := range []struct {
		name, header string
		want         int
		body         string
	}{
		{"none", "", 401, "TURN secret"},
		{"other scheme", "Bearer x", 401, "TURN secret"},
		{"wrong secret", relayfeed.Authorization([]byte("another secret of enough length, really"), path, t0), 401, "TURN secret"},
		{"another path's", relayfeed.Authorization(secret, "/v1/relay/other", t0), 401, "TURN secret"},
		{"garbled", "Tandem-Relay 12:zz", 401, "TURN secret"},
		{"stale", relayfeed.Authorization(secret, path, t0.Add(-relayfeed.MaxSkew-time.Second)), 401, "clocks"},
		{"from the future", relayfeed.Authorization(secret, path, t0.Add(relayfeed.MaxSkew+time.Second)), 401, "clocks"},
		{"good", relayfeed.Authorization(secret, path, t0.Add(-time.Minute)), 200, `{"n":1}`},
	} {
		if code, body := relayfeedtest.Get(t, srv, path, c.header); code != c.want || !strings.Contains(body, c.body) {
			t.Errorf("%s: %d %q, want %d with %q", c.name, code, body, c.want, c.body)
		}
	}
}

func TestHandlerUnavailable(t *testing.T) {
	clk := relayfeedtest.NewClock(t0)
	srv := server(t, clk, func(*http.Request) (any, error) { return nil, errors.New("database is locked") })
	code, body := relayfeedtest.Get(t, srv, path, relayfeed.Authorization(relayfeedtest.Secret, path, t0))
	if code != 503 || !strings.Contains(body, "keep the last answer") || strings.Contains(body, "database") {
		t.Errorf("%d %q, want 503 saying what to do and not why", code, body)
	}
}

// TestPoller: a Poller sends its query with the proof, hands good answers
// on, keeps the time of the last good one through failures of the server,
// of the answer and of the network, logs each kind of failure once, and
// says when the feed is in force again.
func TestPoller(t *testing.T) {
	clk := relayfeedtest.NewClock(t0)
	var mu sync.Mutex
	var fail error
	var query string
	srv := server(t, clk, func(r *http.Request) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		query = r.URL.RawQuery
		return "answer", fail
	})
	setFail := func(err error) { mu.Lock(); fail = err; mu.Unlock() }
	var log bytes.Buffer
	p, err := relayfeed.NewPoller(relayfeed.PollerConfig{Name: "test feed", URL: srv.URL + "/", Path: path,
		Secret: relayfeedtest.Secret, Client: srv.Client(), Now: clk.Now, Outage: "test feed unavailable", Counted: "entries",
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	use := func(b []byte) (int, error) {
		if !bytes.Equal(b, []byte("\"answer\"\n")) {
			return 0, errors.New("unreadable")
		}
		got = append(got, string(b))
		return 1, nil
	}
	status := func(when string, wantFetched time.Time, wantErr string) {
		t.Helper()
		fetched, err := p.Status()
		if !fetched.Equal(wantFetched) || (err == nil) != (wantErr == "") || err != nil && !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s: status %v %v, want %v %q", when, fetched, err, wantFetched, wantErr)
		}
	}
	status("before any poll", time.Time{}, "")
	if err := p.Poll(context.Background(), url.Values{"after": {"a b"}}, use); err != nil || len(got) != 1 || query != "after=a+b" {
		t.Fatalf("first poll: %v, %d answers, query %q", err, len(got), query)
	}
	status("after a good answer", t0, "")
	clk.Add(time.Minute)
	setFail(errors.New("database is locked"))
	for range 2 {
		p.Poll(context.Background(), nil, use)
	}
	status("while the server fails", t0, "503")
	setFail(nil)
	p.Poll(context.Background(), nil, func([]byte) (int, error) { return 0, errors.New("unreadable") })
	status("with an unreadable answer", t0, "unreadable")
	p.Poll(context.Background(), nil, use)
	status("when the server answers again", clk.Now(), "")
	if len(got) != 2 {
		t.Errorf("%d answers handed on, want 2", len(got))
	}
	srv.Close()
	p.Poll(context.Background(), nil, use)
	status("while the server is down", clk.Now(), "127.0.0.1")

	l := log.String()
	if n := strings.Count(l, "test feed unavailable"); n != 3 {
		t.Errorf("%d outage warnings, want 3 (one per kind of failure):\n%s", n, l)
	}
	if n := strings.Count(l, "test feed in force"); n != 2 {
		t.Errorf("%d in-force notes, want 2 (first answer, recovery):\n%s", n, l)
	}
}

func TestNewPollerRefuses(t *testing.T) {
	for _, u := range []string{"", "http://signaling.example", "signaling.example:8443", "https://"} {
		if _, err := relayfeed.NewPoller(relayfeed.PollerConfig{URL: u, Secret: relayfeedtest.Secret}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	if _, err := relayfeed.NewPoller(relayfeed.PollerConfig{URL: "https://signaling.example"}); err == nil {
		t.Error("no secret accepted")
	}
}
