package chat

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// clock returns a Now that advances a second per call from start.
func clock(start time.Time) func() time.Time {
	n := 0
	return func() time.Time { n++; return start.Add(time.Duration(n) * time.Second) }
}

// running starts c.Run and returns a function that waits for its result.
func running(ctx context.Context, c *Conn) func() error {
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	return func() error { return <-done }
}

func receive(t *testing.T, c *Conn) Message {
	t.Helper()
	m, ok := <-c.Incoming()
	if !ok {
		t.Fatal("Incoming closed before a message arrived")
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	leakcheck.Check(t)
	ctx := t.Context()
	a, b := pipe()
	tech := New(a, "technician", Options{Now: clock(t0)})
	cust := New(b, "customer", Options{Now: clock(t0.Add(time.Hour))})
	techDone, custDone := running(ctx, tech), running(ctx, cust)

	hello, err := tech.Send(ctx, "  Hello, I can see your screen.\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := receive(t, cust); got != hello {
		t.Fatalf("customer got %+v; technician sent %+v", got, hello)
	}
	reply, err := cust.Send(ctx, "It freezes\nwhen I print.")
	if err != nil {
		t.Fatal(err)
	}
	got := receive(t, tech)
	want := Message{ID: 1, From: "customer", Text: "It freezes\nwhen I print.", Sent: t0.Add(time.Hour + time.Second)}
	if got != want || reply != want {
		t.Fatalf("technician got %+v, customer sent %+v; want %+v", got, reply, want)
	}
	if hello.Text != "Hello, I can see your screen." || hello.From != "technician" || hello.ID != 1 {
		t.Errorf("sent %+v; want trimmed text from technician with ID 1", hello)
	}
	for name, c := range map[string]*Conn{"technician": tech, "customer": cust} {
		if got := c.Transcript(); !slices.Equal(got, []Message{hello, reply}) {
			t.Errorf("%s's transcript:\n%+v\nwant\n%+v", name, got, []Message{hello, reply})
		}
	}

	a.close()
	if err := techDone(); err != nil {
		t.Errorf("technician's Run after close = %v; want nil", err)
	}
	if err := custDone(); err != nil {
		t.Errorf("customer's Run after close = %v; want nil", err)
	}
	if _, ok := <-cust.Incoming(); ok {
		t.Error("Incoming still open after Run returned")
	}
	if _, err := tech.Send(ctx, "anyone?"); err == nil {
		t.Error("Send on a closed channel succeeded")
	}
}

func TestManyMessagesKeepOrder(t *testing.T) {
	leakcheck.Check(t)
	ctx := t.Context()
	a, b := pipe()
	tech, cust := New(a, "technician", Options{}), New(b, "Ann", Options{Peer: "Bob"})
	done := running(ctx, cust)
	const n = 200      // more than the pipe and the Incoming queue hold
	t.Cleanup(a.close) // unblocks the sender if the test fails early
	sent := make(chan error, 1)
	go func() {
		for i := range n {
			if _, err := tech.Send(ctx, strings.Repeat("x", i+1)); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	for i := range n {
		m := receive(t, cust)
		if m.ID != uint64(i+1) || len(m.Text) != i+1 || m.From != "Bob" {
			t.Fatalf("message %d: ID %d, %d bytes, from %q", i, m.ID, len(m.Text), m.From)
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	a.close()
	if err := done(); err != nil {
		t.Fatal(err)
	}
}

func TestRunDropsBadMessages(t *testing.T) {
	leakcheck.Check(t)
	ctx := t.Context()
	a, b := pipe()
	cust := New(b, "customer", Options{})
	done := running(ctx, cust)
	for _, raw := range []string{`not json`, `{"v":2,"id":1,"text":"from the future","sent":"2026-11-25T10:00:00Z"}`,
		`{"v":1,"id":1,"text":"ok","sent":"2026-11-25T10:00:00Z"}`} {
		if err := a.Send(ctx, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	if m := receive(t, cust); m.Text != "ok" {
		t.Fatalf("first delivered message %+v; want the valid one", m)
	}
	if n := len(cust.Transcript()); n != 1 {
		t.Errorf("transcript holds %d messages; want 1", n)
	}
	a.close()
	if err := done(); err != nil {
		t.Fatal(err)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	leakcheck.Check(t)
	ctx, cancel := context.WithCancel(t.Context())
	_, b := pipe()
	c := New(b, "customer", Options{})
	done := running(ctx, c)
	cancel()
	if err := done(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v; want context.Canceled", err)
	}
	if _, ok := <-c.Incoming(); ok {
		t.Error("Incoming still open after Run returned")
	}
}

// recorder is a Channel that keeps what is sent.
type recorder struct{ sent [][]byte }

func (r *recorder) Send(_ context.Context, p []byte) error { r.sent = append(r.sent, p); return nil }
func (r *recorder) Recv(context.Context) ([]byte, error)   { panic("not used") }

func TestSendValidation(t *testing.T) {
	euro := strings.Repeat("€", MaxText/3) // 4095 bytes
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"plain", "hi", "hi", nil},
		{"trimmed", " \t hi \r\n", "hi", nil},
		{"newline and tab kept", "a\n\tb", "a\n\tb", nil},
		{"CRLF becomes LF", "a\r\nb", "a\nb", nil},
		{"terminal escape stripped", "\x1b[31mred\x1b[0m", "[31mred[0m", nil},
		{"NUL, DEL and C1 stripped", "a\x00b\x7fc\u0085d", "abcd", nil},
		{"bidi override stripped", "file\u202Etxt.exe", "filetxt.exe", nil},
		{"line separator becomes LF", "a\u2028b", "a\nb", nil},
		{"right-to-left text kept", "שלום", "שלום", nil},
		{"exactly MaxText", strings.Repeat("a", MaxText), strings.Repeat("a", MaxText), nil},
		{"multi-byte under MaxText", euro, euro, nil},
		{"empty", "", "", ErrEmpty},
		{"only space", " \n\t ", "", ErrEmpty},
		{"only controls", "\x00\x1b\x07", "", ErrEmpty},
		{"one byte over", strings.Repeat("a", MaxText+1), "", ErrTooLong},
		{"multi-byte over", euro + "€", "", ErrTooLong},
		{"not UTF-8", "a\xffb", "", ErrNotUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			c := New(r, "technician", Options{})
			m, err := c.Send(t.Context(), tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Send = %v; want %v", err, tt.err)
			}
			if tt.err != nil {
				if len(r.sent) != 0 || len(c.Transcript()) != 0 {
					t.Errorf("rejected text was sent (%d) or recorded (%d)", len(r.sent), len(c.Transcript()))
				}
				return
			}
			if m.Text != tt.want {
				t.Errorf("sent text %q; want %q", m.Text, tt.want)
			}
			got, err := decode(r.sent[0])
			if err != nil || got.Text != tt.want {
				t.Errorf("the peer decodes %q, %v; want %q", got.Text, err, tt.want)
			}
		})
	}
}
