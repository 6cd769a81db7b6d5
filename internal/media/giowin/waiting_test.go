package giowin

import (
	"slices"
	"testing"
	"time"
)

func TestSessionLink(t *testing.T) {
	for _, tc := range []struct{ server, want string }{
		{"https://help.example.com", "https://help.example.com/s/123456789"},
		{"https://localhost:8443/", "https://localhost:8443/s/123456789"},
		{"https://help.example.com/tandem?x=1", "https://help.example.com/s/123456789"},
		{"help.example.com:443", "https://help.example.com:443/s/123456789"},
		{"", ""},
	} {
		if got := SessionLink(tc.server, "123456789"); got != tc.want {
			t.Errorf("SessionLink(%q) = %q, want %q", tc.server, got, tc.want)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	for code, want := range map[string]string{
		"123456789":        "123 456 789",
		"1234567890":       "1 234 567 890",
		"1234567890123456": "1 234 567 890 123 456",
		"12":               "12",
		"":                 "",
	} {
		if got := GroupDigits(code); got != want {
			t.Errorf("GroupDigits(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestTimeLeft(t *testing.T) {
	exp := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	w := Waiting{Code: "123456789", Expires: exp}
	for _, tc := range []struct {
		before time.Duration
		want   string
	}{
		{10 * time.Minute, "Expires in 10:00"},
		{9*time.Minute + 41*time.Second + 300*time.Millisecond, "Expires in 9:42"}, // never shows less than is left
		{time.Second, "Expires in 0:01"},
		{0, "The code has expired: start a new session."},
		{-time.Minute, "The code has expired: start a new session."},
	} {
		if got := w.TimeLeft(exp.Add(-tc.before)); got != tc.want {
			t.Errorf("%v before: %q, want %q", tc.before, got, tc.want)
		}
	}
	if got := (Waiting{Code: "1"}).TimeLeft(exp); got != "" {
		t.Errorf("no expiry: %q", got)
	}
}

// TestCodeCard: the card records the grouped code, the link, its copy
// button and the time left, under their names.
func TestCodeCard(t *testing.T) {
	var rec Record
	gtx := gtxOf(500)
	exp := time.Now().Add(10 * time.Minute)
	gtx.Now = exp.Add(-5 * time.Minute)
	c := NewColumn(gtx, Theme(Dark), &rec)
	var cc CodeCard
	cc.Layout(c, Dark, NewWaiting("https://help.example.com", "123456789", exp))
	want := []string{"Give the customer this code:", "123 456 789", "https://help.example.com/s/123456789", "Copy link", "Expires in 5:00"}
	if !slices.Equal(rec.Texts, want) {
		t.Errorf("texts %q, want %q", rec.Texts, want)
	}
	for _, n := range []string{NameCode, NameLink, NameCopy, NameExpires} {
		if rec.Rects[n].Empty() {
			t.Errorf("%s not recorded: %v", n, rec.Rects)
		}
	}
}
