package techdesk

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"
)

// LineWriter serializes whole-line writes to w (the session's reporter
// and the desk share it) and, once onCode is set, hands it the session
// code the reporter prints and when the code expires.
type LineWriter struct {
	mu     sync.Mutex
	w      io.Writer
	onCode func(code string, expires time.Time)
}

// NewLineWriter returns a line writer to w.
func NewLineWriter(w io.Writer) *LineWriter { return &LineWriter{w: w} }

func (lw *LineWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	n, err := lw.w.Write(p)
	onCode := lw.onCode
	lw.mu.Unlock()
	if onCode != nil {
		if code, expires := sessionCode(p, time.Now()); code != "" {
			onCode(code, expires)
		}
	}
	return n, err
}

func (lw *LineWriter) setOnCode(f func(code string, expires time.Time)) {
	lw.mu.Lock()
	lw.onCode = f
	lw.mu.Unlock()
}

// sessionCode finds the code and its expiry in the reporter's "code"
// event, JSON or text, printed at now. The text names the expiry to the
// minute ("valid until 15:04"): it is read as the start of that minute,
// so the time left shown never outlasts the code.
func sessionCode(p []byte, now time.Time) (string, time.Time) {
	for _, line := range bytes.Split(p, []byte("\n")) {
		var ev struct {
			Event, Code string
			Expires     time.Time
		}
		if json.Unmarshal(line, &ev) == nil && ev.Event == "code" {
			return ev.Code, ev.Expires
		}
		if rest, ok := bytes.CutPrefix(line, []byte("Session code: ")); ok {
			code, note, _ := strings.Cut(string(rest), "  ")
			return strings.ReplaceAll(code, " ", ""), untilMinute(note, now)
		}
	}
	return "", time.Time{}
}

// untilMinute reads "… valid until 15:04)" as the next such local time
// after now (the current minute included); zero when there is none.
func untilMinute(note string, now time.Time) time.Time {
	_, hm, ok := strings.Cut(note, "valid until ")
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse("15:04", strings.TrimSuffix(hm, ")"))
	if err != nil {
		return time.Time{}
	}
	now = now.Local()
	at := time.Date(now.Year(), now.Month(), now.Day(), t.Hour(), t.Minute(), 0, 0, time.Local)
	if at.Before(now.Truncate(time.Minute)) {
		at = at.AddDate(0, 0, 1)
	}
	return at
}
