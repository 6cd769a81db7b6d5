package sessionfeed

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/relayfeed/relayfeedtest"
)

var t0 = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

// failing is a Book that cannot be read.
type failing struct{ Book }

func (failing) Since(context.Context, string) (List, error) {
	return List{}, errors.New("database is locked")
}

// relay is what a Feed tells: the sessions it heard of, in order.
type relay struct {
	mu    sync.Mutex
	ended []string
}

func (r *relay) End(e End) { r.mu.Lock(); r.ended = append(r.ended, e.Session); r.mu.Unlock() }
func (r *relay) heard() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ended)
}

func end(t *testing.T, b Book, session string, until time.Time) {
	t.Helper()
	if err := b.End(context.Background(), End{Session: session, Until: until}); err != nil {
		t.Fatal(err)
	}
}

// TestFeed: a relay hears of every session that ends, each once while
// the server runs, an end only after the server recorded it, again after
// a restart of the server (its cursor is unknown there), and nothing of
// ends whose credentials have expired.
func TestFeed(t *testing.T) {
	clk := relayfeedtest.NewClock(t0)
	var mu sync.Mutex
	var book Book = NewMemory(clk.Now, nil)
	srv := httptest.NewTLSServer(Handler(HandlerConfig{Secret: relayfeedtest.Secret, Now: clk.Now,
		Book: bookFunc(func() Book { mu.Lock(); defer mu.Unlock(); return book })}))
	t.Cleanup(srv.Close)
	r := &relay{}
	f, err := New(Config{URL: srv.URL + "/", Secret: relayfeedtest.Secret, Client: srv.Client(), Now: clk.Now, End: r.End})
	if err != nil {
		t.Fatal(err)
	}
	refresh := func(want ...string) {
		t.Helper()
		before := len(r.heard())
		if err := f.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := r.heard()[before:]; !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("heard %q, want %q", got, want)
		}
	}
	refresh()
	end(t, book, "a", t0.Add(8*time.Hour))
	end(t, book, "b", t0.Add(time.Hour))
	refresh("a", "b")
	refresh()
	end(t, book, "c", t0.Add(8*time.Hour))
	end(t, book, "gone", t0.Add(-time.Second)) // its credential has expired: nothing to refuse
	refresh("c")

	clk.Add(2 * time.Hour) // b's credentials have expired
	mu.Lock()
	book = NewMemory(clk.Now, nil) // a restarted server
	mu.Unlock()
	end(t, book, "d", t0.Add(8*time.Hour))
	refresh("d")

	mu.Lock()
	book = failing{}
	mu.Unlock()
	if err := f.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("refresh while the server fails: %v", err)
	}
	if fetched, err := f.Status(); !fetched.Equal(clk.Now()) || err == nil {
		t.Errorf("status %v %v, want the last answer and the error", fetched, err)
	}
}

// bookFunc reads the Book in force at each request.
type bookFunc func() Book

func (f bookFunc) End(ctx context.Context, e End) error { return f().End(ctx, e) }
func (f bookFunc) Since(ctx context.Context, c string) (List, error) {
	return f().Since(ctx, c)
}

// TestMemory: the list drops ends whose credentials have expired, and a
// full list drops its oldest.
func TestMemory(t *testing.T) {
	clk := relayfeedtest.NewClock(t0)
	m := NewMemory(clk.Now, nil)
	ctx := context.Background()
	end(t, m, "short", t0.Add(time.Minute))
	end(t, m, "long", t0.Add(time.Hour))
	for _, bad := range []End{{Session: "", Until: t0.Add(time.Hour)}, {Session: "a:b", Until: t0.Add(time.Hour)},
		{Session: "x"}, {Session: strings.Repeat("x", maxSession+1), Until: t0.Add(time.Hour)}} {
		if err := m.End(ctx, bad); err == nil {
			t.Errorf("End(%+v) accepted", bad)
		}
	}
	clk.Add(time.Minute) // through the second it names, a credential is good
	if l, _ := m.Since(ctx, ""); len(l.Ended) != 2 {
		t.Fatalf("at the short one's expiry: %+v", l.Ended)
	}
	clk.Add(time.Second)
	l, _ := m.Since(ctx, "")
	if len(l.Ended) != 1 || l.Ended[0].Session != "long" {
		t.Fatalf("after the short one's expiry: %+v", l.Ended)
	}
	if l, _ := m.Since(ctx, l.Cursor); len(l.Ended) != 0 {
		t.Fatalf("after the last cursor: %+v", l.Ended)
	}
	for _, c := range []string{"nonsense", "abc-1", l.Cursor + "0"} {
		if l, _ := m.Since(ctx, c); len(l.Ended) != 1 {
			t.Errorf("cursor %q: %+v, want the whole list", c, l.Ended)
		}
	}

	full := NewMemory(clk.Now, nil)
	for i := range maxEnded + 1 {
		end(t, full, "s"+strconv.Itoa(i), t0.Add(time.Hour))
	}
	if l, _ := full.Since(ctx, ""); len(l.Ended) != maxEnded || l.Ended[0].Session != "s1" {
		t.Errorf("full list: %d ends starting with %q, want %d without the first", len(l.Ended), l.Ended[0].Session, maxEnded)
	}
}

// TestHandler: the feed answers its own proof, not the block feed's,
// with an empty list rather than null when no session has ended.
func TestHandler(t *testing.T) {
	clk := relayfeedtest.NewClock(t0)
	srv := httptest.NewTLSServer(Handler(HandlerConfig{Secret: relayfeedtest.Secret, Now: clk.Now, Book: NewMemory(clk.Now, nil)}))
	t.Cleanup(srv.Close)
	if body := relayfeedtest.CheckProof(t, srv, Path, "/v1/relay/blocks", t0); !strings.Contains(body, `"ended":[]`) {
		t.Errorf("body %q", body)
	}
}

func TestNewRefuses(t *testing.T) {
	for _, c := range []Config{
		{URL: "http://signaling.example", Secret: relayfeedtest.Secret, End: func(End) {}},
		{URL: "https://", Secret: relayfeedtest.Secret, End: func(End) {}},
		{URL: "https://signaling.example", End: func(End) {}},
		{URL: "https://signaling.example", Secret: relayfeedtest.Secret},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func FuzzParseList(f *testing.F) {
	f.Add([]byte(`{"cursor":"ab-1","ended":[{"session":"0123","until":"2026-12-06T09:00:00Z"}]}`))
	f.Add([]byte(`{"ended":[{"session":"a:b","until":"2026-12-06T09:00:00Z"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := parseList(b)
		if err != nil {
			return
		}
		for _, e := range l.Ended {
			if e.valid() != nil {
				t.Fatalf("kept %+v", e)
			}
		}
	})
}
