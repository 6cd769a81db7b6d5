package helpdesk

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzCustomerRequests sends any body to the customer's endpoints: every
// answer is a success or a JSON error with a code the page knows.
func FuzzCustomerRequests(f *testing.F) {
	f.Add("/v1/desk/visit", `{"name":"Marie","topic":"printer","lang":"fr"}`)
	f.Add("/v1/desk/visit", `{"code":"123 456 789"}`)
	f.Add("/v1/desk/send", `{"id":"x","key":"y","cid":"c","text":"hi"}`)
	f.Add("/v1/desk/poll", `{"id":"x","key":"y","after":-5}`)
	f.Add("/v1/desk/typing", `{}`)
	f.Add("/v1/desk/visit", `{"name":"`+strings.Repeat("é", 101)+`"}`)
	hub, err := New(Config{Sessions: &fakeSessions{}, PollWait: time.Millisecond, MaxPerSource: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	h := hub.Handler()
	known := map[string]bool{"invalid-code": true, "throttled": true, "bad-request": true, "closed": true,
		"not-found": true, "busy": true, "unavailable": true}
	f.Fuzz(func(t *testing.T, path, body string) {
		req, err := http.NewRequest(http.MethodPost, "https://desk.example"+path, strings.NewReader(body))
		// Unclean paths never get here: the signaling server answers
		// them 404 (strictPaths).
		if err != nil || req.URL.Path != path || !strings.HasPrefix(path, "/v1/desk/") ||
			strings.Contains(path, "//") || strings.Contains(path+"/", "/./") || strings.Contains(path+"/", "/../") {
			return
		}
		req.RemoteAddr = "192.0.2.1:1234"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code < 300 {
			return
		}
		var e struct{ Error, Message string }
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !known[e.Error] || e.Message == "" {
			t.Fatalf("%s %q: %d %q", path, body, rec.Code, rec.Body.String())
		}
	})
}
