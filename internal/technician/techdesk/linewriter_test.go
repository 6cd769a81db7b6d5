package techdesk

import (
	"bytes"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/session"
)

// The desk learns the session's code from what the session's reporter
// prints, as JSON or as text, whatever else shares the line writer.
func TestSessionCodeTap(t *testing.T) {
	for _, jsonOut := range []bool{true, false} {
		var buf bytes.Buffer
		lw := NewLineWriter(&buf)
		var got []string
		lw.setOnCode(func(c string) { got = append(got, c) })
		lw.Write([]byte(`{"event":"desk-message","text":"Session code: 999 999 999"}` + "\n"))
		session.NewReporter(lw, jsonOut).Code("123456789", time.Now().Add(time.Minute))
		if len(got) != 1 || got[0] != "123456789" {
			t.Errorf("json=%v: codes %q from %q", jsonOut, got, buf.String())
		}
	}
}
