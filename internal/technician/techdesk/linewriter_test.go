package techdesk

import (
	"bytes"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/session"
)

// The desk learns the session's code, and when it expires, from what the
// session's reporter prints, as JSON or as text, whatever else shares the
// line writer. The text names the minute only: the expiry read from it is
// that minute's start, never later than the code's.
func TestSessionCodeTap(t *testing.T) {
	expires := time.Now().Add(10 * time.Minute)
	for _, jsonOut := range []bool{true, false} {
		var buf bytes.Buffer
		lw := NewLineWriter(&buf)
		var got []string
		var gotExpires time.Time
		lw.setOnCode(func(c string, e time.Time) { got, gotExpires = append(got, c), e })
		lw.Write([]byte(`{"event":"desk-message","text":"Session code: 999 999 999"}` + "\n"))
		session.NewReporter(lw, jsonOut).Code("123456789", expires)
		if len(got) != 1 || got[0] != "123456789" {
			t.Errorf("json=%v: codes %q from %q", jsonOut, got, buf.String())
		}
		want := expires
		if !jsonOut {
			want = expires.Truncate(time.Minute)
		}
		if !gotExpires.Equal(want) {
			t.Errorf("json=%v: expires %v from %q, want %v", jsonOut, gotExpires, buf.String(), want)
		}
	}
}

func TestUntilMinute(t *testing.T) {
	at := func(d, h, m, s int) time.Time { return time.Date(2026, 12, d, h, m, s, 0, time.Local) }
	for _, c := range []struct {
		name, note string
		now, want  time.Time
	}{
		{"later today", "(give it to the customer; valid until 15:14)", at(7, 15, 4, 30), at(7, 15, 14, 0)},
		{"this minute", "(give it to the customer; valid until 15:04)", at(7, 15, 4, 30), at(7, 15, 4, 0)},
		{"after midnight", "(give it to the customer; valid until 00:08)", at(7, 23, 58, 0), at(8, 0, 8, 0)},
		{"no expiry", "(give it to the customer)", at(7, 15, 4, 30), time.Time{}},
	} {
		if got := untilMinute(c.note, c.now); !got.Equal(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
