package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/session"
)

// The desk learns the session's code from what the session's reporter
// prints, as JSON or as text, whatever else shares the line writer.
func TestSessionCodeTap(t *testing.T) {
	for _, jsonOut := range []bool{true, false} {
		var buf bytes.Buffer
		lw := &lineWriter{w: &buf}
		var got []string
		lw.setOnCode(func(c string) { got = append(got, c) })
		lw.Write([]byte(`{"event":"desk-message","text":"Session code: 999 999 999"}` + "\n"))
		session.NewReporter(lw, jsonOut).Code("123456789", time.Now().Add(time.Minute))
		if len(got) != 1 || got[0] != "123456789" {
			t.Errorf("json=%v: codes %q from %q", jsonOut, got, buf.String())
		}
	}
}

func TestDeskFlagsNeedDesk(t *testing.T) {
	for _, args := range [][]string{{"-pick", "first"}, {"-desk-say", "hi"}, {"-invite"}, {"-desk", "-invite"}} {
		var stderr bytes.Buffer
		full := append([]string{"-server", "https://localhost:1", "-user", "u"}, args...)
		if code := run(full, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), "-") {
			t.Errorf("%q: status %d, %s", args, code, stderr.String())
		}
	}
}
