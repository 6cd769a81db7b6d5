package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
)

// lineWriter serializes whole-line writes to w (the session's reporter
// and the desk share it) and, once onCode is set, hands it the session
// code the reporter prints.
type lineWriter struct {
	mu     sync.Mutex
	w      io.Writer
	onCode func(string)
}

func (lw *lineWriter) Write(p []byte) (int, error) {
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

func (lw *lineWriter) setOnCode(f func(string)) {
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
