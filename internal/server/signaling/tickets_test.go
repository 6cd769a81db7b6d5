package signaling

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

var customerAddr = netip.MustParseAddr("198.51.100.7")

// openSession opens a session as the fixture's operator and returns the
// technician's connection and the Opened answer.
func openSession(t *testing.T, f *fixture) (*sigclient.Conn, proto.Opened) {
	t.Helper()
	tech := f.dial(t)
	opened, err := tech.Open(ctxT(t), f.token)
	if err != nil {
		t.Fatal(err)
	}
	return tech, opened
}

func mint(t *testing.T, f *fixture, code string) string {
	t.Helper()
	info, err := f.srv.LookupCode(code, customerAddr)
	if err != nil {
		t.Fatal(err)
	}
	tk, _, err := f.srv.MintTicket(info.Session)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestLookupCodeLeavesCodeUsable(t *testing.T) {
	f := newFixture(t)
	_, opened := openSession(t, f)
	info, err := f.srv.LookupCode(opened.Code, customerAddr)
	if err != nil {
		t.Fatal(err)
	}
	if info.Session != opened.Session || info.OperatorID != "tech" || !info.Expires.Equal(opened.Expires) {
		t.Errorf("info %+v, opened %+v", info, opened)
	}
	if _, err := f.dial(t).Join(ctxT(t), opened.Code); err != nil {
		t.Fatalf("join after lookup: %v", err)
	}
	// Joined: the code is used up, and says so.
	if _, err := f.srv.LookupCode(opened.Code, customerAddr); !errors.Is(err, ErrCodeExpired) {
		t.Errorf("lookup after join: %v, want ErrCodeExpired", err)
	}
}

func TestTicketJoinsOnce(t *testing.T) {
	f := newFixture(t)
	ctx := ctxT(t)
	tech, opened := openSession(t, f)
	tk, other := mint(t, f, opened.Code), mint(t, f, opened.Code)
	if !proto.ValidTicket(tk) || tk == other {
		t.Fatalf("tickets %q, %q", tk, other)
	}
	joined, err := f.dial(t).JoinTicket(ctx, tk)
	if err != nil {
		t.Fatal(err)
	}
	if joined.Session != opened.Session {
		t.Fatalf("joined %q, opened %q", joined.Session, opened.Session)
	}
	expectType(t, ctx, tech, proto.TypePeerJoined)
	for name, join := range map[string]func() error{
		"the same ticket again": func() error { _, err := f.dial(t).JoinTicket(ctx, tk); return err },
		"another ticket":        func() error { _, err := f.dial(t).JoinTicket(ctx, other); return err },
		"the code":              func() error { _, err := f.dial(t).Join(ctx, opened.Code); return err },
	} {
		if err := join(); !errors.Is(err, sigclient.ErrTicketRefused) && !errors.Is(err, proto.ErrInvalidCode) {
			t.Errorf("%s after the join: %v, want a refusal", name, err)
		}
	}
	if _, _, err := f.srv.MintTicket(opened.Session); !errors.Is(err, ErrCodeExpired) {
		t.Errorf("mint after the join: %v, want ErrCodeExpired", err)
	}
}

func TestTicketDiesWithCodeAndSession(t *testing.T) {
	t.Run("code expiry", func(t *testing.T) {
		f := newFixture(t)
		_, opened := openSession(t, f)
		tk := mint(t, f, opened.Code)
		f.clock.add(10*time.Minute + time.Second)
		if _, err := f.dial(t).JoinTicket(ctxT(t), tk); !errors.Is(err, sigclient.ErrTicketRefused) {
			t.Fatalf("ticket past the code's expiry: %v", err)
		}
		if _, err := f.srv.LookupCode(opened.Code, customerAddr); !errors.Is(err, ErrCodeExpired) {
			t.Errorf("lookup past expiry: %v, want ErrCodeExpired", err)
		}
		f.srv.sweep(ctxT(t))
		if _, err := f.srv.LookupCode(opened.Code, customerAddr); !errors.Is(err, ErrCodeExpired) {
			t.Errorf("lookup once swept: %v, want ErrCodeExpired (the code was seen to work)", err)
		}
	})
	t.Run("technician leaves", func(t *testing.T) {
		f := newFixture(t)
		tech, opened := openSession(t, f)
		tk := mint(t, f, opened.Code)
		tech.Close()
		waitSessions(t, f.srv, 0)
		if _, err := f.dial(t).JoinTicket(ctxT(t), tk); !errors.Is(err, sigclient.ErrTicketRefused) {
			t.Fatalf("ticket after the session ended: %v", err)
		}
	})
}

// TestWrongTicketsThrottled: a wrong ticket counts against the source's
// join attempts like a wrong code, and so does a wrong code looked up.
func TestWrongTicketsThrottled(t *testing.T) {
	f := newFixture(t)
	ctx := ctxT(t)
	_, opened := openSession(t, f)
	wrong := strings.Repeat("A", proto.TicketLen)
	for i := range 3 {
		if _, err := f.dial(t).JoinTicket(ctx, wrong); !errors.Is(err, sigclient.ErrTicketRefused) {
			t.Fatalf("wrong ticket %d: %v", i, err)
		}
	}
	loopback := netip.MustParseAddr("127.0.0.1") // the fixture's clients
	for i := range 2 {
		if _, err := f.srv.LookupCode("000000000", loopback); !errors.Is(err, proto.ErrInvalidCode) {
			t.Fatalf("wrong code lookup %d: %v", i, err)
		}
	}
	if _, err := f.srv.LookupCode(opened.Code, loopback); !errors.Is(err, proto.ErrThrottled) {
		t.Errorf("right code looked up while throttled: %v", err)
	}
	if _, err := f.dial(t).Join(ctx, opened.Code); !errors.Is(err, proto.ErrThrottled) {
		t.Errorf("right code while throttled: %v", err)
	}
	// Another address is not affected.
	if _, err := f.srv.LookupCode(opened.Code, customerAddr); err != nil {
		t.Errorf("another address: %v", err)
	}
}

func TestTicketsBoundedAndHashed(t *testing.T) {
	f := newFixture(t)
	_, opened := openSession(t, f)
	var tickets []string
	for range maxTicketsPerSession {
		tickets = append(tickets, mint(t, f, opened.Code))
	}
	if _, _, err := f.srv.MintTicket(opened.Session); !errors.Is(err, proto.ErrThrottled) {
		t.Errorf("ticket %d: %v, want ErrThrottled", maxTicketsPerSession+1, err)
	}
	f.srv.mu.Lock()
	held := fmt.Sprintf("%v", f.srv.tickets)
	f.srv.mu.Unlock()
	for _, tk := range tickets {
		if strings.Contains(held, tk) {
			t.Fatal("the server holds a ticket in the clear")
		}
	}
	if _, _, err := f.srv.MintTicket("no-such-session"); !errors.Is(err, ErrCodeExpired) {
		t.Errorf("unknown session: %v", err)
	}
}
