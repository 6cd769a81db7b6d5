package techdesk

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
)

// LineWriter serializes whole-line writes to w (the session's reporter
// and the desk share it) and, once onCode is set, hands it the session
// code the reporter prints.
type LineWriter struct {
	mu     sync.Mutex
	w      io.Writer
	onCode func(string)
}

// NewLineWriter returns a line writer to w.
func NewLineWriter(w io.Writer) *LineWriter { return &LineWriter{w: w} }

func (lw *LineWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	n, err := lw.w.Write(p)
	onCode := lw.onCode
	lw.mu.Unlock()
	if onCode != nil {
		if code := sessionCode(p); code != "" {
			onCode(code)
		}
	}
	return n, err
}

func (lw *LineWriter) setOnCode(f func(string)) {
	lw.mu.Lock()
	lw.onCode = f
	lw.mu.Unlock()
}

// sessionCode finds the code in the reporter's "code" event, JSON or text.
func sessionCode(p []byte) string {
	for _, line := range bytes.Split(p, []byte("\n")) {
		var ev struct{ Event, Code string }
		if json.Unmarshal(line, &ev) == nil && ev.Event == "code" {
			return ev.Code
		}
		if rest, ok := bytes.CutPrefix(line, []byte("Session code: ")); ok {
			code, _, _ := strings.Cut(string(rest), "  ")
			return strings.ReplaceAll(code, " ", "")
		}
	}
	return ""
}
